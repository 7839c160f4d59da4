"""CSV import: every rule refuses a bad file whole (report, nothing stored); upserts are exact."""

import io
import threading
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Channel, Lead, Purchase, WeeklySpend
from cohorts import models
from cohorts.aggregates import data_version
from ingest.formats import template
from ingest.importer import ImportResult, Progress, import_file
from tests import factories
from tests.number_inputs import AMOUNTS_READ, AMOUNTS_REFUSED


def run(app: Flask, kind: str, text: str, encoding: str = "utf-8") -> ImportResult:
    """Import `text` as a CSV file of `kind`."""
    with app.app_context():
        return import_file(get_engine(), kind, io.BytesIO(text.encode(encoding)))


def problems(result: ImportResult) -> list[tuple[int, str, str, str]]:
    return [(e.row, e.column, e.value, e.message) for e in result.report.sorted()]


def counts(db: Session) -> tuple[int, int, int]:
    db.expire_all()
    return (
        len(db.exec(select(WeeklySpend)).all()),
        len(db.exec(select(Lead)).all()),
        len(db.exec(select(Purchase)).all()),
    )


@pytest.fixture
def ads(db: Session) -> Channel:
    return factories.channel(db, name="Google Ads")


def test_spend_file_with_bom_semicolons_and_decimal_commas(app: Flask, db: Session, ads: Channel):
    text = "channel;week;amount;impressions;clicks\r\nGoogle Ads;2024-03-06;1.234,50;48.000;960\r\n"
    result = run(app, "spend", "\ufeff" + text)
    assert result.ok, problems(result)
    assert (result.rows, result.created, result.updated) == (1, 1, 0)
    row = db.exec(select(WeeklySpend)).one()
    assert (row.week, row.amount_minor, row.impressions, row.clicks) == (
        date(2024, 3, 4),
        123450,
        48000,
        960,
    )


def test_reimport_changes_nothing_and_a_changed_row_updates(app: Flask, db: Session, ads: Channel):
    text = 'channel,week,amount\n"Google Ads",2024-03-04,"1,000.00"\ngoogle ads,2024-03-11,5\n'
    assert run(app, "spend", text).created == 2
    with get_engine_of(app).connect() as conn:
        version = data_version(conn)
    again = run(app, "spend", text)
    assert (again.ok, again.created, again.updated) == (True, 0, 0)
    with get_engine_of(app).connect() as conn:
        assert data_version(conn) == version
    changed = run(app, "spend", text.replace(",5\n", ",7.5\n"))
    assert (changed.created, changed.updated) == (0, 1)
    amounts = sorted(r.amount_minor for r in db.exec(select(WeeklySpend)))
    assert amounts == [750, 100000]


def get_engine_of(app: Flask) -> sa.Engine:
    with app.app_context():
        return get_engine()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "channel,week,amount\nGoogle Ads,2024-03-04,-5\nNope,2024-03-04,1\n",
            [
                (2, "amount", "-5", "'-5' cannot be negative"),
                (3, "channel", "Nope", "no channel is named 'Nope'; create it first"),
            ],
        ),
        (
            "channel,week,amount\nGoogle Ads,04/03/2024,1,234\n",
            [(2, "", "Google Ads,04/03/2024,1,234", "has 4 cells; the header has 3")],
        ),
        (
            'channel,week,amount\nGoogle Ads,04/03/2024,"1,234"\n',
            [
                (
                    2,
                    "amount",
                    "1,234",
                    "'1,234' is ambiguous: ',' may be a thousands separator "
                    "or a decimal mark; write 1234 or 1234.00",
                ),
                (
                    2,
                    "week",
                    "04/03/2024",
                    "'04/03/2024' must be a date like 2024-03-31 (YYYY-MM-DD)",
                ),
            ],
        ),
        (
            "channel,week,amount\nGoogle Ads,2024-03-04,1\nGoogle Ads,2024-03-06,2\n",
            [(3, "week", "2024-03-06", "this channel and week already appears in row 2")],
        ),
        (
            "channel,week,amount,clicks,impressions\nGoogle Ads,2024-03-04,1,20,10\n",
            [(2, "clicks", "20", "cannot exceed impressions (10)")],
        ),
        (
            "channel,week\nGoogle Ads,2024-03-04\n",
            [(1, "amount", "", "required column 'amount' is missing")],
        ),
        (
            "channel;week,amount\n",
            [(1, "", "channel;week,amount", "the header mixes ',' and ';' separators")],
        ),
        ("", [(1, "", "", "the file is empty; the first row must name the columns")]),
    ],
)
def test_bad_spend_files_are_refused_whole(
    app: Flask, db: Session, ads: Channel, text: str, expected: list[tuple[int, str, str, str]]
) -> None:
    factories.spend(db, ads, date(2024, 1, 1), 100)
    result = run(app, "spend", text)
    assert not result.ok
    assert problems(result) == expected
    assert counts(db) == (1, 0, 0)


