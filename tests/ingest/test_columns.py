"""The column-wise fast path of CSV imports stages exactly what the row validators stage.

`ingest.columns` converts whole chunks at once and sends every unusual row to the row
validator of `ingest.rows`. These tests feed both paths the same random chunks (valid,
unusual and wrong cells mixed) and require the same staged rows and the same report.
"""

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.columns import SLOW, amounts, column_validator
from ingest.formats import FORMATS, ErrorReport, is_blank, map_header
from ingest.rows import VALIDATORS, Lookup, name_index
from ingest.store import plan_for
from kernel.weeks import DateWindow

CHANNELS = name_index({"Google Ads": 1, "LinkedIn": 2, "Twin": 3, "twin": 4})
TESTS = name_index({"Spring promo": (7, 1), "Other test": (8, 2)})

EXTERNAL_IDS = st.one_of(
    st.from_regex(r"[a-z]{1,3}-[0-9]{1,4}", fullmatch=True),
    st.sampled_from(["", "  ", " padded-1 ", "x" * 200, "y" * 201, "dup-1"]),
)
MOMENT_FORMS = [
    "2024-03-05T08:30:00.123456+00:00",
    "2024-03-05 08:30:00.123456+00:00",
    "2024-03-05T08:30:00+00:00",
    "2024-03-05T08:30:00Z",
    "2024-03-05T08:30:00.123+00:00",
    "2024-03-05T23:30:00.000000+02:00",
    "2024-03-05T23:30:00.000000-05:00",
    "2024-03-05T08:30:00",
    "2024-03-05 08:30",
    "2024-03-05",
    "2024-03-31T02:30:00",  # does not exist in Berlin
    "2024-10-27T02:30:00",  # happens twice in Berlin
    "2024-W10-2T08:30:00.000000+00:00",
    "20240305T083000.000000+00:00",
    "2024-02-30T08:30:00.000000+00:00",
    "2024-03-05T25:30:00.000000+00:00",
    "2024-03-05T08:30:00.123456+0000",
    "5 March 2024",
    "",
    " 2024-03-05T08:30:00.123456+00:00 ",
    "2024-03-05T08:30:00,123456+00:00",
    "2024-03-05T083000.000000000+00:00",
    # Dates outside the window (WINDOW below) and times that overflow when converted.
    "0001-01-01T00:00:00.000000+00:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01",
    "0202-11-02",
    "1900-01-01T12:00:00.000000+00:00",
    "1999-12-31T23:59:59.999999+00:00",
    "2000-01-01T00:00:00.000000+00:00",
    "2000-01-01",
    "2030-06-30",
    "2030-06-30T23:59:59.999999+00:00",
    "2030-07-01T00:00:00.000000+00:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59.999999+00:00",
    "9999-12-31",
]
WINDOW = DateWindow(date(2000, 1, 1), date(2030, 6, 30))
OFFSETS = st.sampled_from(["+00:00", "+14:00", "-14:00", "+05:45", "-09:30"])
MOMENTS = st.one_of(
    st.sampled_from(MOMENT_FORMS),
    st.datetimes(min_value=datetime(1999, 1, 1), max_value=datetime(2031, 1, 1)).map(
        lambda m: m.isoformat(timespec="microseconds") + "+00:00"
    ),
    st.tuples(
        st.one_of(st.datetimes(), st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23),
                                                   datetime(1999, 12, 31, 12),
                                                   datetime(2030, 6, 30, 12)])),
        OFFSETS,
    ).map(lambda pair: pair[0].isoformat(timespec="microseconds") + pair[1]),
)  # fmt: skip
CHANNEL_NAMES = st.sampled_from(
    ["Google Ads", "google ads", " Google  Ads ", "LinkedIn", "Twin", "twin", "Nope", ""]
)
STAGE_CELLS = st.sampled_from(["", "lead", "Sales Ready", "customer", "LOST", "won", "sales_ready"])
GRADE_CELLS = st.sampled_from(["", "hot", "Warm", "future", "cold"])
TEST_CELLS = st.sampled_from(["", "", "", "Spring promo", "spring  PROMO", "Other test", "Gone"])
ATTRIBUTE_CELLS = st.one_of(
    st.sampled_from(["SaaS", "11-50", "", "  ", ' say "hi" ', "back\\slash", "Zürich", "{x}"]),
    st.text(max_size=8),
)
AMOUNTS = st.one_of(
    st.sampled_from(
        [
            "35.00",
            "-99.00",
            "1250",
            "0.50",
            "007.10",
            "-0.00",
            "1,234.56",
            "1.234",
            "12.345",
            "+5.00",
            " 5.00 ",
            "\u0663.\u0660\u0660",
            "1e5",
            "999999999999.99",
            "9999999999999.99",
            "",
            "abc",
            "12,50",
            "5.",
        ]  # fmt: skip
    ),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2).map(str),
)


