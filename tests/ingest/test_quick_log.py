"""The quick log's records: deterministic anonymous leads and purchases, edits never duplicate."""

import io
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ingest.importer import import_file
from ingest.quick_log import WeekEntry, read_week, store_week
from kernel.weeks import date_window
from tests import factories

W1, W2, W3 = date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)
WINDOW = date_window(date(2026, 6, 1))


def save(db: Session, channel_id: int, week: date, entry: WeekEntry) -> list[tuple[str, str]]:
    """Store one week's log in its own transaction; commit only when it was accepted."""
    conn = db.connection()
    errors = store_week(conn, channel_id, week, entry, window=WINDOW)
    db.commit() if not errors else db.rollback()
    return errors


def rows(db: Session, sql: str, **params: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.connection().execute(sa.text(sql), params)]


def test_a_week_becomes_anonymous_leads_and_purchases_and_edits_replace_them(db: Session) -> None:
    ch = factories.channel(db, name="Podcasts")
    cid = ch.id or 0
    assert save(db, cid, W1, WeekEntry(100000, 5, {})) == []
    assert save(db, cid, W2, WeekEntry(0, 0, {W1: (2, 60000)})) == []
    leads = rows(db, "SELECT external_id, stage FROM lead ORDER BY external_id")
    assert leads == [(f"log:{cid}:2026-03-02:{n}", "customer" if n <= 2 else "lead")
                     for n in range(1, 6)]  # fmt: skip
    bought = rows(db, "SELECT p.external_id, l.external_id, p.amount_minor FROM purchase p "
                  "JOIN lead l ON l.id = p.lead_id ORDER BY p.external_id")  # fmt: skip
    assert bought == [(f"log:{cid}:2026-03-02:2026-03-09:1", f"log:{cid}:2026-03-02:1", 30000),
                      (f"log:{cid}:2026-03-02:2026-03-09:2", f"log:{cid}:2026-03-02:2", 30000)]
    # Editing to 3 buyers for 1000.01: one more purchase; the 2 remainder cents go one each
    # to the first two.
    assert save(db, cid, W2, WeekEntry(0, 0, {W1: (3, 100001)})) == []
    amounts = rows(db, "SELECT external_id, amount_minor FROM purchase ORDER BY external_id")
    assert [a for _i, a in amounts] == [33334, 33334, 33333]
    aggregate = rows(db, "SELECT age, new_customers, purchases, revenue_minor FROM "
                     "cohort_purchases WHERE channel_id = :c", c=cid)  # fmt: skip
    assert aggregate == [(1, 3, 3, 100001)]
    assert rows(db, "SELECT leads FROM cohort_size WHERE channel_id = :c", c=cid) == [(5,)]
    # A buyer logged in the cohort's own week takes the first lead; later weeks' buyers move on.
    assert save(db, cid, W1, WeekEntry(100000, 4, {W1: (1, 5000)})) == []
    owners = rows(db, "SELECT p.external_id, l.external_id FROM purchase p JOIN lead l ON "
                  "l.id = p.lead_id ORDER BY p.purchased_at, p.external_id")  # fmt: skip
    assert [lead for _p, lead in owners] == [f"log:{cid}:2026-03-02:{n}" for n in (1, 2, 3, 4)]
    assert rows(db, "SELECT COUNT(*) FROM lead") == [(4,)]
    log = read_week(db.connection(), cid, W2)
    assert [(c.week, c.leads, c.buyers, c.revenue_minor, c.week_buyers) for c in log.cohorts] == [
        (W2, 0, 0, 0, 0), (W1, 4, 4, 105001, 3)]
    # Back to 0 buyers in W2: their purchases go, nothing else does.
    assert save(db, cid, W2, WeekEntry(0, 0, {})) == []
    assert rows(db, "SELECT external_id FROM purchase") == [(f"log:{cid}:2026-03-02:2026-03-02:1",)]
    assert rows(db, "SELECT revenue_minor FROM cohort_purchases WHERE channel_id = :c",
                c=cid) == [(5000,)]


