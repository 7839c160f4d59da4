"""Lead imports date stage changes (`stage_changed_at`), and the funnel reads those dates."""

import io
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from cohorts.as_of import AsOf
from experiments.funnel.queries import funnel_data
from experiments.funnel.stages import funnel
from ingest.importer import ImportResult, import_file
from kernel.weeks import date_window, utcnow
from tests import factories

WINDOW = date_window(utcnow().date())
HEADER = "external_id,channel,created_at,stage,stage_changed_at\n"


def _import(db: Session, *rows: str) -> ImportResult:
    csv = (HEADER + "".join(f"{row}\n" for row in rows)).encode()
    return import_file(db.get_bind(), "leads", io.BytesIO(csv), window=WINDOW)


def _rows(db: Session, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.connection().execute(sa.text(sql))]


def _history(db: Session, external_id: str) -> list[tuple[datetime | None, str]]:
    """Return a lead's stage history, oldest first, times as aware UTC datetimes."""
    rows = _rows(db, "SELECT h.changed_at, h.stage FROM lead_stage_change h JOIN lead l ON "
                     f"l.id = h.lead_id WHERE l.external_id = '{external_id}' ORDER BY h.id")
    db.rollback()

    def utc(value: object) -> datetime | None:
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    return [(utc(at), str(stage)) for at, stage in rows]


def _at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_dated_stage_changes_give_the_funnel_its_days_in_each_stage(db: Session) -> None:
    ch = factories.channel(db, name="Events")
    db.commit()
    assert ch.id is not None
    # Three imports, as a CRM export each week: creation, then two rounds of stage changes.
    for rows in (
        ("e-1,Events,2026-03-02T00:00:00Z,inquiry,", "e-2,Events,2026-03-03T00:00:00Z,inquiry,",
         "e-3,Events,2026-03-04T00:00:00Z,lead,"),
        ("e-1,Events,2026-03-02T00:00:00Z,lead,2026-03-05T00:00:00Z",
         "e-2,Events,2026-03-03T00:00:00Z,lead,2026-03-10T12:00:00Z",
         "e-3,Events,2026-03-04T00:00:00Z,sales_ready,2026-03-11T00:00:00Z"),
        ("e-1,Events,2026-03-02T00:00:00Z,sales_ready,2026-03-12T00:00:00Z",
         "e-2,Events,2026-03-03T00:00:00Z,lost,2026-03-17T00:00:00Z",
         "e-3,Events,2026-03-04T00:00:00Z,opportunity,2026-03-20T00:00:00Z"),
    ):
        assert _import(db, *rows).report.errors == []
    assert _history(db, "e-1") == [(None, "inquiry"), (_at(3, 5), "lead"),
                                   (_at(3, 12), "sales_ready")]
    # Re-importing the last file changes nothing (no new history row).
    assert _import(db, "e-3,Events,2026-03-04T00:00:00Z,opportunity,2026-03-20T00:00:00Z"
                   ).report.errors == []
    assert len(_history(db, "e-3")) == 3
    data = funnel_data(session=db, as_of=AsOf(date(2026, 3, 31)), channel_ids=[ch.id])
    stages = {s.stage: (s.reached, s.lost, s.median_days, s.stays)
              for s in funnel(data.counts[ch.id])}
    # Whole days in each stage, by hand:
    #   inquiry: e-1 03-02 → 03-05 = 3, e-2 03-03 → 03-10 12:00 = 7 (7.5): median 5
    #   lead: e-1 03-05 → 03-12 = 7, e-2 03-10 12:00 → 03-17 = 6 (6.5), e-3 03-04 → 03-11 = 7
    #   sales-ready: e-3 03-11 → 03-20 = 9 (e-1 is still sales-ready: its stay is open)
    assert stages == {
        "inquiry": (3, 0, 5.0, 2),
        "lead": (3, 1, 7.0, 3),
        "sales_ready": (2, 0, 9.0, 1),
        "opportunity": (1, 0, None, 0),
        "customer": (0, 0, None, 0),
    }
    # As of 03-11 the changes dated later have not happened yet.
    early = funnel_data(session=db, as_of=AsOf(date(2026, 3, 10)), channel_ids=[ch.id])
    assert {s.stage: s.reached for s in funnel(early.counts[ch.id])} == {
        "inquiry": 3, "lead": 3, "sales_ready": 0, "opportunity": 0, "customer": 0}


def test_bad_stage_dates_name_row_and_field_and_store_nothing(db: Session) -> None:
    factories.channel(db, name="Events")
    db.commit()
    assert _import(db, "e-1,Events,2026-03-02T00:00:00Z,inquiry,",
                   "e-2,Events,2026-03-02T00:00:00Z,lead,").report.errors == []
    assert _import(db, "e-1,Events,2026-03-02T00:00:00Z,lead,2026-03-09T00:00:00Z"
                   ).report.errors == []
    before = _rows(db, "SELECT lead_id, changed_at, stage FROM lead_stage_change ORDER BY id")
    future = (utcnow() + timedelta(hours=2)).isoformat()  # inside the window, after now
    bad = _import(db,
                  "e-1,Events,2026-03-02T00:00:00Z,sales_ready,2026-03-01T00:00:00Z",
                  "e-2,Events,2026-03-02T00:00:00Z,lost,1999-12-31",
                  "e-3,Events,2026-03-04T00:00:00Z,lead,03/05/2026",
                  "e-4,Events,2026-03-04T00:00:00Z,lead,2026-03-05T00:00:00Z",
                  f"e-5,Events,2026-03-04T00:00:00Z,lead,{future}")
    assert [(e.row, e.column) for e in bad.report.errors] == [
        (2, "stage_changed_at"), (3, "stage_changed_at"), (4, "stage_changed_at"),
        (6, "stage_changed_at")]
    first, window, unreadable, ahead = (e.message for e in bad.report.errors)
    assert "before the lead's created_at" in first
    assert "outside the dates Bullseye accepts (2000-01-01" in window
    assert unreadable.startswith("'03/05/2026'")
    assert ahead == "is in the future; date a stage change when it happened"
    # A change dated before the lead's last recorded change (03-09) is refused in SQL.
    late = _import(db, "e-2,Events,2026-03-02T00:00:00Z,lost,2026-03-04T00:00:00Z",
                   "e-1,Events,2026-03-02T00:00:00Z,sales_ready,2026-03-08T00:00:00Z")
    assert [(e.row, e.column, e.message) for e in late.report.errors] == [
        (3, "stage_changed_at", "is before the lead's last recorded stage change "
                                "(2026-03-09 00:00:00 UTC); date each change no earlier than "
                                "the one before")]
    # Nothing half-stored: e-2's valid change of the same file was not stored either.
    assert _rows(db, "SELECT lead_id, changed_at, stage FROM lead_stage_change ORDER BY id"
                 ) == before
    assert _rows(db, "SELECT external_id, stage FROM lead ORDER BY external_id") == [
        ("e-1", "lead"), ("e-2", "lead")]
