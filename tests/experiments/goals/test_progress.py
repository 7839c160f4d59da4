"""Goal projection, status boundaries and target parsing on hand-made months (pure)."""

from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from experiments.goals.progress import DailySeries, month_progress, status_of
from experiments.goals.projection import month_end, project_month
from experiments.goals.targets import KIND_BY_KEY, parse_goal
from kernel.weeks import DateWindow

FIRST = date(2026, 2, 2)  # a Monday, 8 weeks before 30 March
T90_7 = float(stats.t.ppf(0.9, 7))


def _weekday_pattern(days: int, weekday_values: list[float]) -> np.ndarray:
    """Return a series from FIRST where each weekday (Monday first) has a fixed value."""
    return np.array([weekday_values[(FIRST + timedelta(days=i)).weekday()]
                     for i in range(days)], np.float64)


def test_projection_of_a_steady_weekday_pattern_is_exact() -> None:
    # 2 a day on weekdays, 0 at weekends; as of Sunday 15 March 2026
    values = _weekday_pattern(42, [2, 2, 2, 2, 2, 0, 0])
    p = project_month(values, FIRST, date(2026, 3, 1), date(2026, 3, 15))
    # March 1–15 has 10 weekdays (20); 16–31 has 12 weekdays (24); no variance
    assert (p.actual, p.expected, p.low, p.high, p.final) == (20, 44, 44, 44, False)


def test_projection_interval_from_weekday_variance_by_hand() -> None:
    # Mondays alternate 0 and 4 over 8 weeks (mean 2, variance 32/7), other days 1 exactly
    values = _weekday_pattern(56, [0, 1, 1, 1, 1, 1, 1])
    values[0::14] = 0.0
    values[7::14] = 4.0
    as_of = FIRST + timedelta(days=55)  # Sunday 29 March 2026
    p = project_month(values, FIRST, date(2026, 3, 1), as_of)
    actual = values[(date(2026, 3, 1) - FIRST).days:].sum()
    # the rest: Monday 30 (mean 2) and Tuesday 31 (1)
    variance = 32 / 7 * (1 + 1 / 8)
    assert p.actual == actual and p.expected == pytest.approx(actual + 3)
    assert p.high == pytest.approx(actual + 3 + T90_7 * variance**0.5)
    assert p.low == pytest.approx(actual + max(3 - T90_7 * variance**0.5, 0))


def test_a_month_with_no_data_yet_is_projected_whole() -> None:
    values = _weekday_pattern(56, [1, 1, 1, 1, 1, 1, 1])
    p = project_month(values, FIRST, date(2026, 4, 1), FIRST + timedelta(days=55))
    assert (p.actual, p.expected, p.low, p.high) == (0, 30, 30, 30)
    empty = project_month(np.zeros(56), FIRST, date(2026, 4, 1), FIRST + timedelta(days=55))
    assert (empty.actual, empty.expected, empty.high) == (0, 0, 0)


def test_a_past_month_is_final() -> None:
    values = _weekday_pattern(70, [1, 0, 0, 0, 0, 0, 0])
    p = project_month(values, FIRST, date(2026, 2, 1), date(2026, 4, 5))
    assert (p.actual, p.expected, p.low, p.high, p.final) == (4, 4, 4, 4, True)
    assert month_end(date(2024, 2, 10)) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("key", "goal", "p", "status"),
    [("leads", 10, (10.0, 8.0, 12.0), "on_track"),
     ("leads", 10, (9.99, 8.0, 10.0), "at_risk"),
     ("leads", 10, (9.0, 8.0, 9.99), "off_track"),
     ("max_cac", 500, (500.0, 400.0, 600.0), "on_track"),
     ("max_cac", 500, (501.0, 500.0, None), "at_risk"),
     ("max_cac", 500, (700.0, 500.01, 900.0), "off_track"),
     ("leads", 10, (None, None, None), "no_data")],
)
def test_status_boundaries(key: str, goal: float, p: tuple, status: str) -> None:
    assert status_of(KIND_BY_KEY[key], goal, p, final=False) == status


