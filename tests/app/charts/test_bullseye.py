"""Bullseye geometry: every dot inside its ring's annulus, apart, sized by customers."""

import itertools
import math

import pytest

from app.charts.bullseye import (
    CX,
    CY,
    HEIGHT,
    MIN_DOT,
    RADII,
    UNTRIED_RADIUS,
    WIDTH,
    Dot,
    dot_radius,
    place_ring,
    place_untried,
)


def _distance(dot: Dot) -> float:
    return math.hypot(dot.x - CX, dot.y - CY)


def _dots(ring: str, count: int) -> list[Dot]:
    return place_ring(ring, list(range(count)), [(7 * i) % 40 for i in range(count)], 39)


@pytest.mark.parametrize("ring", ["inner", "middle", "outer"])
@pytest.mark.parametrize("count", [1, 2, 3, 7, 20, 25, 40, 300])
def test_every_dot_lies_inside_its_rings_annulus(ring: str, count: int) -> None:
    inner, outer = RADII[ring]
    dots = _dots(ring, count)
    assert [d.key for d in dots] == list(range(count))
    for dot in dots:
        assert dot.r >= 1
        assert _distance(dot) + dot.r <= outer + 0.15  # 0.1 px rounding of x, y and r
        assert _distance(dot) - dot.r >= inner - 0.15 or inner == 0.0


@pytest.mark.parametrize(("ring", "count"), [
    *[(ring, n) for ring in ("inner", "middle", "outer") for n in (2, 3, 7, 12, 20, 25)],
    ("middle", 40), ("outer", 40),
])
def test_up_to_25_channels_in_a_ring_leave_room_for_their_labels(ring: str, count: int) -> None:
    # A CAC label ("12,345", 11 px font) is about 35 px wide: centres 30 px apart or more
    # keep labels from covering each other badly, and no two dots overlap.
    dots = _dots(ring, count)
    for a, b in itertools.combinations(dots, 2):
        gap = math.hypot(a.x - b.x, a.y - b.y)
        assert gap >= 30, (a, b)
        assert gap >= a.r + b.r


def test_many_channels_get_distinct_positions() -> None:
    dots = _dots("outer", 300)
    assert len({(d.x, d.y) for d in dots}) == 300


def test_placement_is_deterministic() -> None:
    assert _dots("middle", 23) == _dots("middle", 23)


def test_one_inner_channel_sits_in_the_centre() -> None:
    [dot] = place_ring("inner", [5], [10], 10)
    assert (dot.x, dot.y, dot.key, dot.ring) == (CX, CY, 5, "inner")


def test_dot_area_is_proportional_to_customers_with_a_minimum() -> None:
    # 16 px for the most customers: a quarter of them gives a quarter of the area (8 px).
    assert dot_radius(40, 40) == 16
    assert dot_radius(10, 40) == pytest.approx(8)
    assert dot_radius(0, 40) == MIN_DOT
    assert dot_radius(1, 10_000) == MIN_DOT
    assert dot_radius(0, 0) == MIN_DOT
    assert dot_radius(40, 40, limit=10) == 10


def test_untried_kinds_sit_outside_the_rings_on_the_canvas() -> None:
    labels = place_untried([f"kind {i}" for i in range(19)])
    assert len({(label.x, label.y) for label in labels}) == 19
    for label in labels:
        assert math.hypot(label.x - CX, label.y - CY) == pytest.approx(UNTRIED_RADIUS, abs=0.2)
        assert UNTRIED_RADIUS > RADII["outer"][1]
        assert 0 < label.x < WIDTH and 0 < label.y < HEIGHT
    assert labels[0].anchor == "middle" and labels[0].y < CY  # the first is at the top
    assert {labels[4].anchor, labels[14].anchor} == {"start", "end"}
