"""Seeded, bounded simulation: a criterion whose truth sits exactly on its threshold is judged
*met* (or *not met*) in at most about 2.5 % of tests, and a clearly good channel is met."""

import math
from datetime import date

import numpy as np

from experiments.channel_tests.criteria import ChannelTestData, Criteria
from experiments.channel_tests.evaluation import evaluate

DRAWS = 2_000
AS_OF = date(2026, 3, 16)


def _rate(judgements: list[str], wanted: str) -> float:
    return sum(j == wanted for j in judgements) / len(judgements)


def _limit(rate: float = 0.025) -> float:
    """The nominal one-sided rate plus three Monte Carlo standard errors."""
    return rate + 3 * math.sqrt(rate * (1 - rate) / DRAWS)


def _cac_judgements(true_cac: int, limit: int, spend: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    judged = []
    for customers in rng.poisson(spend / true_cac, DRAWS):
        data = ChannelTestData("running", date(2026, 3, 2), None, None,
                               Criteria(max_cac_minor=limit), spend, 1_000, int(customers))
        judged.append(evaluate(data, AS_OF).criteria[0].judgement)
    return judged


def _conversion_judgements(p: float, floor: float, leads: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    judged = []
    for customers in rng.binomial(leads, p, DRAWS):
        data = ChannelTestData("running", date(2026, 3, 2), None, None,
                               Criteria(min_conversion=floor), 0, leads, int(customers))
        judged.append(evaluate(data, AS_OF).criteria[0].judgement)
    return judged


def test_cac_on_its_limit_is_rarely_met_or_not_met() -> None:
    # True CAC 50.00 = the limit; 1,000.00 spent: 20 customers expected.
    judged = _cac_judgements(5_000, 5_000, 100_000, seed=14)
    assert _rate(judged, "met") <= _limit()
    assert _rate(judged, "not_met") <= _limit()


def test_a_cac_at_half_the_limit_is_usually_met() -> None:
    judged = _cac_judgements(2_500, 5_000, 100_000, seed=15)  # 40 customers expected
    assert _rate(judged, "met") >= 0.9
    assert _rate(judged, "not_met") == 0


def test_conversion_on_its_floor_is_rarely_met_or_not_met() -> None:
    for leads, seed in ((60, 16), (400, 17)):
        judged = _conversion_judgements(0.10, 0.10, leads, seed)
        assert _rate(judged, "met") <= _limit(), leads
        assert _rate(judged, "not_met") <= _limit(), leads
