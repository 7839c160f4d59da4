"""Lead scores: fitted on old-enough leads only, points that add up, and the leakage guard."""

import datetime as dt

import numpy as np
import pytest

from experiments.audience import (
    AudienceData,
    LeakageError,
    fit_scores,
    old_enough,
    time_split,
)
from tests.experiments.audience.synthetic import leads


def _with(data: AudienceData, name: str, values: np.ndarray,
          post_creation: frozenset[str] = frozenset()) -> AudienceData:
    return AudienceData(data.lead_ids, data.channel_ids, data.cohort_weeks,
                        {**data.attributes, name: values.astype(object)}, data.converted,
                        data.quality, post_creation)


def test_points_add_up_to_a_score_that_ranks_like_the_model() -> None:
    data = leads(10_000, seed=6)
    model = fit_scores(data, np.ones(data.n, bool))
    score, points = model.score(data), model.points(data)
    assert score == pytest.approx(points.sum(axis=1))
    assert score.min() >= 0.0 and score.max() <= 100.0
    # The score is an increasing linear function of the model's log-odds.
    linear = model.linear(data)
    slope, intercept = np.polyfit(linear, score, 1)
    assert slope > 0 and score == pytest.approx(slope * linear + intercept, abs=1e-6)
    # The planted segment scores highest: SaaS with ≥ 50 employees beats everyone else.
    planted = (data.attributes["industry"] == "SaaS") & np.isin(
        data.attributes["size"], ["50", "100", "200", "500"])
    assert np.median(score[planted]) > np.percentile(score[~planted], 90)


def test_reasons_are_the_lead_s_largest_points() -> None:
    data = leads(5_000, seed=7)
    model = fit_scores(data, np.ones(data.n, bool))
    i = int(np.argmax(model.score(data)))
    reasons = model.reasons(data, i, k=2)
    points = model.points(data)[i]
    by_name = dict(zip(model.attributes, points, strict=True))
    assert [r[2] for r in reasons] == sorted(points, reverse=True)[:2]
    for attribute, value, pts in reasons:
        assert pts == by_name[attribute]
        assert value == (str(data.attributes[attribute][i] or "") or "(missing)")
    j = int(np.argmin(model.score(data)))  # the least points everywhere: no reason
    assert all(pts > 0 for _, _, pts in model.reasons(data, j, k=5))
    assert len(model.reasons(data, j, k=5)) == int((model.points(data)[j] > 0).sum())


def test_only_the_training_leads_shape_the_model() -> None:
    data = leads(8_000, seed=8)
    train = np.arange(data.n) < 5_000
    model = fit_scores(data, train)
    flipped = AudienceData(data.lead_ids, data.channel_ids, data.cohort_weeks, data.attributes,
                           np.where(train, data.converted, ~data.converted), data.quality)
    again = fit_scores(flipped, train)
    assert np.array_equal(model.coef, again.coef) and model.rows_fitted == 5_000
    assert fit_scores(data, train, max_rows=2_000).rows_fitted == 2_000


def test_a_post_creation_attribute_raises() -> None:
    data = leads(3_000, seed=9)
    noisy = _with(data, "webinar_attended", np.array(["yes", "no"])[np.arange(data.n) % 2],
                  post_creation=frozenset({"webinar_attended"}))
    with pytest.raises(LeakageError) as caught:
        fit_scores(noisy, np.ones(data.n, bool))
    assert caught.value.attribute == "webinar_attended"
    assert "webinar_attended" in str(caught.value)


@pytest.mark.parametrize("name", ["purchases", "Stage", "revenue"])
def test_outcome_names_raise(name: str) -> None:
    data = leads(3_000, seed=10)
    with pytest.raises(LeakageError) as caught:
        fit_scores(_with(data, name, np.full(data.n, "1")), np.ones(data.n, bool))
    assert caught.value.attribute == name


def test_values_only_buyers_have_raise() -> None:
    data = leads(3_000, seed=11)
    plan = np.where(data.converted, "pro", None)
    with pytest.raises(LeakageError, match="only for leads that bought") as caught:
        fit_scores(_with(data, "contract_plan", plan), np.ones(data.n, bool))
    assert caught.value.attribute == "contract_plan"
    status = np.where(data.converted, "won", "lost")
    with pytest.raises(LeakageError, match="exactly"):
        fit_scores(_with(data, "status", status), np.ones(data.n, bool))


def test_an_honest_attribute_does_not_raise() -> None:
    data = leads(3_000, seed=12)
    city = np.array(["Oslo", "Lima", None], dtype=object)[np.arange(data.n) % 3]
    assert fit_scores(_with(data, "city", city), np.ones(data.n, bool)).rows_fitted == data.n
    # A name unique per lead is unshared by buyers and non-buyers, trivially: no leak, and
    # no value has the MIN_COUNT leads a column needs.
    company = np.array([f"Firm {i}" for i in range(data.n)])
    model = fit_scores(_with(data, "company", company), np.ones(data.n, bool))
    assert "company" not in {f.attribute for f in model.encoder.features}


def test_old_enough_and_time_split_by_hand() -> None:
    weeks = np.array(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"], "datetime64[D]")
    # The week of Jan 5 ends Jan 11; four weeks later is Feb 8.
    assert list(old_enough(weeks, dt.date(2026, 2, 8), 4)) == [True, False, False, False]
    assert list(old_enough(weeks, dt.date(2026, 2, 7), 4)) == [False] * 4
    assert list(old_enough(weeks, np.datetime64("2026-02-22"), 4)) == [True, True, True, False]
    many = np.repeat(weeks, [10, 10, 10, 10])
    train, test = time_split(many, 0.25)
    assert train.sum() == 30 and test.sum() == 10 and (many[test] == weeks[-1]).all()
    one_week = np.repeat(weeks[:1], 5)
    train, test = time_split(one_week)
    assert train.all() and not test.any()


def test_attributes_are_read_once_as_codes() -> None:
    values = np.array([None, "", "b", "1", 1, "a", None, "b"], dtype=object)
    data = AudienceData(np.arange(8, dtype=np.int64), np.ones(8, np.int64),
                        np.full(8, np.datetime64("2026-01-05"), "datetime64[D]"),
                        {"x": values}, np.zeros(8, bool), np.full(8, np.nan))
    codes, uniques = data.factor("x")
    assert list(uniques[codes]) == ["", "", "b", "1", "1", "a", "", "b"]
    part = data.subset(np.array([2, 5, 6]))
    assert list(part.factor("x")[1][part.factor("x")[0]]) == ["b", "a", ""]
