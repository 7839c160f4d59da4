"""Group specs parse, round-trip and name the bad part."""

from datetime import date

import pytest

from experiments.groups import GroupSpec, GroupSpecError, parse_group


def test_parts_combine_and_round_trip() -> None:
    spec = parse_group("channel:3 + segment:industry=saas+cohorts:2026-01-05..2026-03-30")
    assert spec == GroupSpec(channel_id=3, segments=(("industry", "saas"),),
                             cohorts=(date(2026, 1, 5), date(2026, 3, 30)))
    assert str(spec) == "channel:3+segment:industry=saas+cohorts:2026-01-05..2026-03-30"
    assert parse_group(str(spec)) == spec
    assert parse_group("test:7").experiment_id == 7


def test_all_is_every_lead_and_round_trips() -> None:
    assert parse_group("all") == parse_group(" ALL ") == GroupSpec()
    assert str(GroupSpec()) == "all"  # a group with no condition is written "all"


@pytest.mark.parametrize(("text", "message"), [
    ("all+channel:3", "'all' is not a group part; use channel:…, test:…, segment:…, cohorts:… "
                      "or all alone"),
    ("", "the group is empty"),
    ("chanel:3", "'chanel:3' is not a group part"),
    ("channel:x", "'channel:x': the id must be a positive whole number"),
    ("channel:1+channel:2", "'channel:2': channel is given twice"),
    ("segment:industry", "'segment:industry': a segment is attribute=value"),
    ("cohorts:2026-01-05", "'cohorts:2026-01-05': cohorts are a date range"),
    ("cohorts:2026-03-01..2026-01-01", "the range ends before it starts"),
    ("channel:1+", "'' is not a group part"),
])
def test_errors_name_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(GroupSpecError, match=message):
        parse_group(text)
