"""Lift curve values worked out by hand on 12 customers."""

import numpy as np
import pytest

from experiments.audience import lift_curve

# 12 customers ranked by a scheme; 3 of them (25 %) are real top-quartile customers.
# Scores 8 (2 customers, 1 top) and 5 (3 customers, 1 top) are ties.
SCORES = np.array([9, 8, 8, 7, 6, 5, 5, 5, 4, 3, 2, 1], dtype=np.float64)
TOPS = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0], dtype=bool)


def test_twelve_customers_by_hand() -> None:
    curve = lift_curve(SCORES, TOPS)
    # Cumulative customers 1, 3, 4, 5, 8, 9, 10, 11, 12 of 12; tops 1, 2, 2, 2, 3, ... of 3.
    expected = [(0, 0), (1 / 12, 1 / 3), (3 / 12, 2 / 3), (4 / 12, 2 / 3), (5 / 12, 2 / 3),
                (8 / 12, 1), (9 / 12, 1), (10 / 12, 1), (11 / 12, 1), (1, 1)]
    assert [p.x for p in curve.points] == pytest.approx([x for x, _ in expected])
    assert [p.y for p in curve.points] == pytest.approx([y for _, y in expected])
    assert curve.captured_at(0.25) == pytest.approx(2 / 3)  # first 3 customers: 2 tops
    # Inside the tie at score 8 (x from 1/12 to 3/12) its top counts as half caught by 2/12.
    assert curve.captured_at(2 / 12) == pytest.approx(1 / 2)
    # Halfway (6 of 12): 2 tops, plus 1 of the 3 tied customers at score 5 → 2/3 + 1/9.
    assert curve.captured_at(0.5) == pytest.approx(7 / 9)
    assert [(p.x, p.y) for p in curve.perfect] == [(0, 0), (0.25, 1), (1, 1)]
    assert [(p.x, p.y) for p in curve.diagonal] == [(0, 0), (1, 1)]
    assert (curve.population, curve.tops) == (12, 3)


def test_the_curve_does_not_depend_on_row_order() -> None:
    order = np.random.default_rng(0).permutation(12)
    shuffled = lift_curve(SCORES[order], TOPS[order])
    assert shuffled.points == lift_curve(SCORES, TOPS).points


def test_all_tied_is_the_diagonal_and_nan_ranks_last() -> None:
    flat = lift_curve(np.full(12, 1.0), TOPS)
    assert flat.captured_at(0.25) == pytest.approx(0.25)
    scores = np.where(TOPS, np.nan, SCORES)  # the tops have no score: ranked last
    assert lift_curve(scores, TOPS).captured_at(0.75) == pytest.approx(0.0)


def test_without_tops_nothing_is_captured() -> None:
    curve = lift_curve(SCORES, np.zeros(12, bool))
    assert curve.captured_at(0.25) is None and curve.points == ()
