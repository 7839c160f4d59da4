"""CSV formula injection (OWASP): exports neutralise, imports restore (issue 20)."""

import csv
import io
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlmodel import Session, select

from app.models import Lead, User
from ingest.formats import neutralise, restore, restore_row
from tests import factories
from tests.conftest import sign_in
from tests.ingest.test_roundtrip import engine_of, export_text, import_text

EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize(("cell", "safe"), [
    (EVIL, "'" + EVIL),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("-12.50", "-12.50"),  # a negative amount stays a number
    ("+3", "+3"),
    ("-1e-3", "-1e-3"),
    ("plain", "plain"),
    ("", ""),
    ("'quoted", "'quoted"),
])
def test_neutralise_follows_owasp_and_keeps_numbers(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe
    assert restore(neutralise(cell)) == cell


def test_non_text_cells_are_left_alone() -> None:
    assert neutralise(-5) == -5
    assert neutralise(None) is None
    assert restore_row(["a", "'=b", "'c"]) == ["a", "=b", "'c"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_exports_neutralise_and_reimport_unchanged(app: Flask, db: Session, owner: User) -> None:
    channel = factories.channel(db, name=EVIL)
    lead = factories.lead(db, channel, datetime(2024, 1, 3, 10, tzinfo=UTC),
                          external_id="@lead-1", attributes={"=industry": "-saas"})
    refund = factories.purchase(db, lead, datetime(2024, 1, 10, 10, tzinfo=UTC), -1250)
    refund.external_id = "-refund-1"
    db.add(refund)
    db.commit()
    engine = engine_of(app)
    files = {kind: export_text(engine, kind) for kind in ("leads", "purchases")}
    leads = _cells(files["leads"])
    assert "'@lead-1" in leads[1]
    assert "'" + EVIL in leads[1]
    assert "'=industry" in leads[0] and "'-saas" in leads[1]
    purchases = _cells(files["purchases"])
    assert "'-refund-1" in purchases[1] and "-12.50" in purchases[1]
    for row in leads + purchases:
        for cell in row:
            assert cell[:1] not in ("=", "+", "@", "\t", "\r") and not (
                cell[:1] == "-" and not cell[1:2].isdigit()), cell
    assert import_text(engine, "leads", files["leads"]) == (0, 0)  # nothing differs
    assert import_text(engine, "purchases", files["purchases"]) == (0, 0)
    db.expire_all()
    stored = db.exec(select(Lead)).one()
    assert stored.external_id == "@lead-1" and stored.attributes == {"=industry": "-saas"}
    web = sign_in(app.test_client(), owner).get("/imports/export/leads.csv")
    assert web.status_code == 200 and "'@lead-1" in web.get_data(as_text=True)