def test_final_months_are_met_or_missed() -> None:
    assert status_of(KIND_BY_KEY["revenue"], 100, (100.0, 100.0, 100.0), True) == "met"
    assert status_of(KIND_BY_KEY["max_cpl"], 100, (100.5, 100.5, 100.5), True) == "missed"


def test_month_progress_of_ratios_and_money() -> None:
    n = 56
    as_of = FIRST + timedelta(days=n - 1)  # 29 March
    ones = np.ones(n)
    series = DailySeries(FIRST, ones * 3, ones * 2, ones, ones * 0.5, ones * 10_000, ones * 7_000)
    targets = {"leads": 62, "max_cac_minor": 14_000, "min_conversion_bp": 2_600,
               "revenue_minor": 300_000, "max_cpl_minor": 3_000}
    result = {p.kind.key: p for p in month_progress(targets, series, date(2026, 3, 1), as_of)}
    assert list(result) == ["leads", "revenue", "max_cac", "max_cpl", "min_conversion"]
    assert (result["leads"].actual, result["leads"].expected) == (58, 62)
    assert result["leads"].status == "on_track"
    assert result["max_cac"].expected == pytest.approx(7_000 / 0.5)  # 217,000 / 15.5
    assert result["max_cpl"].status == "off_track"  # 3,500 per lead, no variance
    assert result["min_conversion"].expected == pytest.approx(0.25)
    assert result["min_conversion"].status == "off_track" and result["min_conversion"].goal == 0.26
    assert result["revenue"].actual == 290_000 and result["revenue"].status == "on_track"


def test_projection_interval_is_calibrated_by_simulation() -> None:
    """Daily Poisson counts with a weekday pattern: the 80 % interval of the month's total
    holds the true total in about 80 % of seeded months."""
    rng = np.random.default_rng(17)
    rates = np.array([6.0, 5.0, 5.0, 4.0, 3.0, 1.0, 0.5])
    first = date(2026, 1, 5)  # history: 8 weeks before 2 March, then all of March
    days = (date(2026, 3, 31) - first).days + 1
    weekdays = (first.weekday() + np.arange(days)) % 7
    as_of = date(2026, 3, 10)
    cut = (as_of - first).days + 1
    month = (date(2026, 3, 1) - first).days
    hits, runs = 0, 2000
    for _ in range(runs):
        values = rng.poisson(rates[weekdays]).astype(np.float64)
        p = project_month(values[:cut], first, date(2026, 3, 1), as_of)
        hits += p.low <= values[month:].sum() <= p.high
    assert 0.76 <= hits / runs <= 0.88, hits / runs


WINDOW = DateWindow(date(2000, 1, 1), date(2027, 11, 30))


def test_parse_goal_reads_every_kind() -> None:
    fields = {"month": "2026-03", "channel_id": "4", "inquiries": "100", "leads": 20,
              "new_customers": "2", "revenue": "100000", "max_cac": 499.5,
              "max_cpl": "", "min_conversion": "12.5"}
    goal, errors = parse_goal(fields, WINDOW, {4})
    assert errors == {} and goal is not None
    assert (goal.month, goal.channel_id) == (date(2026, 3, 1), 4)
    assert goal.targets == {"inquiries": 100, "leads": 20, "new_customers": 2,
                            "revenue_minor": 10_000_000, "max_cac_minor": 49_950,
                            "min_conversion_bp": 1_250}


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"month": "2026-13"}, "month"), ({"month": "3/2026"}, "month"),
     ({"month": "1999-12"}, "month"), ({"month": "2026-03", "leads": "-1"}, "leads"),
     ({"month": "2026-03", "leads": "2.5"}, "leads"),
     ({"month": "2026-03", "revenue": "1.234"}, "revenue"),
     ({"month": "2026-03", "max_cac": "-5"}, "max_cac"),
     ({"month": "2026-03", "min_conversion": "101"}, "min_conversion"),
     ({"month": "2026-03", "min_conversion": True}, "min_conversion"),
     ({"month": "2026-03", "channel_id": "9"}, "channel_id"),
     ({"month": "2026-03", "colour": "1"}, "colour")],
)
def test_parse_goal_names_the_bad_field(fields: dict, field: str) -> None:
    goal, errors = parse_goal(fields, WINDOW, {4})
    assert goal is None and field in errors
