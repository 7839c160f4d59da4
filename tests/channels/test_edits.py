"""The rules of edit conflicts, on hand-made rows (no database)."""

import pytest

from channels.edits import (
    ReadAt,
    changed_fields,
    conflicting,
    lost_fields,
    merged,
    parse_read_at,
    read_json,
    rebased,
)

READ = {"amount_minor": 4_600, "impressions": 1_000, "clicks": None}


@pytest.mark.parametrize(
    ("stored", "submitted", "lost"),
    [
        # nobody else saved: never a conflict
        (READ, {**READ, "amount_minor": 22_222}, ()),
        # both changed the amount, to different values
        ({**READ, "amount_minor": 11_111}, {**READ, "amount_minor": 22_222}, ("amount_minor",)),
        # the other editor saved exactly what this one saves (or this editor's earlier save)
        ({**READ, "amount_minor": 11_111}, {**READ, "amount_minor": 11_111, "clicks": 3}, ()),
        # an unseen change to a cell this editor left alone is a conflict too
        ({**READ, "impressions": 1_200}, {**READ, "amount_minor": 5_000}, ("impressions",)),
        # the row was deleted (every stored value None)
        (dict.fromkeys(READ), {**READ, "amount_minor": 5_000}, ("amount_minor", "impressions")),
    ],
)
def test_lost_fields(stored: dict, submitted: dict, lost: tuple[str, ...]) -> None:
    assert lost_fields(READ, stored, submitted) == lost


def test_an_overwrite_of_the_stored_version_is_no_conflict() -> None:
    stored = {**READ, "amount_minor": 11_111}
    submitted = {**READ, "amount_minor": 22_222}
    assert conflicting(ReadAt(1, READ), 2, stored, submitted) == ("amount_minor",)
    assert conflicting(ReadAt(1, READ, overwrite=2), 2, stored, submitted) == ()
    assert conflicting(ReadAt(1, READ, overwrite=2), 3, stored, submitted) == ("amount_minor",)


def test_merge_writes_only_the_changed_fields_over_the_stored_row() -> None:
    stored = {"amount_minor": 11_111, "impressions": 5_000, "clicks": None}
    submitted = {"amount_minor": 22_222, "impressions": 1_000, "clicks": None}
    assert changed_fields(READ, submitted) == ("amount_minor",)
    assert merged(READ, stored, submitted) == {
        "amount_minor": 22_222,
        "impressions": 5_000,
        "clicks": None,
    }
    assert rebased(READ, stored, submitted) == {
        "amount_minor": 4_600,  # still the value read: only an overwrite may replace 111.11
        "impressions": 5_000,
        "clicks": None,
    }


def test_text_compares_with_normalised_line_breaks() -> None:
    assert changed_fields({"notes": "a\nb"}, {"notes": "a\r\nb"}) == ()
    assert changed_fields({"notes": "a\nb"}, {"notes": "a b"}) == ("notes",)


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (
            {"version": "3", "read": read_json(READ), "overwrite": "4"},
            ReadAt(3, READ, overwrite=4),
        ),
        ({}, ReadAt(0, dict.fromkeys(READ))),  # nothing read: any stored row conflicts
        ({"version": "-1", "read": "[1]", "overwrite": "x"}, ReadAt(0, dict.fromkeys(READ))),
        ({"version": "2", "read": "{not json"}, ReadAt(2, dict.fromkeys(READ))),
        (
            {"version": "2", "read": '{"amount_minor": 1.5, "impressions": true, "clicks": 7}'},
            ReadAt(2, {"amount_minor": None, "impressions": None, "clicks": 7}),
        ),
    ],
)
def test_parse_read_at(form: dict[str, str], expected: ReadAt) -> None:
    assert parse_read_at(form, tuple(READ)) == expected
