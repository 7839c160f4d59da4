"""The audience each channel brings, counted by hand."""

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from experiments.audience import AudienceData, channel_quality


def test_channel_audience_by_hand() -> None:
    channels = np.array([1, 1, 1, 1, 1, 2, 2, 2], np.int64)
    labels = np.array(["A", "A", "D", "", "", "B", "C", ""], dtype=object)
    scores = np.array([90, 80, 10, 20, np.nan, 50, 40, 30], np.float64)
    n = channels.size
    data = AudienceData(np.arange(n, dtype=np.int64), channels,
                        np.full(n, np.datetime64("2026-01-05"), "datetime64[D]"), {},
                        labels != "", np.where(labels != "", 1.0, np.nan))
    found = channel_quality(data, labels, scores)
    one, two = found[1], found[2]
    assert (one.leads, one.customers, one.top_customers) == (5, 3, 2)
    assert one.top_share == pytest.approx(2 / 3)
    assert one.top_interval == pytest.approx(proportion_confint(2, 3, method="wilson"))
    assert one.mean_score == pytest.approx((90 + 80 + 10 + 20) / 4)  # the NaN score is skipped
    assert (two.leads, two.customers, two.top_customers, two.top_share) == (3, 2, 0, 0.0)
    assert two.mean_score == pytest.approx(40.0)


def test_a_channel_without_customers_has_no_share() -> None:
    data = AudienceData(np.arange(2, dtype=np.int64), np.array([7, 7], np.int64),
                        np.full(2, np.datetime64("2026-01-05"), "datetime64[D]"), {},
                        np.zeros(2, bool), np.full(2, np.nan))
    row = channel_quality(data, np.array(["", ""], dtype=object), np.full(2, np.nan))[7]
    assert (row.customers, row.top_share, row.top_interval, row.mean_score) == (0, None, None, None)
