"""SVG chart geometry (app.charts.svg, app.charts.cohorts): exact coordinates, hand-computed."""

import math
import re

import numpy as np
import pytest

from app.charts.cohorts import (
    NEGATIVE_RGB,
    POSITIVE_RGB,
    VOLUME_RGB,
    heat_colour,
    heatmap,
    log_roi_chart,
    payback_counts,
)
from app.charts.lines import Series, line_chart, outlier_cap
from app.charts.svg import Scale, bar_chart, line_path, nice_ticks, sparkline
from cohorts.triangle import CohortCounts, CohortTriangle, build_triangle

NAN = math.nan


def test_scale_maps_linearly_and_inverts_for_svg_y() -> None:
    assert Scale(0, 10, 0, 100)(2.5) == 25
    assert Scale(0, 1, 200, 0)(0.25) == 150  # value up = pixel up
    assert Scale(-0.5, 0.5, 10, 30)(0) == 20
    assert Scale(3, 3, 10, 30)(3) == 20  # zero-width domain: the middle


@pytest.mark.parametrize(
    ("lo", "hi", "count", "integer", "expected"),
    [
        (-0.6, 0.2, 4, False, [-0.6, -0.4, -0.2, 0.0, 0.2]),
        (-0.4, 0.2, 4, False, [-0.4, -0.2, 0.0, 0.2]),
        (3, 97, 4, False, [0, 50, 100]),  # 94 / 4 = 23.5 → step 50
        (0, 1.3, 4, False, [0, 0.5, 1.0, 1.5]),  # 0.325 → step 0.5
        (0, 7, 6, True, [0, 2, 4, 6, 8]),  # 7 / 6 ≈ 1.17 → step 2
        (0, 2, 6, True, [0, 1, 2]),  # 0.33 → 0.5 → whole weeks: 1
        (0, 0, 4, False, [0, 0.5, 1.0]),  # zero span widened to [0, 1]
        (0, 1, 4, True, [0, 1]),
        (-120, -30, 4, False, [-150, -100, -50, 0]),  # 90 / 4 = 22.5 → step 50
    ],
)
def test_nice_ticks(lo: float, hi: float, count: int, integer: bool, expected: list[float]) -> None:
    assert nice_ticks(lo, hi, count, integer=integer) == pytest.approx(expected)


def test_line_path_breaks_at_nan_and_draws_a_lone_point_as_a_dot() -> None:
    x, y = Scale(0, 3, 0, 30), Scale(0, 2, 20, 0)
    assert line_path([0, 1, 2, 3], [0, 1, NAN, 2], x, y) == "M0,20 L10,10 M30,0 h0"
    assert line_path([0, 1], [NAN, NAN], x, y) == ""
    assert line_path([0, 1, 2], [0.5, 1.5, 2], x, y) == "M0,15 L10,5 L20,0"


def test_line_chart_layout() -> None:
    chart = line_chart([Series("pooled", [-0.4, 0.0, 0.2], "#000", True)], width=640, height=260)
    box = chart.box
    # left: the longest y label "-40 %" (5 × 6.6 px), an 8 px gap and 16 px for the y title
    assert (box.left, box.top, box.right, box.bottom) == (57, 12, 626, 226)
    assert [(t.value, t.at, t.label) for t in chart.x_ticks] == [
        (0, 57, "0"), (1, 341.5, "1"), (2, 626, "2"),
    ]  # fmt: skip
    # y from -0.4 (bottom, 226) to 0.2 (top, 12): 0 lies 2/3 of 214 px above the bottom
    assert [(t.at, t.label) for t in chart.y_ticks] == [
        (226, "-40 %"), (154.7, "-20 %"), (83.3, "0 %"), (12, "20 %"),
    ]  # fmt: skip
    assert chart.zero == 83.3
    [line] = chart.lines
    assert line.path == "M57,226 L341.5,83.3 L626,12"
    assert line.end == (626, 12)
    assert chart.has_data


@pytest.mark.parametrize("peak", [19.51, 3000.0, 1_234_567.0])
def test_plot_margin_fits_the_longest_y_label(peak: float) -> None:
    chart = line_chart([Series("x", [0.0, peak], "#000")], y_label=lambda v: f"{v:,.0f}")
    longest = max(len(t.label) for t in chart.y_ticks)
    # right-aligned 6 px before the axis, at most 6.6 px a character, after a 16 px title
    assert chart.box.left - 6 - 16 >= longest * 6.6
    bars = bar_chart(["a", "b"], [0, 1_234_567])
    assert bars.box.left - 6 - 16 >= max(len(t.label) for t in bars.y_ticks) * 6.6


