"""Layouts of the audience page's charts (issue 18): the segment tree and the lift chart.

Pure: the stored fit's JSON in, pixel positions out; the template draws the SVG. The tree is
laid out top-down, each leaf taking an equal slot of the width and each inner node centred
over its children. The lift chart plots the share of the real top-quartile customers caught
(y) against the share of leads taken in the scheme's order (x), with the diagonal of no
skill and the perfect curve.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.charts.svg import Box, Scale, colour, fmt, percent_label

NODE_W, NODE_H, LEVEL_H, GAP = 176, 86, 128, 12


@dataclass(frozen=True)
class DrawnNode:
    """A tree node's box (top-left x, y) with its lines of text and where it links."""

    path: str  # "0", "0.1", … (child indexes from the root)
    x: float
    y: float
    rule: str
    lines: tuple[str, ...]
    conditions: tuple[tuple[str, str, bool], ...]  # (attribute, value, equals)
    leaf: bool


@dataclass(frozen=True)
class TreeDrawing:
    """The tree laid out: its size, node boxes and the edges between them (x1 y1 x2 y2)."""

    width: int
    height: int
    nodes: tuple[DrawnNode, ...]
    edges: tuple[tuple[float, float, float, float], ...]
    node_w: int = NODE_W
    node_h: int = NODE_H


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _leaves(node: dict[str, Any]) -> int:
    children = node.get("children") or []
    return max(1, sum(_leaves(c) for c in children))


def _depth(node: dict[str, Any]) -> int:
    children = node.get("children") or []
    return 1 + max((_depth(c) for c in children), default=0)


def _conditions(node: dict[str, Any]) -> tuple[tuple[str, str, bool], ...]:
    return tuple((str(c[0]), str(c[1]), bool(c[2])) for c in node.get("conditions") or [])


def tree_drawing(root: dict[str, Any]) -> TreeDrawing:
    """Lay out a stored segment tree (the JSON of app.results.audience_fit.node_json)."""
    width = _leaves(root) * (NODE_W + GAP) + GAP
    height = _depth(root) * LEVEL_H - (LEVEL_H - NODE_H) + 2 * GAP
    nodes: list[DrawnNode] = []
    edges: list[tuple[float, float, float, float]] = []

    def place(node: dict[str, Any], path: str, level: int, first_leaf: int) -> float:
        children = node.get("children") or []
        if children:
            centres, leaf = [], first_leaf
            for i, child in enumerate(children):
                centres.append(place(child, f"{path}.{i}", level + 1, leaf))
                leaf += _leaves(child)
            centre = (centres[0] + centres[-1]) / 2
        else:
            centre = GAP + first_leaf * (NODE_W + GAP) + NODE_W / 2
        y = GAP + level * LEVEL_H
        for c in centres if children else []:
            edges.append((round(centre, 1), y + NODE_H, round(c, 1), y + LEVEL_H))
        lines = (f"{node['leads']:,} leads · {_percent(node.get('conversion'))} conv.",
                 f"mean quality {_money(node.get('mean_quality'))}",
                 f"A share {_percent(node.get('a_share'))}")
        nodes.append(DrawnNode(path, round(centre - NODE_W / 2, 1), y,
                               str(node.get("rule") or "All leads"), lines,
                               _conditions(node), not children))
        return centre

    place(root, "0", 0, 0)
    nodes.sort(key=lambda n: n.path)
    return TreeDrawing(width, height, tuple(nodes), tuple(edges))


def find_node(root: dict[str, Any], path: str) -> dict[str, Any] | None:
    """Return the node at `path` ("0", "0.1", …) of a stored tree, or None."""
    parts = path.split(".")
    if not parts or parts[0] != "0":
        return None
    node = root
    for part in parts[1:]:
        children = node.get("children") or []
        if not part.isdigit() or int(part) >= len(children):
            return None
        node = children[int(part)]
    return node


@dataclass(frozen=True)
class LiftLine:
    """A drawn curve of the lift chart."""

    label: str
    colour: str
    path: str
    dashed: bool = False


@dataclass(frozen=True)
class LiftChart:
    """The lift chart laid out: box, ticks (both axes in shares) and curves."""

    box: Box
    ticks: tuple[tuple[float, str], ...]  # at x (for the x axis) / y (same shares)
    y_ticks: tuple[tuple[float, str], ...]
    lines: tuple[LiftLine, ...]


def _path(xs: Sequence[float], ys: Sequence[float], x: Scale, y: Scale) -> str:
    points = [f"{fmt(x(a))},{fmt(y(b))}" for a, b in zip(xs, ys, strict=True)]
    return "M" + " L".join(points) if points else ""


def lift_chart(schemes: Sequence[dict[str, Any]], perfect: dict[str, Any] | None,
               width: int = 560, height: int = 320) -> LiftChart:
    """Lay out each scheme's curve ({"scheme", "x", "y"}), the diagonal and the perfect curve."""
    box = Box(width, height, left=48, top=12, right=width - 14, bottom=height - 40)
    x = Scale(0.0, 1.0, box.left, box.right)
    y = Scale(0.0, 1.0, box.bottom, box.top)
    shares = [0.0, 0.25, 0.5, 0.75, 1.0]
    lines = [LiftLine("No skill (diagonal)", "#7a7a7a", _path([0, 1], [0, 1], x, y), True)]
    if perfect is not None:
        lines.append(LiftLine("Perfect", "#1e1e1e", _path(perfect["x"], perfect["y"], x, y), True))
    lines += [LiftLine(str(s["scheme"]), colour(i), _path(s["x"], s["y"], x, y))
              for i, s in enumerate(schemes)]
    return LiftChart(box, tuple((round(x(v), 1), percent_label(v)) for v in shares),
                     tuple((round(y(v), 1), percent_label(v)) for v in shares), tuple(lines))
