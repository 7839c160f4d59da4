"""Line charts (app.charts.lines): every drawn point keeps its age and value for a hover title."""

import math
import re

from flask import Flask

from app.charts.cohorts import log_roi_chart
from app.charts.lines import Point, Series, line_chart

NAN = math.nan


def test_each_drawn_point_has_its_position_age_and_value() -> None:
    chart = line_chart([Series("pooled", [-0.4, NAN, 0.2], "#000", True)], width=640, height=260)
    # the box of test_charts' layout: x 57..626 over ages 0..2, y −0.4 (226) .. 0.2 (12)
    [line] = chart.lines
    assert line.points == (Point(57, 226, 0, -0.4), Point(626, 12, 2, 0.2))  # no point at NaN
    assert line.end == (626, 12)


def test_a_log_chart_shows_the_roi_not_its_logarithm() -> None:
    lines = [Series("far", [-0.9, 5.0, 30.0], "#000"), Series("a", [-1.0, 0.0, NAN], "#111")]
    chart = log_roi_chart(lines, width=640, height=260)
    far, a = chart.lines
    assert [(p.age, p.value) for p in far.points] == [(0, -0.9), (1, 5.0), (2, 30.0)]
    assert [(p.age, p.value) for p in a.points] == [(0, -1.0), (1, 0.0)]
    assert a.points[0].y == chart.box.bottom  # −100 % drawn at the −99 % floor, shown as is
    assert a.points[1].y == chart.zero  # break-even on the zero line


def test_the_svg_gives_every_point_a_hover_title(app: Flask) -> None:
    series = [Series("Cohort 2026-03-02", [-0.5, 0.1234], "#111"),
              Series("All cohorts (pooled)", [-0.25, NAN, 1.5], "#000", True)]
    chart = line_chart(series, width=560, height=260)
    with app.app_context():
        macros = app.jinja_env.get_template("_charts.html").module
        svg = str(macros.line_chart(chart, "ROI by age", "roi"))  # type: ignore[attr-defined]
    circles = re.findall(r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)" r="5">'
                         r"<title>([^<]*)</title></circle>", svg)
    expected = [(line, p) for line in chart.lines for p in line.points]
    assert [(float(x), float(y)) for x, y, _t in circles] == [(p.x, p.y) for _l, p in expected]
    # formatted as the tables print ROI (one decimal and " %"); the pooled line is drawn last
    assert [t for _x, _y, t in circles] == [
        "Cohort 2026-03-02, week 0: ROI -50.0 %",
        "Cohort 2026-03-02, week 1: ROI 12.3 %",
        "All cohorts (pooled), week 0: ROI -25.0 %",
        "All cohorts (pooled), week 2: ROI 150.0 %",
    ]