def test_line_chart_always_shows_zero_and_handles_no_data() -> None:
    gains = line_chart([Series("a", [0.5, 1.0], "#000")])
    assert gains.y_ticks[0].value == 0 and gains.zero == gains.box.bottom
    empty = line_chart([Series("a", [NAN, NAN], "#000")])
    assert not empty.has_data and empty.lines[0].end is None
    assert not line_chart([]).has_data


def test_line_chart_x_axis_ends_at_the_last_age() -> None:
    chart = line_chart([Series("a", [0.0] * 53, "#000")])
    assert [t.value for t in chart.x_ticks] == [0, 10, 20, 30, 40, 50]
    assert chart.x_ticks[-1].at == 604.1  # 57 + 50 / 52 × (626 − 57) = 604.12
    assert chart.lines[0].end == (626, chart.zero)


def test_outlier_cap_keeps_other_lines_readable() -> None:
    lines = [Series("a", [0.1, 0.5], "#000"), Series("b", [0.2, 2.0], "#000")]
    assert outlier_cap(lines) is None  # two series: nothing to compare against
    lines.append(Series("c", [-0.5, 9.0, NAN], "#000"))
    assert outlier_cap(lines) == 2.0  # 9.0 > 3 × 2.0
    chart = line_chart(lines, y_cap=outlier_cap(lines))
    assert chart.y_ticks[-1].value == 2.0 and chart.capped
    # y from -1 (226) to 2 (12) in ticks of 1: 9.0 lies far above the top, the SVG clips it
    assert [t.value for t in chart.y_ticks] == [-1, 0, 1, 2]
    assert chart.lines[2].path == "M64,190.3 L345,-487.3"  # left 64: "-100 %" is 6 characters
    assert outlier_cap(lines[:2] + [Series("c", [5.9], "#000")]) is None
    assert not line_chart(lines[:2]).capped


def test_sparkline() -> None:
    spark = sparkline([0, 1, 2, 0])
    # x: 2..82 over 3 steps; y: 0 → 20 (bottom), 2 → 2 (top)
    assert spark.path == "M2,20 L28.7,11 L55.3,2 L82,20"
    assert spark.end == (82, 20)
    assert sparkline([0, 0, 0]).path == "M2,20 L42,20 L82,20"  # flat: on the baseline
    assert sparkline([5, 5]).path == "M2,2 L82,2"  # constant above 0: 0 .. 5 scale


def test_sparkline_of_a_week_still_running_ends_in_a_dashed_tail() -> None:
    # x: 0, 1, 2 → 2, 42, 82; y: 0 .. 2 → 20 .. 2
    spark = sparkline([0, 2, 1], partial_last=True)
    assert (spark.path, spark.tail, spark.end) == ("M2,20 L42,2", "M42,2 L82,11", (82, 11))
    assert spark.partial and not sparkline([0, 2, 1]).partial
    assert sparkline([0, 2, 1]).path == "M2,20 L42,2 L82,11"
    alone = sparkline([3], partial_last=True)  # nothing to lead in from
    assert (alone.path, alone.tail) == ("M2,2 h0", "")


def test_bar_chart() -> None:
    chart = bar_chart(
        ["0", "1", "not yet"], [0, 1, 1], muted=[False, False, True], width=420, height=240
    )
    # plot 40..406 wide (366 px, 3 bands of 122 px), 12..206 high; counts 0..1
    assert [(t.value, t.at) for t in chart.y_ticks] == [(0, 206), (1, 12)]
    assert [(b.label, b.x, b.y, b.width, b.height, b.muted) for b in chart.bars] == [
        ("0", 58.3, 206, 85.4, 0, False),
        ("1", 180.3, 12, 85.4, 194, False),
        ("not yet", 302.3, 12, 85.4, 194, True),
    ]
    assert all(b.labelled for b in chart.bars)


