"""Always-valid p-values and confidence sequences (issue 13): closed form, gbstats, looks."""

import math

import numpy as np
import pytest

from experiments.lift import relative_lift
from experiments.sequential import (
    Summary,
    became_significant,
    confidence_sequence,
    rho,
    sequential_difference,
    sequential_lift,
    weekly_sequence,
)


def proportion(n: int, x: int) -> Summary:
    return Summary(n, float(x), float(x))


def test_rho_is_eq_161_by_hand() -> None:
    # α = 0.05: −2 log α = 5.991465, log(1 + 5.991465) = 1.944690; / 5000.
    assert rho(5000) == pytest.approx(math.sqrt((5.991464547 + 1.944691) / 5000), rel=1e-7)


def test_radius_and_p_value_match_the_closed_form_by_hand() -> None:
    # N = 2000, V = 1e-4, ρ² = 7.936156/5000 = 0.0015872311: Nρ² + 1 = 4.1744623;
    # radius = √(0.2) · √(2·4.1744623/(4e6·0.0015872311) · log(√4.1744623/0.05)).
    r2 = 7.9361555 / 5000
    grown = 2000 * r2 + 1
    radius = math.sqrt(0.2) * math.sqrt(2 * grown / (4e6 * r2) * math.log(math.sqrt(grown) / 0.05))
    found = confidence_sequence(0.03, 1e-4, 2000)
    assert found.ci == pytest.approx((0.03 - radius, 0.03 + radius), rel=1e-6)
    p = math.sqrt(grown) * math.exp(-r2 * 2000 * 0.03**2 / (2 * 1e-4 * grown))
    assert found.p_value == pytest.approx(p, rel=1e-6)
    # √0.2 · √(0.00131502 · log(40.8630)) = 0.44721 · 0.069850 = 0.031238 (1.96·0.01 at one look)
    assert radius == pytest.approx(0.031238, abs=1e-6)


def test_p_value_is_below_alpha_exactly_when_the_sequence_excludes_zero() -> None:
    for estimate in np.linspace(-0.1, 0.1, 81):
        found = confidence_sequence(float(estimate), 4e-4, 3000, 2000)
        assert found.ci is not None and found.p_value is not None
        excludes = found.ci[0] > 0 or found.ci[1] < 0
        assert excludes == (found.p_value < 0.05)


# Recorded from gbstats 0.8.0 (GrowthBook): SequentialTwoSidedTTest and TwoSidedTTest with
# ProportionStatistic(n, sum) / SampleMeanStatistic(n, sum, sum_squares), alpha 0.05.
GBSTATS = [
    (("prop", (1000, 50), (1000, 70), 5000), "absolute",
     (-0.013147403044727057, 0.053147403044727065, 0.5292922760720783),
     (-0.0008107094192493745, 0.040810709419249386)),
    (("prop", (1000, 50), (1000, 70), 5000), "relative",
     (-0.38580275838381234, 1.1858027583838124, 0.7812321266314125),
     (-0.09334522054425382, 0.893345220544254)),
    (("prop", (300, 12), (280, 30), 2000), "absolute",
     (-0.0024361975397292485, 0.13672191182544352, 0.06402148417409786),
     (0.024556902641789266, 0.10972881164392502)),
    (("prop", (300, 12), (280, 30), 2000), "relative",
     (-1.1705982960144936, 4.527741153157351, 0.5221071138286512),
     (-0.06526675391831849, 3.422409611061176)),
    (("mean", (400, 5200.0, 910000.0), (420, 7300.0, 1500000.0), 5000), "absolute",
     (-8.183760046180494, 16.945664808085255, 1.0), (-2.7185544322341118, 11.48045919413887)),
    (("mean", (400, 5200.0, 910000.0), (420, 7300.0, 1500000.0), 5000), "relative",
     (-0.7725136591515822, 1.446506333144256, 1.0), (-0.28991604342080146, 0.9639087174134753)),
    (("mean", (80, 900.0, 60000.0), (95, 400.0, 9000.0), 1000), "absolute",
     (-17.1793434301452, 3.1003960617241466, 0.29573677177065166),
     (-12.89846490508777, -1.1804824633332816)),
    (("mean", (80, 900.0, 60000.0), (95, 400.0, 9000.0), 1000), "relative",
     (-1.0494013298625604, -0.20206065844153326, 0.0008682801470050857),
     (-0.8705350044273485, -0.380926983876745)),
]


@pytest.mark.parametrize(("case", "difference", "sequential", "fixed"), GBSTATS)
def test_matches_gbstats(case: tuple, difference: str, sequential: tuple, fixed: tuple) -> None:
    kind, a, b, tuning = case
    is_proportion = kind == "prop"
    sa = proportion(*a) if is_proportion else Summary(*a)
    sb = proportion(*b) if is_proportion else Summary(*b)
    if difference == "absolute":
        found = sequential_difference(sa, sb, is_proportion, tuning)
    else:
        found = sequential_lift(sa, sb, is_proportion, tuning)
        lift = relative_lift(sa, sb, is_proportion)
        assert lift is not None
        np.testing.assert_allclose(lift.ci, fixed, rtol=1e-6)  # type: ignore[arg-type]
    assert found is not None
    np.testing.assert_allclose((*found.ci, found.p_value), sequential, rtol=1e-6)  # type: ignore[misc]


def test_weekly_sequence_keeps_the_running_intersection_and_smallest_p() -> None:
    weeks = [(proportion(100 * w, 5 * w), proportion(100 * w, 5 * w + 7 * w)) for w in (1, 2, 3)]
    found = weekly_sequence(weeks, proportion=True, expected_leads=600)
    alone = [sequential_difference(a, b, True, 600) for a, b in weeks]
    assert found[0] == alone[0]
    for week in (1, 2):
        assert found[week].ci[0] == max(r.ci[0] for r in alone[: week + 1])  # type: ignore
        assert found[week].p_value == min(r.p_value for r in alone[: week + 1])  # type: ignore
    assert [became_significant(found[: w + 1]) for w in range(3)] == [
        found[0].p_value < 0.05,  # type: ignore[operator]
        found[1].p_value < 0.05 <= found[0].p_value,  # type: ignore[operator]
        found[2].p_value < 0.05 <= found[1].p_value,  # type: ignore[operator]
    ]
    assert any(became_significant(found[: w + 1]) for w in range(3))


def test_undefined_cases() -> None:
    assert sequential_difference(proportion(1, 0), proportion(50, 3), True) is None
    flat = sequential_difference(proportion(50, 0), proportion(50, 0), True)
    assert flat is not None and flat.ci is None and flat.p_value is None
    assert sequential_lift(proportion(50, 0), proportion(50, 3), True) is None
    with pytest.raises(ValueError, match="positive"):
        rho(0)
