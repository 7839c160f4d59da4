"""Geometry of the drawn bullseye: three rings, a dot per channel, untried kinds outside.

Pure: names and numbers in, pixel positions out (templates/bullseye/_drawing.html draws
them). Placement is deterministic: channels are placed in the order given (the caller
sorts them), on concentric tracks inside their ring's annulus, evenly spaced by angle,
so that centres stay at least about `SPACING` pixels apart on a track and tracks never
leave the annulus. Dot area is proportional to customers, with a minimum size.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 1000, 760  # wide enough for the untried kinds' names left and right
CX, CY = WIDTH / 2, HEIGHT / 2
RADII: dict[str, tuple[float, float]] = {
    "inner": (0.0, 110.0),
    "middle": (110.0, 215.0),
    "outer": (215.0, 320.0),
}
UNTRIED_RADIUS = 350.0
SPACING = 46.0  # pixels between neighbouring centres on a track: room for a CAC label
TRACK_GAP = 0.75  # tracks stay at least this share of the spacing apart
MIN_DOT, MAX_DOT = 4.0, 16.0
MAX_TRACKS = 6


@dataclass(frozen=True)
class Dot:
    """One placed item: its key (a channel id or a kind slug), centre and radius in pixels."""

    key: int | str
    x: float
    y: float
    r: float
    ring: str


@dataclass(frozen=True)
class Label:
    """A piece of text outside the rings: position and the anchor that keeps it on the canvas."""

    key: str
    x: float
    y: float
    anchor: str


def _track_radii(inner: float, outer: float, tracks: int) -> list[float]:
    """Return `tracks` radii evenly inside the annulus (a disc's single track is its centre)."""
    if inner == 0.0 and tracks == 1:
        return [0.0]
    width = (outer - inner) / tracks
    return [inner + width * (t + 0.5) for t in range(tracks)]


def _capacity(radius: float, spacing: float) -> int:
    """Return how many centres fit on a track of `radius` at least `spacing` apart."""
    return 1 if radius == 0.0 else max(1, math.floor(2 * math.pi * radius / spacing))


def track_plan(ring: str, count: int) -> list[tuple[float, int]]:
    """Return (track radius, channels on it) for `count` channels in `ring`, inside out.

    Uses the fewest tracks that hold everyone at `SPACING`, tracks at least TRACK_GAP ×
    spacing apart; when even that is not enough the spacing shrinks, so any number of
    channels is placed (tighter) in bounded work. Tracks left empty keep a 0 count.
    """
    if count <= 0:
        return []
    inner, outer = RADII[ring]
    spacing = SPACING
    while True:
        for tracks in range(1, MAX_TRACKS + 1):
            if tracks > 1 and (outer - inner) / tracks < TRACK_GAP * spacing:
                break
            radii = _track_radii(inner, outer, tracks)
            if sum(_capacity(r, spacing) for r in radii) >= count:
                return _fill(radii, count, spacing)
        spacing *= 0.8


def _fill(radii: list[float], count: int, spacing: float) -> list[tuple[float, int]]:
    """Share `count` over tracks in proportion to their capacity (outer tracks take more)."""
    capacities = [_capacity(r, spacing) for r in radii]
    total = sum(capacities)
    shares = [min(c, math.floor(count * c / total)) for c in capacities]
    for index in sorted(range(len(radii)), key=lambda i: -capacities[i]):
        while sum(shares) < count and shares[index] < capacities[index]:
            shares[index] += 1
    return list(zip(radii, shares, strict=True))


def dot_radius(customers: int, most: int, limit: float = MAX_DOT) -> float:
    """Return a dot radius whose area is proportional to `customers` (of `most`), ≥ MIN_DOT."""
    top = max(min(limit, MAX_DOT), 1.0)
    if most <= 0 or customers <= 0:
        return min(MIN_DOT, top)
    return max(min(MIN_DOT, top), top * math.sqrt(customers / most))


def place_ring(ring: str, keys: Sequence[int], customers: Sequence[int], most: int) -> list[Dot]:
    """Return a dot per channel of `ring` (in the order of `keys`), inside the ring's annulus.

    Tracks are staggered by half a step so dots on neighbouring tracks do not line up.
    """
    inner, outer = RADII[ring]
    plan = track_plan(ring, len(keys))
    half_width = (outer - inner) / (2 * max(len(plan), 1))
    dots: list[Dot] = []
    for track, (radius, n) in enumerate(plan):
        step = 2 * math.pi / max(n, 1)
        limit = half_width - 2
        if n > 1:  # half the chord to the next dot on the track
            limit = min(limit, radius * math.sin(step / 2) - 2)
        for i in range(n):
            k = len(dots)
            angle = -math.pi / 2 + step * (i + 0.5 * (track % 2))
            dots.append(Dot(
                key=keys[k],
                x=round(CX + radius * math.cos(angle), 1),
                y=round(CY + radius * math.sin(angle), 1),
                r=round(dot_radius(customers[k], most, limit), 1),
                ring=ring,
            ))
    return dots


def place_untried(kinds: Sequence[str]) -> list[Label]:
    """Return a label per untried kind on a circle outside the outer ring, clockwise from top."""
    labels = []
    for i, kind in enumerate(kinds):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(kinds), 1)
        x = CX + UNTRIED_RADIUS * math.cos(angle)
        y = CY + UNTRIED_RADIUS * math.sin(angle)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.3 else "start" if cos > 0 else "end"
        labels.append(Label(kind, round(x, 1), round(y, 1), anchor))
    return labels