def test_bar_chart_labels_every_kth_bar_when_crowded() -> None:
    chart = bar_chart([str(i) for i in range(30)], list(range(30)))
    # 30 bars / 12 labels → every 3rd, and the last (27 would crowd it)
    assert [b.label for b in chart.bars if b.labelled] == [
        "0", "3", "6", "9", "12", "15", "18", "21", "24", "29",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "low", "high", "rgb", "expected"),
    [
        (60, 0, 120, VOLUME_RGB, "rgba(47, 111, 222, 0.33)"),
        (120, 0, 120, VOLUME_RGB, "rgba(47, 111, 222, 0.58)"),
        (-0.6, -0.6, 0.2, POSITIVE_RGB, "rgba(192, 57, 43, 0.58)"),
        (-0.3, -0.6, 0.2, POSITIVE_RGB, "rgba(192, 57, 43, 0.33)"),
        (0.1, -0.6, 0.2, POSITIVE_RGB, "rgba(30, 132, 73, 0.33)"),
        (0, -0.6, 0.2, POSITIVE_RGB, ""),
        (NAN, 0, 1, VOLUME_RGB, ""),
        (-5, 0, 10, VOLUME_RGB, ""),  # no negative side to scale by
    ],
)
def test_heat_colour(
    value: float, low: float, high: float, rgb: tuple[int, int, int], expected: str
) -> None:
    assert heat_colour(value, low, high, rgb) == expected
    assert NEGATIVE_RGB == (192, 57, 43)


def _triangle() -> CohortTriangle:
    """Three weekly cohorts as of the third week; the middle one is a quiet week."""
    counts = CohortCounts(
        weeks=np.array(["2026-01-05", "2026-01-12", "2026-01-19"], dtype="datetime64[D]"),
        current_age=np.array([2, 1, 0]),
        spend_minor=np.array([1000, 0, 500]),
        leads=np.array([4, 0, 2]),
        new_customers=np.array([[1, 1, 0], [0, 0, 0], [0, 0, 0]]),
        revenue_minor=np.array([[400, 800, 0], [0, 0, 0], [0, 0, 0]]),
    )
    return build_triangle(counts)


def test_heatmap_rows_newest_first_without_quiet_weeks() -> None:
    revenue = heatmap(_triangle(), "revenue", limit=26)
    assert revenue.ages == (0, 1, 2) and revenue.total == 2
    assert [r.week for r in revenue.rows] == ["2026-01-19", "2026-01-05"]
    newest, oldest = revenue.rows
    assert [(c.value, c.reached) for c in newest.cells] == [
        (0, True), (None, False), (None, False),
    ]  # fmt: skip
    assert [c.value for c in oldest.cells] == [400, 1200, 1200]
    assert oldest.cells[0].background == "rgba(47, 111, 222, 0.25)"  # 400 / 1200 → 1/3
    roi = heatmap(_triangle(), "roi", limit=1)
    assert [r.week for r in roi.rows] == ["2026-01-19"] and roi.total == 2
    assert roi.ages == (0,)
    assert [c.value for c in roi.rows[0].cells] == [-1.0]


def test_payback_counts() -> None:
    counts = payback_counts(_triangle())
    # 2026-01-05: ROI -0.6 at age 0, +0.2 at age 1 → week 1; 2026-01-19: not yet
    assert counts.by_week == (0, 1) and counts.not_yet == 1 and counts.cohorts == 2


def test_log_roi_chart_keeps_every_curve_inside_the_plot() -> None:
    # one channel at +3,000 % (a 31× return), the others between −40 % and +80 %
    lines = [Series("far", [-0.9, 5.0, 30.0], "#000"), Series("a", [-0.4, 0.2, 0.8], "#111"),
             Series("b", [-0.3, 0.0, NAN], "#222"), Series("c", [-1.0, -0.5, 0.1], "#333")]
    chart = log_roi_chart(lines, width=640, height=260)
    labels = [t.label for t in chart.y_ticks]
    # ticks at return multiples 0.01 … 50 (every other step kept), labelled as ROI, with 0 %
    assert labels[0] == "-99 %" and "0 %" in labels and labels[-1] == "4900 %"
    assert not chart.capped
    top, bottom = chart.box.top, chart.box.bottom
    for line in chart.lines:
        ys = [float(p.split(",")[1]) for p in re.findall(r"-?[\d.]+,-?[\d.]+", line.path)]
        assert ys and all(top - 0.1 <= y <= bottom + 0.1 for y in ys)
    # break-even (ROI 0 %, multiple 1) sits where log10(1) = 0 maps: the zero line
    zero_tick = next(t for t in chart.y_ticks if t.label == "0 %")
    assert zero_tick.at == chart.zero
    # ROI −100 % (nothing back) is drawn at the −99 % floor, not dropped
    assert chart.lines[3].path.startswith(f"M{chart.box.left},{bottom}")
