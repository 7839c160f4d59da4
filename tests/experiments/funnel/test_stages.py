"""The pure funnel, grade test and quarterly sales cycle against hand-checked values and scipy."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from experiments.funnel.cycle import overall_change, percent_change, quarterly_cycles
from experiments.funnel.grades import grade_test
from experiments.funnel.stages import FunnelCounts, add_counts, cost_per, empty_counts, funnel

_I = np.array


def _counts(furthest: list[int], lost: list[int], spend: int) -> FunnelCounts:
    none = tuple(np.zeros(0, np.int64) for _ in range(5))
    return FunnelCounts(_I(furthest), _I(lost), none, none, spend)


def test_reaching_a_stage_includes_every_later_one() -> None:
    # furthest: 50 inquiries only, 30 leads, 12 sales-ready, 5 opportunities, 3 customers
    stages = funnel(_counts([50, 30, 12, 5, 3], [20, 10, 4, 1, 0], 100_000))
    assert [s.reached for s in stages] == [100, 50, 20, 8, 3]
    assert [s.lost for s in stages] == [20, 10, 4, 1, 0]
    assert [s.conversion for s in stages] == [0.5, 0.4, 0.4, 3 / 8, None]
    assert [s.cost_minor for s in stages] == [1000, 2000, 5000, 12500, 33333]
    for s, (x, n) in zip(stages, [(50, 100), (20, 50), (8, 20), (3, 8)], strict=False):
        assert s.interval is not None
        np.testing.assert_allclose(s.interval, proportion_confint(x, n, method="wilson"),
                                   rtol=1e-9)


def test_an_empty_funnel_is_undefined_not_zero() -> None:
    stages = funnel(empty_counts())
    assert all(s.reached == 0 and s.conversion is None and s.cost_minor is None
               and s.median_days is None and s.interval is None for s in stages)


def test_costs_round_exactly_half_up_and_channels_add() -> None:
    assert cost_per(5, 2) == 3 and cost_per(7, 3) == 2 and cost_per(0, 4) == 0
    assert cost_per(100, 0) is None
    days = (_I([2, 4]), _I([], np.int64), _I([], np.int64), _I([], np.int64), _I([], np.int64))
    stays = (_I([1, 1]), *days[1:])
    a = FunnelCounts(_I([1, 1, 0, 0, 0]), _I([1, 0, 0, 0, 0]), days, stays, 300)
    both = add_counts(a, a)
    stage = funnel(both)[0]
    assert (stage.reached, stage.lost, stage.cost_minor) == (4, 2, 150)
    assert (stage.median_days, stage.stays) == (3.0, 4)


@pytest.mark.parametrize(
    ("leads", "customers"),
    [({"hot": 120, "warm": 200, "future": 300}, {"hot": 30, "warm": 24, "future": 9}),
     ({"hot": 40, "warm": 45, "future": 50}, {"hot": 5, "warm": 6, "future": 4})],
)
def test_grade_test_matches_scipy(leads: dict[str, int], customers: dict[str, int]) -> None:
    result = grade_test(leads, customers)
    table = [[customers[g], leads[g] - customers[g]] for g in ("hot", "warm", "future")]
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    assert dof == 2 and result.test is not None
    np.testing.assert_allclose([result.test.statistic, result.test.p_value], [chi2, p], rtol=1e-9)
    assert [r.conversion for r in result.rows] == [customers[g] / leads[g] for g in leads]
    assert len(result.pairs) == 3 and result.enough
    raw = sorted(pair.p_value for pair in result.pairs)
    holm = np.maximum.accumulate([3 * raw[0], 2 * raw[1], raw[2]])
    np.testing.assert_allclose(sorted(p.adjusted_p for p in result.pairs), np.minimum(holm, 1))


def test_grade_verdicts() -> None:
    strong = grade_test({"hot": 120, "warm": 200, "future": 300},
                        {"hot": 30, "warm": 24, "future": 9})
    assert strong.verdict.startswith("Grades predict buying")
    assert "hot > warm > future" in strong.verdict
    weak = grade_test({"hot": 40, "warm": 45, "future": 50}, {"hot": 5, "warm": 6, "future": 4})
    assert weak.verdict.startswith("Grades do not significantly predict buying")
    few = grade_test({"hot": 10, "warm": 45}, {"hot": 5, "warm": 6})
    assert not few.enough and few.verdict.startswith("Not enough")
    assert grade_test({}, {}).test is None


def test_quarterly_cycles_medians_and_changes() -> None:
    # 2025 Q4: days 10 ×1, 20 ×2 → median 20; 2026 Q1: 10, 14 → 12; 2026 Q2: 6 ×3 → 6
    rows = [(8103, 10, 1), (8103, 20, 2), (8104, 10, 1), (8104, 14, 1), (8105, 6, 3)]
    quarters, days, customers = zip(*rows, strict=True)
    cycles = quarterly_cycles(quarters, days, customers)
    assert [(c.label, c.customers, c.median_days, c.change_pct) for c in cycles] == [
        ("2025 Q4", 3, 20.0, None), ("2026 Q1", 2, 12.0, -40.0), ("2026 Q2", 3, 6.0, -50.0)]
    assert overall_change(cycles) == -70.0
    assert quarterly_cycles([], [], []) == () and overall_change(()) is None
    assert percent_change(0.0, 5.0) is None