def test_non_utf8_file_is_refused(app: Flask, db: Session, ads: Channel) -> None:
    text = "channel,week,amount\nGoogle Ads,2024-03-04,1\nCaf\u00e9,x,1\n"
    result = run(app, "spend", text, encoding="latin-1")
    assert problems(result) == [
        (3, "", "", "the file is not UTF-8 text; save it as UTF-8 (in Excel: CSV UTF-8)")
    ]
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'channel,week,amount\nGoogle Ads,2024-03-04,1\n"Google Ads,2024-03-11,2\n',
            [(3, "", "", "a quoted cell is never closed: the file ends inside quotes")],
        ),
        (
            "channel,week,amount\nGoogle Ads,2024-03-04," + "1" * 140_000 + "\n",
            [(2, "", "", "a cell is longer than 131,072 characters (often a quote that is never "
                         "closed, so the rest of the file reads as one cell)")],
        ),
    ],
)
def test_unreadable_csv_is_explained(
    app: Flask, db: Session, ads: Channel, text: str, expected: list[tuple[int, str, str, str]]
) -> None:
    result = run(app, "spend", text)
    assert problems(result) == expected
    assert counts(db) == (0, 0, 0)


LEADS = (
    "external_id,channel,created_at,stage,grade,Industry,Region\n"
    "L1,Google Ads,2024-03-04T09:00:00+01:00,lead,hot,software,EU\n"
    'L2,Google Ads,2024-03-10,Sales Ready,,"retail, food",\n'
)


def test_leads_import_converts_times_and_keeps_attributes(app: Flask, db: Session, ads: Channel):
    result = run(app, "leads", LEADS)
    assert (result.ok, result.created, result.updated) == (True, 2, 0), problems(result)
    assert list(result.phases) == ["starting", "reading", "checking", "storing", "committing"]
    assert 0 < sum(result.phases.values()) <= result.seconds
    leads = {lead.external_id: lead for lead in db.exec(select(Lead))}
    one, two = leads["L1"], leads["L2"]
    assert one.created_at == datetime(2024, 3, 4, 8, tzinfo=UTC)
    assert (one.cohort_week, one.stage, one.grade) == (date(2024, 3, 4), "lead", "hot")
    assert one.attributes == {"Industry": "software", "Region": "EU"}
    assert (two.stage, two.grade, two.attributes) == (
        "sales_ready",
        None,
        {"Industry": "retail, food"},
    )
    with get_engine_of(app).connect() as conn:
        sizes = conn.execute(sa.text("SELECT cohort_week, leads FROM cohort_size")).all()
    assert sorted((str(w), n) for w, n in sizes) == [("2024-03-04", 2)]
    again = run(app, "leads", LEADS)
    assert (again.created, again.updated) == (0, 0)
    moved = run(app, "leads", LEADS.replace("2024-03-10", "2024-03-11"))
    assert (moved.created, moved.updated) == (0, 1)
    with get_engine_of(app).connect() as conn:
        sizes = conn.execute(sa.text("SELECT cohort_week, leads FROM cohort_size")).all()
    assert sorted((str(w), n) for w, n in sizes) == [("2024-03-04", 1), ("2024-03-11", 1)]


