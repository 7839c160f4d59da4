"""Free text is bounded and storable on every write path: CSV, API batches, channel forms."""

import io
from datetime import date

import pytest
from flask import Flask
from sqlmodel import Session, select

from app.db import get_engine
from app.forms import parse_channel
from app.models import Channel, Lead
from ingest.batch_items import id_lookup, validate_items
from ingest.importer import import_file
from kernel.text import (
    ATTRIBUTE_VALUE_MAX,
    ATTRIBUTES_MAX,
    EXTERNAL_ID_MAX,
    NOTES_MAX,
    unstorable,
)
from kernel.weeks import date_window
from tests import factories

HEADER = "external_id,channel,created_at,industry\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("plain", None),
        ("naïve — ok 😀", None),
        ("a\x00b", "contains a NUL character (\\x00), which cannot be stored"),
        ("x\ud800", "contains an unpaired surrogate ('\\ud800'), which is not Unicode text"),
        ("\udfff", "contains an unpaired surrogate ('\\udfff'), which is not Unicode text"),
    ],
)
def test_unstorable(text: str, problem: str | None) -> None:
    assert unstorable(text) == problem


@pytest.fixture
def ads(db: Session) -> Channel:
    return factories.channel(db, name="Ads")


def _import(app: Flask, text: str) -> list[tuple[int, str, str]]:
    with app.app_context():
        result = import_file(get_engine(), "leads", io.BytesIO(text.encode()))
    return [(e.row, e.column, e.message) for e in result.report.sorted()]


# Enough rows that the column-wise fast path handles the chunk.
GOOD_ROWS = "".join(f"ok-{i},Ads,2026-01-05,saas\n" for i in range(50))


@pytest.mark.parametrize("rows_before", ["", GOOD_ROWS])
def test_csv_attribute_values_and_external_ids_are_bounded_and_storable(
    app: Flask, db: Session, ads: Channel, rows_before: str
) -> None:
    long_value = "v" * (ATTRIBUTE_VALUE_MAX + 1)
    text = (HEADER + rows_before + f"L1,Ads,2026-01-05,{long_value}\n"
            + "L\x002,Ads,2026-01-05,saas\nL3,Ads,2026-01-05,sa\x00as\n"
            + "L4,Ads,2026-01-05," + "v" * ATTRIBUTE_VALUE_MAX + "\n")  # fmt: skip
    first = 2 + rows_before.count("\n")
    assert _import(app, text) == [
        (first, "industry", f"is longer than {ATTRIBUTE_VALUE_MAX:,} characters"),
        (first + 1, "external_id", "contains a NUL character (\\x00), which cannot be stored"),
        (first + 2, "industry", "contains a NUL character (\\x00), which cannot be stored"),
    ]
    assert db.exec(select(Lead)).all() == []


def test_csv_external_ids_keep_their_limit(app: Flask, ads: Channel) -> None:
    text = HEADER + "x" * (EXTERNAL_ID_MAX + 1) + ",Ads,2026-01-05,saas\n"
    message = f"is longer than {EXTERNAL_ID_MAX} characters"
    assert _import(app, text) == [(2, "external_id", message)]


def test_csv_attribute_columns_are_limited(app: Flask, ads: Channel) -> None:
    names = ",".join(f"a{i}" for i in range(ATTRIBUTES_MAX + 1))
    text = f"external_id,channel,created_at,{names}\n"
    assert _import(app, text) == [
        (1, "", f"the file has {ATTRIBUTES_MAX + 1} attribute columns; a lead has at most 50 "
                "attributes"),
    ]  # fmt: skip


def _lead(**fields: object) -> dict[str, object]:
    return {"external_id": "L1", "channel_id": 1, "created_at": "2026-01-05", **fields}


def test_api_attributes_are_bounded() -> None:
    lookup = id_lookup("UTC", 0, [1], {}, date_window(date.today()))
    too_many = {f"a{i}": "x" for i in range(ATTRIBUTES_MAX + 1)}
    just_enough = {f"a{i}": "x" * ATTRIBUTE_VALUE_MAX for i in range(ATTRIBUTES_MAX)}
    items = [
        _lead(attributes=too_many),
        _lead(external_id="L2", attributes={"industry": "v" * (ATTRIBUTE_VALUE_MAX + 1)}),
        _lead(external_id="L3", attributes=just_enough),
        _lead(external_id="L4", attributes={"size": 10**(ATTRIBUTE_VALUE_MAX + 1)}),
    ]
    rows, errors = validate_items("leads", items, lookup)
    assert errors == [
        (0, "attributes", f"a lead has at most {ATTRIBUTES_MAX} attributes"),
        (1, "attributes.industry", f"is longer than {ATTRIBUTE_VALUE_MAX:,} characters"),
        (3, "attributes.size", f"is longer than {ATTRIBUTE_VALUE_MAX:,} characters"),
    ]
    assert "L3" in [row[1] for row in rows]  # 50 attributes of 1,000 characters fit


def test_channel_notes_are_bounded_and_storable() -> None:
    base = {"name": "Ads", "kind": "seo", "ring": "outer", "status": "idea"}
    data, errors = parse_channel(base | {"notes": "n" * NOTES_MAX})
    assert data is not None and len(data.notes) == NOTES_MAX
    data, errors = parse_channel(base | {"notes": "n" * (NOTES_MAX + 1)})
    assert errors == {"notes": "Notes must be at most 10,000 characters."}
    data, errors = parse_channel(base | {"name": "A\ud800", "notes": "a\x00"})
    assert errors == {
        "name": "Name contains an unpaired surrogate ('\\ud800'), which is not Unicode text.",
        "notes": "Notes contains a NUL character (\\x00), which cannot be stored.",
    }
