"""Compute the audience fit (issue 18) the worker stores: the JSON the page reads and the scores.

The statistics are `experiments.audience`'s; this module reads the data, runs them in order
(reporting progress), and turns their results into plain JSON: quartile and decile
rankings, the two segment trees (quality and conversion), the lift of each scheme on
held-out leads, each channel's audience, and the leads sales should call first.
"""

from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlmodel import Session

from app.models import Settings
from app.results.audience import PROJECTED_LTV
from app.results.ltv import stored_projections
from cohorts.queries import AsOf
from experiments.audience import (
    AttributeSeparation,
    AudienceData,
    SegmentNode,
    channel_quality,
    compare_schemes,
    fit_scores,
    group_names,
    grow_tree,
    node_mask,
    old_enough,
    quality_quartiles,
    rank_attributes,
    time_split,
)
from experiments.audience.queries import load_audience

CALL_FIRST = 200  # "the 200 leads sales should call first this week"
RECENT_DAYS = 28  # open leads created this recently are candidates to call
HOLDOUT_SHARE = 0.25  # the newest share of old-enough leads the lift is measured on
NODE_SAMPLE = 50  # the highest-scored leads stored per tree node
SEED = 20261129
LIFT_GRID = np.linspace(0.0, 1.0, 101)
TREE_ROWS = 100_000  # the page's trees are grown on a sample this big (node counts use all)


class LtvUnavailable(Exception):
    """The projected-LTV fit exists but has no model (too little data): the message says why."""


