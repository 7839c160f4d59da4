"""Channel-health charts: the y labels fit in the margin, axes carry titles, dots hover values."""

import pytest

from app.charts.health import CHAR_WIDTH, MARGIN, WIDTH, xy_chart


@pytest.mark.parametrize(("peak", "y_format"), [(1951.0, "{:,.0f}"), (1.4, "{:.2g} %"),
                                                 (123456.0, "{:,.0f}")])
def test_y_labels_fit_left_of_the_plot(peak: float, y_format: str) -> None:
    chart = xy_chart("CAC", [0, 1, 2], [10.0, peak, 20.0], y_format=y_format,
                     titles=("Cohort week", "CAC (USD)"))
    top = chart.y_labels[1]
    assert top == y_format.format(max(peak, 20.0) * 1.05)
    # the label ends 4 px before the plot and must not start left of the 16 px title column
    assert chart.left - 4 - len(top) * CHAR_WIDTH >= 16
    assert chart.width == chart.left + WIDTH + MARGIN
    assert min(x for x, _ in chart.dots) == chart.left


def test_every_dot_has_its_hover_text_and_axes_their_titles() -> None:
    chart = xy_chart("CTR", [0, 1, 2], [1.0, float("nan"), 2.0],
                     titles=("Cohort week", "CTR (%)"), point_text=("a", "b", "c"))
    assert (chart.x_title, chart.y_title) == ("Cohort week", "CTR (%)")
    assert chart.points == ("a", "c") and len(chart.dots) == 2