def test_leads_in_the_install_time_zone(app: Flask, db: Session, ads: Channel) -> None:
    with get_engine_of(app).begin() as conn:
        conn.execute(sa.text("UPDATE settings SET timezone = 'America/New_York'"))
    text = "external_id,channel,created_at\nL1,Google Ads,2024-03-03T22:00\n"
    assert run(app, "leads", text).ok
    lead = db.exec(select(Lead)).one()
    assert lead.created_at == datetime(2024, 3, 4, 3, tzinfo=UTC)
    assert lead.cohort_week == date(2024, 2, 26)  # still Sunday in New York


def test_bad_leads_are_refused_whole(app: Flask, db: Session, ads: Channel) -> None:
    factories.lead(db, ads, date(2024, 1, 1), external_id="OLD")
    text = (
        "external_id,channel,created_at,stage,test\n"
        "L1,Google Ads,2024-03-04,,\n"
        ",Google Ads,2024-03-04,,\n"
        "L1,Google Ads,2024-03-04,,\n"
        "L3,Google Ads,2024-03-04,won,Spring test\n"
    )
    stages = ", ".join(models.STAGES)
    assert problems(run(app, "leads", text)) == [
        (3, "external_id", "", "is required"),
        (4, "external_id", "L1", "this external id already appears in row 2"),
        (5, "stage", "won", f"must be one of {stages}"),
        (5, "test", "Spring test", "no test is named 'Spring test'"),
    ]
    assert counts(db) == (0, 1, 0)


PURCHASES = "external_id,lead_external_id,purchased_at,amount\n"


def test_purchases_import_checks_leads_and_refreshes_cohorts(
    app: Flask, db: Session, ads: Channel
) -> None:
    factories.lead(db, ads, datetime(2024, 3, 4, 12, tzinfo=UTC), external_id="L1")
    bad = PURCHASES + "P1,L1,2024-03-04T11:00:00Z,10\nP2,L9,2024-03-05,10\nP3,L1,2024-03-05,x\n"
    assert problems(run(app, "purchases", bad)) == [
        (2, "purchased_at", "2024-03-04T11:00:00Z", "is before its lead was created"),
        (3, "lead_external_id", "L9", "no lead has this external id; import the leads first"),
        (4, "amount", "x", "'x' is not a number"),
    ]
    assert counts(db) == (0, 1, 0)
    good = PURCHASES + 'P1,L1,2024-03-12T10:00:00Z,"1.000,00"\nP2,L1,2024-03-20,-99.5\n'
    result = run(app, "purchases", good)
    assert (result.ok, result.created, result.updated) == (True, 2, 0), problems(result)
    with get_engine_of(app).connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT age, new_customers, purchases, revenue_minor "
                "FROM cohort_purchases ORDER BY age"
            )
        ).all()
    assert [tuple(row) for row in rows] == [(1, 1, 1, 100000), (2, 0, 1, -9950)]
    assert (run(app, "purchases", good).created, run(app, "purchases", good).updated) == (0, 0)


def test_templates_import_as_documented(app: Flask, db: Session, ads: Channel) -> None:
    factories.channel(db, name="LinkedIn")
    for kind in ("spend", "leads", "purchases"):
        result = run(app, kind, template(kind, ";") + ";;;\n")  # a blank spreadsheet row
        assert (result.ok, result.created) == (True, 2), problems(result)
    assert counts(db) == (2, 2, 2)
    assert db.exec(select(Lead).where(Lead.external_id == "crm-1001")).one().attributes == {
        "industry": "software"
    }


