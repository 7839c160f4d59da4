"""Attributes ranked by how they separate A from D: checked against scipy and by hand."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from experiments.audience import AudienceData, quality_quartiles, rank_attributes
from experiments.audience.ranking import value_labels
from tests.experiments.audience.synthetic import leads


def _data(attributes: dict[str, list[str | None]]) -> AudienceData:
    n = len(next(iter(attributes.values())))
    return AudienceData(
        np.arange(n, dtype=np.int64), np.ones(n, np.int64),
        np.full(n, np.datetime64("2026-01-05"), "datetime64[D]"),
        {k: np.array(v, dtype=object) for k, v in attributes.items()},
        np.ones(n, bool), np.ones(n),
    )


def _rows(spec: list[tuple[str, str, int]]) -> tuple[list[str], list[str]]:
    """Return (values, labels) with `count` customers of each (value, label)."""
    values = [v for v, _, c in spec for _ in range(c)]
    labels = [g for _, g, c in spec for _ in range(c)]
    return values, labels


def test_chi_square_cramers_v_and_holm_match_scipy_and_statsmodels() -> None:
    colour, labels = _rows([
        ("red", "A", 30), ("red", "D", 10), ("blue", "A", 20), ("blue", "D", 25),
        ("green", "A", 10), ("green", "D", 25), ("red", "B", 7), ("green", "C", 3),
    ])
    n = len(colour)
    rng = np.random.default_rng(0)
    shape = list(rng.choice(["round", "square"], n))  # noise, a 2×2 table against A/D
    result = rank_attributes(_data({"colour": colour, "shape": shape}), np.array(labels))
    assert [r.attribute for r in result] == ["colour", "shape"]
    colour_row = result[0]
    table = np.array([[30, 10], [20, 25], [10, 25]])  # most frequent value first: red, blue, green
    expected = stats.chi2_contingency(table, correction=False)
    assert colour_row.test == "chi_square"
    assert colour_row.statistic == pytest.approx(expected.statistic)
    assert colour_row.p_value == pytest.approx(expected.pvalue)
    assert colour_row.cramers_v == pytest.approx(
        stats.contingency.association(table, method="cramer"))
    # shape: two values, every expected count ≥ 5 → the z-test, whose z² is Pearson's χ².
    shape_row = result[1]
    is_a = np.array(labels) == "A"
    is_d = np.array(labels) == "D"
    round_ = np.array(shape) == str(shape_row.values[0].value)
    table2 = np.array([[(round_ & is_a).sum(), (round_ & is_d).sum()],
                       [(~round_ & is_a).sum(), (~round_ & is_d).sum()]])
    expected2 = stats.chi2_contingency(table2, correction=False)
    assert shape_row.test == "z_test"
    assert shape_row.statistic ** 2 == pytest.approx(expected2.statistic)
    assert shape_row.p_value == pytest.approx(expected2.pvalue)
    holm = multipletests([colour_row.p_value, shape_row.p_value], method="holm")[1]
    assert [colour_row.adjusted_p, shape_row.adjusted_p] == pytest.approx(list(holm))
    # Distribution by quality group: red is 30 of the 60 A customers, 7 of the 7 B ones.
    red = colour_row.values[0]
    assert red.value == "red" and red.counts == {"A": 30, "B": 7, "C": 0, "D": 10}
    assert red.shares["A"] == pytest.approx(0.5) and red.shares["B"] == 1.0


def test_rare_values_are_pooled_and_small_tables_use_the_exact_test() -> None:
    # "teal" expects < 5 in a column; pooled with the smallest other row (blue) two rows are
    # left, red still expects < 5 D customers (10 · 10 / 22) → Boschloo's exact test.
    colour, labels = _rows([
        ("red", "A", 8), ("red", "D", 2), ("blue", "A", 3), ("blue", "D", 7),
        ("teal", "A", 1), ("teal", "D", 1),
    ])
    row = rank_attributes(_data({"colour": colour}), np.array(labels))[0]
    pooled = np.array([[8, 2], [4, 8]])  # red; blue + teal (columns: A, D)
    assert row.test == "boschloo_exact"
    assert row.p_value == pytest.approx(
        stats.boschloo_exact(pooled, alternative="two-sided").pvalue, rel=1e-9)
    assert row.cramers_v == pytest.approx(stats.contingency.association(pooled, method="cramer"))
    assert [v.value for v in row.values] == ["blue", "red", "teal"]  # 10 each: by name


def test_untestable_attribute_is_listed_last_without_p() -> None:
    colour, labels = _rows([("red", "A", 5), ("red", "D", 5), ("blue", "A", 5), ("blue", "D", 4)])
    data = _data({"one": ["x"] * len(colour), "colour": colour})
    result = rank_attributes(data, np.array(labels))
    assert [r.attribute for r in result] == ["colour", "one"]
    assert result[1].p_value is None and result[1].adjusted_p is None
    # Holm over the one testable attribute leaves its p-value as it is.
    assert result[0].adjusted_p == pytest.approx(result[0].p_value)


def test_numeric_values_are_binned_by_hand() -> None:
    values: list[str | None] = [str(v) for v in range(1, 101)]
    labels = value_labels(_data({"n": [*values, None]}), "n")
    # Deciles of 1..100 are 10.9, 20.8, ..., 90.1 → 2 significant digits: 11, 21, ..., 90.
    assert labels[4] == "< 11" and labels[14] == "11 to < 21" and labels[94] == "≥ 90"
    assert labels[-1] == "(missing)"
    few = value_labels(_data({"n": ["5", "50", "500", "", "50"]}), "n")
    assert list(few) == ["5", "50", "500", "(missing)", "50"]


def test_the_planted_attributes_rank_first() -> None:
    data = leads(20_000, seed=5)
    result = rank_attributes(data, quality_quartiles(data.quality))
    assert {r.attribute for r in result[:2]} == {"industry", "size"}
    assert all((r.adjusted_p or 1.0) < 1e-6 for r in result[:2])
    assert all((r.adjusted_p or 1.0) > 0.01 for r in result[2:])


def test_p_values_are_calibrated_when_attributes_do_not_matter() -> None:
    # 300 seeded bases of 400 customers whose attributes are independent of quality: each
    # test rejects at 5 % as often as a Binomial(300, 0.05) allows (99.9 % band).
    rng = np.random.default_rng(17)
    runs = 300
    rejected = {"colour": 0, "flag": 0}
    for _ in range(runs):
        quality = rng.lognormal(4, 1, 400)
        colour = list(rng.choice(["red", "blue", "green", "grey"], 400, p=[0.4, 0.3, 0.2, 0.1]))
        flag = list(rng.choice(["yes", "no"], 400, p=[0.3, 0.7]))
        for r in rank_attributes(_data({"colour": colour, "flag": flag}),
                                 quality_quartiles(quality)):
            rejected[r.attribute] += (r.p_value or 1.0) < 0.05
    low, high = stats.binom(runs, 0.05).ppf([0.0005, 0.9995])
    assert all(low <= count <= high for count in rejected.values()), rejected


def test_values_past_the_most_frequent_are_pooled_into_other_values() -> None:
    # Value v{i} has i + 1 customers, alternately A and D: the 29 most frequent (v34..v06)
    # keep their rows, v00..v05 (1 + 2 + ... + 6 = 21 customers) are pooled. Five leads that
    # are no customers (label "") carry v00 and count nowhere.
    values: list[str | None] = []
    labels: list[str] = []
    for i in range(35):
        for j in range(i + 1):
            values.append(f"v{i:02d}")
            labels.append("A" if j % 2 == 0 else "D")
    values += ["v00"] * 5
    labels += [""] * 5
    row = rank_attributes(_data({"colour": values}), np.array(labels, dtype=object))[0]
    assert [v.value for v in row.values] == [f"v{i:02d}" for i in range(34, 5, -1)] + [
        "(other values)"]
    assert row.values[0].counts == {"A": 18, "D": 17}  # v34: 35 customers
    assert row.values[-1].counts == {"A": 1 + 1 + 2 + 2 + 3 + 3, "D": 0 + 1 + 1 + 2 + 2 + 3}
    assert row.values[-1].shares["A"] == pytest.approx(12 / sum((i + 2) // 2 for i in range(35)))