def test_bad_entries_name_the_field_and_store_nothing(db: Session) -> None:
    ch = factories.channel(db, name="Podcasts")
    cid = ch.id or 0
    assert save(db, cid, W1, WeekEntry(100000, 2, {})) == []
    before = rows(db, "SELECT external_id FROM lead ORDER BY id")
    cases = [
        (W2, WeekEntry(0, 0, {W1: (3, 100)}), f"buyers.{W1}", "3 buyers in all"),
        (W2, WeekEntry(0, 0, {W1: (0, 100)}), f"revenue.{W1}", "needs at least one buyer"),
        (W2, WeekEntry(0, -1, {}), "leads", "between 0"),
        (W2, WeekEntry(0, 10_001, {}), "leads", "between 0 and 10,000"),
        (W2, WeekEntry(-5, 0, {}), "spend", "cannot be negative"),
        (W2, WeekEntry(0, 0, {W3: (1, 100)}), f"buyers.{W3}", "later than the week"),
        (W3, WeekEntry(0, 0, {W2: (1, 100)}), f"buyers.{W2}", "no quick-logged leads"),
        (W2, WeekEntry(0, 0, {W1: (1, -100)}), f"revenue.{W1}", "no refunds"),
    ]
    for week, entry, field, message in cases:
        errors = save(db, cid, week, entry)
        assert [f for f, _m in errors] == [field] and message in errors[0][1], errors
    assert save(db, cid, W2, WeekEntry(0, 0, {W1: (2, 100)})) == []
    errors = save(db, cid, W1, WeekEntry(100000, 1, {}))
    assert errors == [("leads", "2 of this week's leads bought in later weeks; log at least 2 "
                       "leads")]
    assert rows(db, "SELECT external_id FROM lead ORDER BY id") == before


def test_imported_and_logged_leads_never_share_a_channel_week(db: Session) -> None:
    ch = factories.channel(db, name="Podcasts")
    cid = ch.id or 0
    factories.lead(db, ch, date(2026, 3, 3), external_id="crm-1")
    errors = save(db, cid, W1, WeekEntry(0, 3, {}))
    assert errors[0][0] == "leads" and "1 imported leads" in errors[0][1]
    assert save(db, cid, W1, WeekEntry(5000, 0, {})) == []  # spend alone is fine
    assert save(db, cid, W2, WeekEntry(0, 3, {})) == []
    csv = b"external_id,channel,created_at\ncrm-2,Podcasts,2026-03-10\n"
    result = import_file(db.get_bind(), "leads", io.BytesIO(csv), window=WINDOW)
    assert [e.column for e in result.report.errors] == ["created_at"]
    assert "quick log" in result.report.errors[0].message
    assert rows(db, "SELECT COUNT(*) FROM lead") == [(4,)]


def test_a_file_mixing_logged_and_imported_leads_in_one_channel_week_is_refused(
        db: Session) -> None:
    ch = factories.channel(db, name="Podcasts")
    factories.channel(db, name="Radio")
    db.commit()
    cid = ch.id or 0
    # Nothing stored yet: rows 2 and 4 mix the two kinds in Podcasts' week of 2026-03-02;
    # row 3 (Radio) and row 5 (Podcasts, next week) are alone in theirs.
    csv = (b"external_id,channel,created_at\n"
           + f"log:{cid}:2026-03-02:1,Podcasts,2026-03-03\n".encode()
           + b"crm-1,Radio,2026-03-03\ncrm-2,Podcasts,2026-03-04\ncrm-3,Podcasts,2026-03-10\n")
    result = import_file(db.get_bind(), "leads", io.BytesIO(csv), window=WINDOW)
    errors = [(e.row, e.column, e.message) for e in result.report.errors]
    assert errors == [
        (2, "created_at", "is a quick-logged lead, but the week of 2026-03-02 on this channel "
                          "also holds imported leads (row 4 of this file); a channel-week holds "
                          "either quick-logged or imported leads, never both"),
        (4, "created_at", "falls in the week of 2026-03-02, whose leads on this channel are "
                          "quick-logged (row 2 of this file); a channel-week holds either "
                          "quick-logged or imported leads, never both"),
    ]
    assert rows(db, "SELECT COUNT(*) FROM lead") == [(0,)]  # nothing half-stored
    # Each kind alone in its week is fine.
    alone = (b"external_id,channel,created_at\n"
             + f"log:{cid}:2026-03-02:1,Podcasts,2026-03-03\n".encode()
             + b"crm-2,Podcasts,2026-03-10\n")
    assert import_file(db.get_bind(), "leads", io.BytesIO(alone), window=WINDOW
                       ).report.errors == []
    assert rows(db, "SELECT COUNT(*) FROM lead") == [(2,)]


def test_an_edit_conflict_is_refused_unless_the_values_agree(db: Session) -> None:
    ch = factories.channel(db, name="Podcasts")
    cid = ch.id or 0
    loaded = read_week(db.connection(), cid, W1).tag
    db.rollback()
    assert save(db, cid, W1, WeekEntry(100000, 5, {})) == []
    conn = db.connection()
    assert store_week(conn, cid, W1, WeekEntry(100000, 6, {}), window=WINDOW,
                      read_tag=loaded) == [("tag", "someone else changed this week's log since "
                                            "you loaded it")]  # fmt: skip
    db.rollback()
    assert store_week(db.connection(), cid, W1, WeekEntry(100000, 5, {}), window=WINDOW,
                      read_tag=loaded) == []  # fmt: skip
    db.rollback()

