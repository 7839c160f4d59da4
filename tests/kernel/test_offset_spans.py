"""Offset spans: the local date they give equals zoneinfo's, to the second around changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.weeks import OffsetSpan, local_date, offset_spans

FIRST = datetime(2019, 1, 1, tzinfo=UTC)
LAST = datetime(2027, 12, 31, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
         "Pacific/Apia", "America/Sao_Paulo")


def _offset_at(spans: list[OffsetSpan], moment: datetime) -> int:
    return [s for s in spans if s.start <= moment][-1].offset_seconds


def test_berlin_changes_at_one_utc_on_the_last_sundays_of_march_and_october() -> None:
    spans = offset_spans("Europe/Berlin", datetime(2026, 1, 1, tzinfo=UTC),
                         datetime(2026, 12, 31, tzinfo=UTC))
    assert spans == [
        OffsetSpan(datetime(2026, 1, 1, tzinfo=UTC), 3600),
        OffsetSpan(datetime(2026, 3, 29, 1, tzinfo=UTC), 7200),
        OffsetSpan(datetime(2026, 10, 25, 1, tzinfo=UTC), 3600),
    ]


def test_a_zone_without_changes_and_an_empty_range_give_one_span() -> None:
    assert offset_spans("Asia/Kolkata", FIRST, LAST) == [OffsetSpan(FIRST, 19800)]
    assert offset_spans("Europe/Berlin", LAST, FIRST) == [OffsetSpan(LAST, 3600)]


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES),
       moment=st.datetimes(min_value=FIRST.replace(tzinfo=None),
                           max_value=LAST.replace(tzinfo=None)))
def test_the_local_date_from_the_spans_equals_zoneinfo(zone: str, moment: datetime) -> None:
    spans = _cached(zone)
    moment = moment.replace(tzinfo=UTC)
    by_spans = (moment + timedelta(seconds=_offset_at(spans, moment))).date()
    assert by_spans == local_date(moment, zone)


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), index=st.integers(min_value=1, max_value=40))
def test_each_change_is_found_to_the_second(zone: str, index: int) -> None:
    spans = _cached(zone)
    if index >= len(spans):
        return
    change = spans[index].start
    zone_offset = lambda moment: moment.astimezone(ZoneInfo(zone)).utcoffset().total_seconds()  # noqa: E731
    assert zone_offset(change - timedelta(seconds=1)) == spans[index - 1].offset_seconds
    assert zone_offset(change) == spans[index].offset_seconds != spans[index - 1].offset_seconds


_spans: dict[str, list[OffsetSpan]] = {}


def _cached(zone: str) -> list[OffsetSpan]:
    if zone not in _spans:
        _spans[zone] = offset_spans(zone, FIRST, LAST)
    return _spans[zone]
