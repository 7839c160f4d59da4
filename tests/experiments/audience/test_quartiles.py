"""Quality groups A–D and deciles, checked by hand."""

import numpy as np
import pytest

from experiments.audience import group_names, quality_quartiles

NAN = float("nan")


def test_eight_customers_fall_two_per_quartile_best_first() -> None:
    quality = np.array([10.0, NAN, 80.0, 30.0, 50.0, NAN, 20.0, 70.0, 40.0, 60.0])
    # Ranks (best first): 80→1, 70→2, 60→3, 50→4, 40→5, 30→6, 20→7, 10→8.
    assert list(quality_quartiles(quality)) == [
        "D", "", "A", "C", "B", "", "D", "A", "C", "B",
    ]


def test_ties_share_the_group_of_their_average_rank_whatever_the_order() -> None:
    # 8 customers; the two 70s hold ranks 2 and 3 (average 2.5 → floor(1.5·4/8) = 0 → A),
    # the three 20s ranks 6, 7, 8 (average 7 → floor(6·4/8) = 3 → D).
    quality = np.array([90.0, 70.0, 70.0, 50.0, 40.0, 20.0, 20.0, 20.0])
    expected = ["A", "A", "A", "B", "C", "D", "D", "D"]
    assert list(quality_quartiles(quality)) == expected
    order = np.array([5, 2, 7, 0, 4, 1, 6, 3])
    assert list(quality_quartiles(quality[order])) == [expected[i] for i in order]


def test_deciles_label_one_to_ten() -> None:
    quality = np.arange(20, 0, -1, dtype=np.float64)  # 20 customers, best first
    labels = quality_quartiles(quality, groups=10)
    assert list(labels) == [str(i) for i in range(1, 11) for _ in range(2)]
    assert group_names(10)[0] == "1" and group_names(4) == ("A", "B", "C", "D")


def test_no_customers_and_all_tied() -> None:
    assert list(quality_quartiles(np.array([NAN, NAN]))) == ["", ""]
    # All tied: average rank (m+1)/2 = 3 of 5 → floor(2·4/5) = 1 → B for everyone.
    assert list(quality_quartiles(np.full(5, 7.0))) == ["B"] * 5


def test_one_group_is_refused() -> None:
    with pytest.raises(ValueError):
        quality_quartiles(np.array([1.0]), groups=1)
