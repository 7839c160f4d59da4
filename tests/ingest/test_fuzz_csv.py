"""Hypothesis writes hostile cells into lead and purchase files: a report or a clean import.

Cells carry the classes of issue 12 (NUL, long text, huge numbers, odd Unicode); the import
must never raise, and what it stores must be storable on both databases. Bounded examples.
"""

import csv
import io

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Lead
from ingest.importer import import_file
from kernel.text import unstorable
from tests import factories

CELLS = st.lists(
    st.one_of(
        st.text(max_size=6),
        st.sampled_from(["\x00", "9" * 40, "v" * 1_500, "1e308", "-0", "2026-01-05", "Ads"]),
    ),
    max_size=3,
).map("".join)


def _file(rows: list[list[str]], header: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def test_hostile_cells_give_a_report_or_an_import(app: Flask, db: Session) -> None:
    factories.channel(db, name="Ads")
    # Mostly valid references, so hostile ids and attributes reach the staging table.
    channel, day = st.one_of(st.just("Ads"), CELLS), st.one_of(st.just("2026-01-05"), CELLS)
    lead_rows = st.lists(st.tuples(CELLS, channel, day, CELLS).map(list), min_size=1, max_size=4)
    amount = st.one_of(st.just("10.00"), CELLS)
    purchase_rows = st.lists(
        st.tuples(CELLS, CELLS, day, amount).map(list), min_size=1, max_size=4
    )

    @given(leads=lead_rows, purchases=purchase_rows)
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def run(leads: list[list[str]], purchases: list[list[str]]) -> None:
        files = [
            ("leads", _file(leads, ["external_id", "channel", "created_at", "industry"])),
            ("purchases", _file(purchases, ["external_id", "lead_external_id", "purchased_at",
                                            "amount"])),
        ]  # fmt: skip
        with app.app_context():
            for kind, data in files:
                result = import_file(get_engine(), kind, io.BytesIO(data))
                assert result.ok or result.report.errors

    run()
    db.expire_all()
    for lead in db.exec(select(Lead)):
        assert unstorable(lead.external_id) is None
        assert all(unstorable(str(v)) is None and len(str(v)) <= 1_000
                   for v in lead.attributes.values())  # fmt: skip