def _finite(value: Any) -> float | None:
    """Return a JSON-safe float: None for NaN, infinity or None (undefined, never 0)."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def node_json(node: SegmentNode, data: AudienceData, scores: npt.NDArray[np.float64],
              best_first: npt.NDArray[np.int64]) -> dict[str, Any]:
    """Return a segment tree node and its children as JSON, with its best-scored leads
    (`best_first`: every lead's index, highest score first)."""
    ranked = best_first[node_mask(data, node.conditions)[best_first]]
    return {"rule": node.rule,
            "conditions": [[a, v, bool(e)] for a, v, e in node.conditions],
            "leads": int(node.leads), "customers": int(node.customers),
            "conversion": _finite(node.conversion), "mean_quality": _finite(node.mean_quality),
            "a_share": _finite(node.top_share),
            "sample": [[int(data.lead_ids[i]), _finite(scores[i])] for i in ranked[:NODE_SAMPLE]],
            "children": [node_json(child, data, scores, best_first)
                         for child in node.children]}


def _ranking_json(r: AttributeSeparation, groups: tuple[str, ...]) -> dict[str, Any]:
    return {"attribute": r.attribute, "test": r.test, "statistic": _finite(r.statistic),
            "p_value": _finite(r.p_value), "p_adjusted": _finite(r.adjusted_p),
            "cramers_v": _finite(r.cramers_v), "groups": list(groups),
            "values": [{"value": v.value or "(missing)",
                        "shares": [_finite(v.shares.get(g)) for g in groups]}
                       for v in r.values]}


def _rankings(data: AudienceData, labels: npt.NDArray[Any], groups: int) -> list[dict[str, Any]]:
    names = group_names(groups)
    return [_ranking_json(r, names)
            for r in rank_attributes(data, labels, top=names[0], bottom=names[-1])]


def _curve(points: Any) -> dict[str, list[float]]:
    """Return a curve on LIFT_GRID (interpolated: the chart needs no more points)."""
    xs = np.array([p.x for p in points], dtype=float)
    ys = np.array([p.y for p in points], dtype=float)
    if xs.size == 0:
        return {"x": [], "y": []}
    return {"x": LIFT_GRID.tolist(), "y": np.round(np.interp(LIFT_GRID, xs, ys), 4).tolist()}


def _call_first(data: AudienceData, scores: npt.NDArray[np.float64], model: Any,
                as_of: AsOf) -> list[dict[str, Any]]:
    """Return the open leads created in the last RECENT_DAYS with the highest scores."""
    since = np.datetime64(as_of.day - timedelta(days=RECENT_DAYS), "D")
    candidates = np.flatnonzero(~data.converted & (data.cohort_weeks >= since))
    order = candidates[np.argsort(-scores[candidates], kind="stable")][:CALL_FIRST]
    return [{"lead_id": int(data.lead_ids[i]), "channel_id": int(data.channel_ids[i]),
             "score": round(float(scores[i]), 1),
             "reasons": [[a, v or "(missing)", round(float(p), 1)]
                         for a, v, p in model.reasons(data, int(i), 3)]} for i in order]


def compute(session: Session, *, settings: Settings, tree: Any, today: AsOf,
            progress: Any) -> tuple[dict[str, Any], npt.NDArray[np.int64],
                                    npt.NDArray[np.float64]]:
    """Return (the fit's JSON, lead ids, their scores 0–100; NaN without a model).

    Under account quality "projected_ltv" the stored LTV fit must exist (the worker waits for
    it: `ltv_waiting`); raises LtvUnavailable when it could not fit a model."""
    projections = None
    if settings.account_quality == PROJECTED_LTV:
        projections = stored_projections(session, settings, today.day)
        if projections is None:
            raise LtvUnavailable("the projected-LTV fit has not been computed yet")
        if projections.pooled is None:
            raise LtvUnavailable("account quality is set to projected LTV, but the repeat-"
                                 f"purchase model has no fit ({projections.reason or 'no data'})"
                                 "; choose revenue × margin in the settings meanwhile")
    data = load_audience(session, today, settings.gross_margin, projections=projections,
                         horizon_weeks=settings.projection_horizon_weeks)
    progress(0.15)
    return analyse(data, settings=settings, tree=tree, today=today, progress=progress)


def analyse(data: AudienceData, *, settings: Any, tree: Any, today: AsOf,
            progress: Any) -> tuple[dict[str, Any], npt.NDArray[np.int64],
                                    npt.NDArray[np.float64]]:
    """Return (the fit's JSON, lead ids, scores) of loaded data: every statistic of the fit."""
    quartiles, deciles = quality_quartiles(data.quality, 4), quality_quartiles(data.quality, 10)
    rankings = {"4": _rankings(data, quartiles, 4), "10": _rankings(data, deciles, 10)}
    progress(0.3)
    old = old_enough(data.cohort_weeks, today.day, settings.mature_weeks)
    train_part, test_part = time_split(data.cohort_weeks[old], HOLDOUT_SHARE)
    train, held = np.zeros(data.n, bool), np.zeros(data.n, bool)
    train[np.flatnonzero(old)[train_part]] = True
    held[np.flatnonzero(old)[test_part]] = True
    payload: dict[str, Any] = {
        "format": 1, "as_of": today.day.isoformat(), "leads": data.n,
        "customers": int(data.converted.sum()), "trained_on": int(train.sum()),
        "held_out": int(held.sum()), "rankings": rankings,
        "min_node": tree.min_node, "max_depth": tree.max_depth,
        "account_quality": settings.account_quality,
        "quality_horizon_weeks": (settings.projection_horizon_weeks
                                  if settings.account_quality == PROJECTED_LTV else None),
        "lift": None, "channels": {},
        "call_first": [], "reason": None}
    scores = np.full(data.n, np.nan)
    model = None
    if old.any() and data.converted[old].any():
        model = fit_scores(data, old, seed=SEED)
        scores = np.asarray(model.score(data), dtype=float)
    progress(0.45)
    best_first = np.argsort(-np.nan_to_num(scores, nan=-1.0), kind="stable")
    payload["trees"] = {target: node_json(
        grow_tree(data, target, tree.min_node, tree.max_depth, SEED, labels=quartiles,
                  max_rows=TREE_ROWS).root, data, scores, best_first)
        for target in ("quality", "conversion")}
    progress(0.7)
    if model is None or not train.any() or not held.any():
        payload["reason"] = "not enough leads old enough to have converted"
        return payload, data.lead_ids, scores
    # No model=/tree= here: the page's score and trees were fitted on the held-out leads too,
    # so the held-out lift needs its own fits on the training leads.
    schemes = compare_schemes(data, quartiles, train, held, min_node=tree.min_node,
                              max_depth=tree.max_depth, seed=SEED)
    progress(0.9)
    payload["lift"] = [{"scheme": s.name, "kind": s.kind, "top_share": _finite(s.captured),
                        **_curve(s.curve.points)} for s in schemes]
    payload["perfect"] = _curve(schemes[0].curve.perfect) if schemes else None
    payload["channels"] = {str(c): {"a_share": _finite(a.top_share),
                                    "interval": list(a.top_interval) if a.top_interval else None,
                                    "mean_score": _finite(a.mean_score),
                                    "customers": a.customers, "leads": a.leads}
                           for c, a in channel_quality(data, quartiles, scores).items()}
    payload["call_first"] = _call_first(data, scores, model, today)
    return payload, data.lead_ids, scores
