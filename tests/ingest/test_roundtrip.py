"""Export → import reproduces the data and the metrics; the CLI commands around them."""

import io
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Lead, Purchase
from cohorts.queries import AsOf
from cohorts.report import EconomicsSettings, channel_reports
from demo.generator import generate
from demo.loader import write_dataset
from ingest.exporter import export_leads, export_purchases, export_spend
from ingest.formats import normalise_header
from ingest.importer import import_file
from tests import factories

AS_OF = AsOf(day=date(2024, 6, 30))


def engine_of(app: Flask) -> sa.Engine:
    with app.app_context():
        return get_engine()


def export_text(engine: sa.Engine, kind: str) -> str:
    with engine.connect() as conn:
        if kind == "spend":
            return "".join(export_spend(conn))
        exporter = export_leads if kind == "leads" else export_purchases
        return "".join(exporter(conn, "UTC"))


def import_text(engine: sa.Engine, kind: str, text: str) -> tuple[int, int]:
    result = import_file(engine, kind, io.BytesIO(text.encode()))
    assert result.ok, result.report.sorted()[:5]
    return result.created, result.updated


def metrics(db: Session) -> list[tuple[Any, ...]]:
    db.expire_all()
    reports = channel_reports(session=db, as_of=AS_OF, settings=EconomicsSettings())
    return [
        (r.channel.name, r.economics.spend_minor, r.economics.leads, r.economics.customers,
         r.economics.revenue_minor, r.economics.cac_minor, r.economics.roi,
         r.economics.payback_week, np.nan_to_num(r.triangle.revenue_minor, nan=-1).tolist())
        for r in reports
    ]  # fmt: skip


def test_round_trip_reproduces_the_metrics(app: Flask, db: Session) -> None:
    engine = engine_of(app)
    data = generate(leads=3000, seed=3, weeks=20, end=AS_OF.day)
    with engine.begin() as conn:
        write_dataset(conn, data)
    before = metrics(db)
    files = {kind: export_text(engine, kind) for kind in ("spend", "leads", "purchases")}
    with engine.begin() as conn:
        for table in ("purchase", "lead", "weekly_spend"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
        conn.execute(sa.text("DELETE FROM cohort_size"))
        conn.execute(sa.text("DELETE FROM cohort_purchases"))
    assert metrics(db) != before
    assert import_text(engine, "spend", files["spend"])[0] == data.spend_amount_minor.size
    assert import_text(engine, "leads", files["leads"]) == (3000, 0)
    assert import_text(engine, "purchases", files["purchases"]) == (data.purchase_lead.size, 0)
    assert metrics(db) == before
    assert {k: export_text(engine, k) for k in files} == files
    assert import_text(engine, "leads", files["leads"]) == (0, 0)


RESERVED = {"external_id", "channel", "created_at", "test", "stage", "grade", "score"}
plain_text = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x00"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
lead_rows = st.fixed_dictionaries(
    {
        "created_at": st.datetimes(  # inside the date window: 2000-01-01 to a year ahead
            datetime(2000, 1, 2), datetime.combine(date.today() + timedelta(days=300), time()),
            timezones=st.just(UTC),
        ),
        "stage": st.sampled_from(("inquiry", "lead", "customer", "lost")),
        "grade": st.sampled_from((None, "hot", "warm", "future")),
        "attributes": st.dictionaries(
            plain_text.filter(lambda k: normalise_header(k) not in RESERVED), plain_text,
            max_size=3,
        ).filter(lambda a: len({normalise_header(k) for k in a}) == len(a)),
        "amounts": st.lists(st.integers(-10**9, 10**9), max_size=2),
    }
)  # fmt: skip


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(lead_rows, min_size=1, max_size=4), ids=st.lists(plain_text, min_size=8,
       max_size=8, unique=True))  # fmt: skip
def test_random_valid_rows_survive_export_and_import(
    app: Flask, db: Session, rows: list[dict[str, Any]], ids: list[str]
) -> None:
    engine = engine_of(app)
    with engine.begin() as conn:
        for table in ("purchase", "lead", "channel"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    channel = factories.channel(db, name='Ads; "quoted", with comma')
    for i, row in enumerate(rows):
        fields = {k: row[k] for k in ("stage", "grade", "attributes")}
        lead = factories.lead(db, channel, row["created_at"], external_id=ids[i], **fields)
        for j, amount in enumerate(row["amounts"]):
            p = factories.purchase(db, lead, row["created_at"], amount)
            p.external_id = f"{ids[i]}/{j}"
            db.add(p)
    db.commit()
    stored = snapshot(db)
    files = {kind: export_text(engine, kind) for kind in ("leads", "purchases")}
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM purchase"))
        conn.execute(sa.text("DELETE FROM lead"))
    import_text(engine, "leads", files["leads"])
    import_text(engine, "purchases", files["purchases"])
    assert snapshot(db) == stored


def snapshot(db: Session) -> tuple[list[Any], list[Any]]:
    db.expire_all()
    leads = sorted(
        (x.external_id, x.created_at, x.cohort_week, x.stage, x.grade, x.attributes)
        for x in db.exec(select(Lead))
    )
    purchases = sorted(
        (p.external_id, p.purchased_at, p.purchased_on, p.amount_minor)
        for p in db.exec(select(Purchase))
    )
    return leads, purchases


def test_cli_import_reports_problems_and_exits_non_zero(app: Flask, db: Session, tmp_path: Path):
    factories.channel(db, name="Ads")
    bad = tmp_path / "spend.csv"
    bad.write_text("channel,week,amount\nAds,2024-03-04,-1\nAds,2024-03-11,2\n")
    report = tmp_path / "report.csv"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "spend", str(bad), "--report", str(report)])
    assert result.exit_code == 1
    assert "Nothing was imported: 1 problem found." in result.output
    assert "row 2, amount: '-1' cannot be negative" in result.output
    assert report.read_text() == "row,column,value,message\n2,amount,-1,'-1' cannot be negative\n"
    bad.write_text("channel,week,amount\nAds,2024-03-04,1\nAds,2024-03-11,2\n")
    result = runner.invoke(args=["import", "spend", str(bad)])
    assert result.exit_code == 0, result.output
    assert re.search(
        r"2 created, 0 updated, 0 unchanged \(starting \d+\.\d s, reading \d+\.\d s, "
        r"checking \d+\.\d s, storing \d+\.\d s, committing \d+\.\d s\)\.",
        result.output,
    ), result.output
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["export", "spend", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == (
        '"channel","week","amount","impressions","clicks"\n'
        "Ads,2024-03-04,1.00,,\nAds,2024-03-11,2.00,,\n"
    )
    metrics_csv = runner.invoke(args=["export", "metrics", "--as-of", "2024-03-17"]).output
    header, row = metrics_csv.splitlines()[:2]
    assert header.startswith('"channel","kind","ring","status","spend","leads"')
    assert row.startswith("Ads,sem,middle,testing,3.00,0,0,0.00,,,")