def _lookup(timezone: str, week_start: int) -> Lookup:
    return Lookup(timezone, week_start, CHANNELS, TESTS, WINDOW)


def _both_paths(
    kind: str, header: list[str], rows: list[list[str]], lookup: Lookup, dialect: str
) -> tuple[Any, Any]:
    """Return (staged rows, report) of the fast path and of the row validator alone."""
    columns = map_header(header, FORMATS[kind])
    plan = plan_for(kind, dialect)
    convert = plan.sqlite_row if dialect == "sqlite" else plan.postgres_row
    numbers = list(range(2, 2 + len(rows)))
    fast_report, slow_report = ErrorReport(), ErrorReport()
    fast = column_validator(VALIDATORS[kind](columns, lookup, fast_report), dialect == "sqlite",
                            convert)  # fmt: skip
    assert fast is not None
    fast_rows = fast.chunk(numbers, [list(row) for row in rows])
    slow = VALIDATORS[kind](columns, lookup, slow_report)
    checked = (slow(n, cells) for n, cells in zip(numbers, rows, strict=True)
               if not is_blank(cells))  # fmt: skip
    slow_rows = [convert(row) for row in checked if row is not None]
    return (
        (_normal(fast_rows), fast_report.sorted(), fast_report.total),
        (_normal(slow_rows), slow_report.sorted(), slow_report.total),
    )