def test_rows_are_numbered_by_file_line_across_chunks_and_quoted_line_breaks(
    app: Flask, db: Session, ads: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row numbers are the file line a row ends on, whatever the chunk size."""
    monkeypatch.setattr("ingest.importer.CHUNK_ROWS", 2)
    text = (
        "external_id,channel,created_at,note\n"  # line 1
        'L1,Google Ads,2024-03-04T08:00:00.000000+00:00,"two\nlines"\n'  # lines 2-3
        "L2,Google Ads,2024-03-04T08:00:00.000000+00:00,x\n"  # line 4
        "L3,Nope,2024-03-04T08:00:00.000000+00:00,x\n"  # line 5
        "\n"  # line 6, blank
        "L4,Google Ads,yesterday,x\n"  # line 7
        "L2,Google Ads,2024-03-05T08:00:00.000000+00:00,x\n"  # line 8
    )
    assert problems(run(app, "leads", text)) == [
        (5, "channel", "Nope", "no channel is named 'Nope'; create it first"),
        (7, "created_at", "yesterday",
         "'yesterday' must be an ISO date or date-time like 2024-03-31T14:05:00+02:00"),
        (8, "external_id", "L2", "this external id already appears in row 4"),
    ]  # fmt: skip
    assert counts(db) == (0, 0, 0)
    fixed = text.replace("Nope", "Google Ads").replace("yesterday", "2024-03-05").replace(
        "L2,Google Ads,2024-03-05", "L5,Google Ads,2024-03-05"
    )  # fmt: skip
    result = run(app, "leads", fixed)
    assert (result.ok, result.rows, result.created) == (True, 6, 5), problems(result)
    note = db.exec(select(Lead).where(Lead.external_id == "L1")).one().attributes
    assert note == {"note": "two\nlines"}


def test_a_bulk_import_refreshes_the_same_aggregates_as_a_small_one(
    app: Flask, db: Session, ads: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above BULK_ROWS changed rows every aggregate is rebuilt; the result is the same."""
    leads = "external_id,channel,created_at\n" + "".join(
        f"L{i},Google Ads,2024-03-{4 + i % 20:02d}T10:00:00Z\n" for i in range(30)
    )
    purchases = PURCHASES + "".join(
        f"P{i},L{i % 30},2024-04-{1 + i % 28:02d}T12:00:00Z,{10 + i}.50\n" for i in range(45)
    )
    tables = ("cohort_size", "cohort_purchases", "first_purchase_days")

    def aggregates() -> dict[str, list[tuple[object, ...]]]:
        with get_engine_of(app).connect() as conn:
            return {t: sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {t}"))))
                    for t in tables}  # fmt: skip

    assert run(app, "leads", leads).ok and run(app, "purchases", purchases).ok
    keyed = aggregates()
    assert len(keyed["cohort_purchases"]) > 5
    with get_engine_of(app).begin() as conn:
        for table in ("purchase", "lead", *tables):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    monkeypatch.setattr("ingest.store.BULK_ROWS", 1)
    assert run(app, "leads", leads).ok and run(app, "purchases", purchases).ok
    assert aggregates() == keyed


def test_other_writers_during_an_import_neither_fail_it_nor_are_lost(
    app: Flask, db: Session, ads: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes by other connections while a file is read, checked and stored all land.

    While rows are read and staged the import holds no lock; before it checks and stores them
    it takes the write lock (SQLite: BEGIN IMMEDIATE), and a writer arriving then waits.
    """
    monkeypatch.setattr("ingest.importer.CHUNK_ROWS", 1)
    engine = get_engine_of(app)
    with engine.connect() as conn:
        before = data_version(conn)
    waiting: list[threading.Thread] = []

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE data_version SET version = version + 1000"))

    def progress(state: Progress) -> None:
        if state.phase == "reading" and state.rows == 1:
            write()  # between reading the channels and staging the rows
        elif state.phase == "checking":
            write()  # just before the import takes the write lock
        elif state.phase == "storing":
            waiting.append(threading.Thread(target=write))  # must wait for the import
            waiting[-1].start()
            waiting[-1].join(timeout=0.5)  # enough time to write, were it not locked out

    text = "external_id,channel,created_at\nL1,Google Ads,2024-03-04\nL2,Google Ads,2024-03-05\n"
    result = import_file(engine, "leads", io.BytesIO(text.encode()), progress=progress)
    assert (result.ok, result.created) == (True, 2), problems(result)
    for thread in waiting:
        thread.join(timeout=30)
    assert counts(db) == (0, 2, 0)
    with engine.connect() as conn:
        assert data_version(conn) == before + 3000 + 1  # the import bumped it once


def test_repeated_columns_are_refused_but_attribute_names_keep_their_case(
    app: Flask, db: Session, ads: Channel
) -> None:
    row = "L1,Google Ads,2024-03-04,lead,EU,eu\n"
    for header, column in (
        ("external_id,channel,created_at,stage,Stage,x\n", "Stage"),
        ("external_id,channel,created_at,stage,Region,Region \n", "Region"),
    ):
        assert problems(run(app, "leads", header + row)) == [
            (1, column, header.split(",")[-2 if column == "Stage" else -1].rstrip("\n"),
             "this column appears twice"),
        ]  # fmt: skip
    assert counts(db) == (0, 0, 0)
    result = run(app, "leads", "external_id,channel,created_at,stage,Region,region\n" + row)
    assert result.ok, problems(result)
    assert db.exec(select(Lead)).one().attributes == {"Region": "EU", "region": "eu"}


def test_two_imports_at_once_are_stored_one_after_the_other(
    app: Flask, db: Session, ads: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two files imported together, overlapping in ids: each is stored whole, in some order."""
    monkeypatch.setattr("ingest.importer.CHUNK_ROWS", 3)
    engine = get_engine_of(app)
    both_reading = threading.Barrier(2, timeout=20)

    def leads(stage: str, ids: range) -> bytes:
        rows = "".join(f"L{i},Google Ads,2024-03-{4 + i % 7:02d},{stage}\n" for i in ids)
        return ("external_id,channel,created_at,stage\n" + rows).encode()

    files = {"lost": leads("lost", range(0, 30)), "customer": leads("customer", range(20, 50))}
    results: dict[str, ImportResult] = {}

    def run_one(stage: str) -> None:
        def progress(state: Progress) -> None:
            if state.phase == "reading" and state.rows == 3:
                both_reading.wait()  # both files are being read before either is stored

        results[stage] = import_file(engine, "leads", io.BytesIO(files[stage]), progress=progress)

    threads = [threading.Thread(target=run_one, args=(stage,)) for stage in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(result.ok for result in results.values()), results
    counts_by_file = {stage: (r.created, r.updated) for stage, r in results.items()}
    later = next(stage for stage, counts in counts_by_file.items() if counts == (20, 10))
    assert sorted(counts_by_file.values()) == [(20, 10), (30, 0)]
    stored = {lead.external_id: lead.stage for lead in db.exec(select(Lead))}
    assert len(stored) == 50
    assert {stored[f"L{i}"] for i in range(20, 30)} == {later}  # whole file, stored last
    with engine.connect() as conn:
        sizes = sum(n for (n,) in conn.execute(sa.text("SELECT leads FROM cohort_size")))
    assert sizes == 50


@pytest.mark.parametrize(("text", "minor"), AMOUNTS_READ)
def test_spend_import_reads_amounts_as_the_spend_form_does(
    app: Flask, db: Session, ads: Channel, text: str, minor: int
) -> None:
    result = run(app, "spend", f'channel,week,amount\nGoogle Ads,2024-03-04,"{text}"\n')
    assert result.ok, problems(result)
    assert db.exec(select(WeeklySpend)).one().amount_minor == minor


@pytest.mark.parametrize(("text", "message"), AMOUNTS_REFUSED)
def test_spend_import_refuses_amounts_as_the_spend_form_does(
    app: Flask, db: Session, ads: Channel, text: str, message: str
) -> None:
    result = run(app, "spend", f'channel,week,amount\nGoogle Ads,2024-03-04,"{text}"\n')
    assert not result.ok
    [(row, column, value, said)] = problems(result)
    assert (row, column, value) == (2, "amount", text) and message in said
    assert counts(db) == (0, 0, 0)
