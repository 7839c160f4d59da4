"""Compare view: is group B better than group A, and how sure are we? (SPEC §4)."""

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from app import htmx
from app.charts.svg import nice_ticks
from app.results.comparisons import (
    CompareInputError,
    adjustment,
    channel_matrix,
    parse_request,
    run,
)
from app.views import render_page_or_partial
from app.views.dashboard import requested_as_of
from app.views.pickers import (
    attributes,
    choices,
    chosen_group,
    picks_of,
    submitted_with_pickers,
    values_of,
)
from experiments.stats import METRICS, SEQUENTIAL_METRICS, Comparison, show
from experiments.verdict import OBSERVATIONAL_CAVEAT, TEST_LABELS, show_difference

bp = Blueprint("compare", __name__, url_prefix="/compare")

METRIC_LABELS = {"conversion": "Conversion rate", "revenue_per_lead": "Revenue per lead",
                 "cac": "CAC", "roi": "ROI"}
ADJUSTMENT_LABELS = {"holm": "Holm (family-wise error)",
                     "bh": "Benjamini–Hochberg (false discovery rate)"}
_LEFT, _RIGHT = 110.0, 460.0


@dataclass(frozen=True)
class IntervalMark:
    """One row of the interval chart, in SVG pixel coordinates."""

    label: str
    low_x: float
    high_x: float
    value_x: float
    y: float
    text: str = ""  # the value and interval as hover text


@dataclass(frozen=True)
class IntervalAxis:
    """The chart's one value axis: tick positions and labels, and where zero lies (if shown)."""

    ticks: tuple[tuple[float, str], ...]
    zero_x: float | None


def interval_chart(result: Comparison) -> tuple[list[IntervalMark], IntervalAxis | None]:
    """Return both groups' 95 % intervals on one axis that always includes zero, with ticks."""
    rows = [(name, g.ci, g.value) for name, g in ((result.name_a, result.a),
                                                  (result.name_b, result.b))]
    known = [(label, ci, value) for label, ci, value in rows if ci and value is not None]
    if len(known) < 2:
        return [], None
    ticks = nice_ticks(min(0.0, *(ci[0] for _, ci, _ in known)),
                       max(0.0, *(ci[1] for _, ci, _ in known)), 4)
    low, span = ticks[0], (ticks[-1] - ticks[0]) or 1.0

    def x(v: float) -> float:
        return round(_LEFT + (v - low) / span * (_RIGHT - _LEFT), 1)

    marks = [IntervalMark(label[:18], x(ci[0]), x(ci[1]), x(value), 20.0 + 30 * i,
                          f"{label}: {show(result.metric, value)} (95 % interval "
                          f"{show(result.metric, ci[0])} to {show(result.metric, ci[1])})")
             for i, (label, ci, value) in enumerate(known)]
    axis = IntervalAxis(tuple((x(t), show(result.metric, t)) for t in ticks), x(0.0))
    return marks, axis


def _form_context(a: str, b: str) -> dict[str, Any]:
    """Return what the picker form needs: both sides' picks, options and segment values."""
    picks = {"a": picks_of(a), "b": picks_of(b)}
    return {"picks": picks, "choices": choices(), "attributes": attributes(),
            "values": {side: values_of(p.attribute) for side, p in picks.items()}}


def _share_url(a: str, b: str, metric: str, age: str | None, sequential: str | None) -> str:
    """Return the canonical, shareable URL of a comparison."""
    as_of = request.args.get("as_of") or None
    return url_for(".index", a=a or None, b=b or None, metric=metric, age=age,
                   sequential=sequential, as_of=as_of)


def _requested_sequential(metric: str) -> str | None:
    """Return 'true' when a sequential test is asked for (the form's box only where it applies)."""
    asked = (request.args.get("sequential") or "").strip() or None
    if submitted_with_pickers(request.args):
        return "true" if asked and metric in SEQUENTIAL_METRICS else None
    return asked


def _requested_age(metric: str) -> str | None:
    """Return the age text asked for; the form's age box is ignored unless the metric is ROI."""
    age = (request.args.get("age") or "").strip() or None
    return None if submitted_with_pickers(request.args) and metric != "roi" else age


def lift_text(value: float) -> str:
    """Return a relative lift as people say it: '+23 %', '−4.5 %' (one decimal below 10 %)."""
    digits = 1 if abs(value) < 0.1 else 0
    return f"{value * 100:+.{digits}f} %".replace("-", "−")


def metric_label(metric: str, age: str | None) -> str:
    """Return the metric's column heading ('ROI at age 4 weeks' for ROI at an age)."""
    label = METRIC_LABELS.get(metric, metric)
    if metric != "roi" or age is None or not (age.isascii() and age.isdigit()):
        return label
    weeks = int(age)
    return f"{label} at age {weeks} week{'' if weeks == 1 else 's'}"


@bp.get("/")
def index() -> Any:
    """Show the comparison of the requested groups (GET parameters make the URL shareable)."""
    as_of, as_of_error = requested_as_of()
    a, b = chosen_group(request.args, "a"), chosen_group(request.args, "b")
    metric = request.args.get("metric", "conversion")
    age = _requested_age(metric)
    sequential = _requested_sequential(metric)
    share = (_share_url(a, b, metric, age, sequential)
             if submitted_with_pickers(request.args) else None)
    if share and not htmx:
        return redirect(share)
    result, error = None, None
    if a or b:
        try:
            result = run(parse_request(a, b, metric, as_of, age, sequential))
        except CompareInputError as exc:
            error = exc
    response = render_page_or_partial(
        "compare/index.html", "compare/_workspace.html",
        http_status=400 if error else 200,
        a=a, b=b, metric=metric, metrics=METRICS, labels=METRIC_LABELS, as_of=as_of.day,
        age=age or "", metric_label=metric_label(metric, age), sequential=bool(sequential),
        sequential_metrics=SEQUENTIAL_METRICS,
        as_of_error=as_of_error, result=result, error=error,
        chart=interval_chart(result) if result else ([], None), show=show,
        show_difference=show_difference,
        test_labels=TEST_LABELS, lift_text=lift_text, caveat=OBSERVATIONAL_CAVEAT,
        **_form_context(a, b),
    )
    if share:
        response.headers["HX-Push-Url"] = share
    return response


@bp.get("/segment-values")
def segment_values() -> Any:
    """Return the value select of one side for the attribute chosen (htmx, on change)."""
    side = "b" if request.args.get("side") == "b" else "a"
    attribute = request.args.get(f"{side}_attribute", "")
    return render_template("compare/_segment_values.html", side=side, chosen="",
                           values=values_of(attribute))


@bp.get("/matrix")
def matrix() -> Any:
    """Show pairwise conversion tests across all channels, corrected for multiple testing."""
    as_of, as_of_error = requested_as_of()
    method = adjustment(request.args.get("method"))
    return render_page_or_partial(
        "compare/matrix.html", "compare/_matrix.html",
        matrix=channel_matrix(as_of, method), method=method, as_of=as_of.day,
        as_of_error=as_of_error, caveat=OBSERVATIONAL_CAVEAT,
        methods=ADJUSTMENT_LABELS,
    )