def _normal(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Sort staged rows by row number; write values as the text PostgreSQL's COPY receives.

    SQLite rows are compared as they are (SQLite compares stored times as text).
    """

    def text(cell: Any) -> Any:
        if isinstance(cell, datetime):
            return cell.isoformat(" ", "microseconds")
        if isinstance(cell, date):
            return cell.isoformat()
        if isinstance(cell, str) and len(cell) == 32 and cell[10] == "T":
            return f"{cell[:10]} {cell[11:]}"  # PostgreSQL reads both separators alike
        return cell

    return sorted((tuple(text(c) for c in row) for row in rows), key=lambda row: row[0])


@st.composite
def lead_chunks(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    attributes = draw(st.sampled_from([[], ["industry"], ["company_size", "Region {x}"]]))
    optional = draw(st.sampled_from([[], ["stage", "grade"], ["test", "stage", "grade"],
                                     ["stage", "stage_changed_at"]]))
    header = ["external_id", "channel", "created_at", *optional, *attributes]
    cells = {"external_id": EXTERNAL_IDS, "channel": CHANNEL_NAMES, "created_at": _column(draw),
             "test": TEST_CELLS, "stage": STAGE_CELLS, "grade": GRADE_CELLS,
             "stage_changed_at": st.one_of(st.just(""), _column(draw))}  # fmt: skip
    row = st.tuples(*(cells.get(name, ATTRIBUTE_CELLS) for name in header)).map(list)
    rows = draw(st.lists(st.one_of(row, row, row, row, _odd_rows(len(header))), max_size=30))
    return header, rows


def _column(draw: st.DrawFn) -> st.SearchStrategy[str]:
    """Mixed times, or one form for the whole chunk (the fast path judges whole columns)."""
    return draw(st.one_of(st.just(MOMENTS), MOMENTS.map(st.just)))


def _odd_rows(width: int) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[], [""] * width, [" "] * width, ["x"] * (width + 1), ["x"]])


@st.composite
def purchase_chunks(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    header = ["external_id", "lead_external_id", "purchased_at", "amount"]
    row = st.tuples(EXTERNAL_IDS, EXTERNAL_IDS, _column(draw), AMOUNTS).map(list)
    rows = draw(st.lists(st.one_of(row, row, row, _odd_rows(len(header))), max_size=30))
    return header, rows


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
INSTALLS = st.tuples(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York",
                                      "Pacific/Kiritimati", "Etc/GMT+12"]),
                     st.integers(0, 6), st.sampled_from(["sqlite", "postgresql"]))  # fmt: skip


def _check_both_paths_agree(kind: str, chunk: Any, install: Any) -> None:
    header, rows = chunk
    timezone, week_start, dialect = install
    fast, slow = _both_paths(kind, header, rows, _lookup(timezone, week_start), dialect)
    assert fast == slow


@SETTINGS
@given(chunk=lead_chunks(), install=INSTALLS)
def test_fast_lead_path_stages_what_the_row_validator_stages(chunk: Any, install: Any) -> None:
    _check_both_paths_agree("leads", chunk, install)


@SETTINGS
@given(chunk=purchase_chunks(), install=INSTALLS)
def test_fast_purchase_path_stages_what_the_row_validator_stages(chunk: Any, install: Any) -> None:
    _check_both_paths_agree("purchases", chunk, install)


def test_a_clean_chunk_never_reaches_the_row_validator() -> None:
    """The exported form of every column is taken by the fast path itself."""
    header = ["external_id", "channel", "created_at", "test", "stage", "grade", "industry",
              "stage_changed_at"]
    rows = [
        ["crm-1", "Google Ads", "2024-03-04T23:30:00.250000+00:00", "", "lead", "hot", "SaaS",
         ""],
        ["crm-2", "LinkedIn", "2024-03-10T08:00:00.000000+00:00", "", "lost", "", 'A "B"',
         "2024-03-12T09:00:00.000000+00:00"],
    ]
    columns = map_header(header, FORMATS["leads"])
    validator = VALIDATORS["leads"](columns, _lookup("UTC", 0), ErrorReport())
    calls: list[int] = []
    original = validator.__call__

    class Spy(type(validator)):  # type: ignore[misc]
        def __call__(self, row: int, cells: list[str]) -> Any:
            calls.append(row)
            return original(row, cells)

    validator.__class__ = Spy
    plan = plan_for("leads", "sqlite")
    fast = column_validator(validator, True, plan.sqlite_row)
    assert fast is not None
    staged = fast.chunk(range(2, 4), rows)
    assert calls == []
    assert staged == [
        (2, "crm-1", 1, None, "2024-03-04 23:30:00.250000", "2024-03-04", "lead", "hot",
         '{"industry": "SaaS"}', None),
        (3, "crm-2", 2, None, "2024-03-10 08:00:00.000000", "2024-03-04", "lost", None,
         '{"industry": "A \\"B\\""}', "2024-03-12 09:00:00.000000"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["35.00", "-99.00", "0.50"], [3500, -9900, 50]),
        (["1250", "-3", "35.00"], [125000, -300, 3500]),
        (["1,234.56", "35.00"], [SLOW, 3500]),
        (["1.5", "1e5", ""], [SLOW, SLOW, SLOW]),
    ],
)
def test_amounts_takes_plain_decimals_and_leaves_the_rest(
    texts: list[str], expected: list[Any]
) -> None:
    assert amounts(texts) == expected


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Berlin", "Pacific/Kiritimati", "Etc/GMT+12"])
@pytest.mark.parametrize("moment", MOMENT_FORMS)
def test_every_time_form_alone_in_a_chunk(moment: str, timezone: str) -> None:
    """A chunk whose times all share one form takes the whole-column shortcuts."""
    header = ["external_id", "lead_external_id", "purchased_at", "amount"]
    rows = [[f"p-{i}", "l-1", moment, "35.00"] for i in range(3)]
    fast, slow = _both_paths("purchases", header, rows, _lookup(timezone, 0), "sqlite")
    assert fast == slow
