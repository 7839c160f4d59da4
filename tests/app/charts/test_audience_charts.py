"""Layouts of the audience page's segment tree and lift chart (pure, hand-computed)."""

from app.charts.audience import (
    GAP,
    LEVEL_H,
    NODE_W,
    find_node,
    lift_chart,
    tree_drawing,
)


def _node(rule: str, children: list[dict] | None = None) -> dict:  # type: ignore[type-arg]
    return {"rule": rule, "conditions": [], "leads": 1200, "customers": 60,
            "conversion": 0.05, "mean_quality": 1234.5, "a_share": None,
            "children": children or []}


TREE = _node("All leads", [_node("industry ≠ SaaS"),
                           _node("industry = SaaS", [_node("size < 50"), _node("size ≥ 50")])])


def test_leaves_take_equal_slots_and_parents_centre_over_children() -> None:
    drawing = tree_drawing(TREE)
    assert drawing.width == 3 * (NODE_W + GAP) + GAP  # three leaves
    assert drawing.height == 3 * LEVEL_H - (LEVEL_H - 86) + 2 * GAP
    x = {n.path: n.x + NODE_W / 2 for n in drawing.nodes}
    assert x["0.0"] == GAP + NODE_W / 2
    assert x["0.1.0"] == GAP + (NODE_W + GAP) + NODE_W / 2
    assert x["0.1"] == (x["0.1.0"] + x["0.1.1"]) / 2
    assert x["0"] == (x["0.0"] + x["0.1"]) / 2
    assert len(drawing.edges) == 4
    root = next(n for n in drawing.nodes if n.path == "0")
    # an undefined share reads "—", never 0 %
    assert root.lines == ("1,200 leads · 5.0 % conv.", "mean quality 1,234", "A share —")
    assert [n.leaf for n in drawing.nodes] == [False, True, False, True, True]


def test_find_node_by_path() -> None:
    assert find_node(TREE, "0.1.1")["rule"] == "size ≥ 50"  # type: ignore[index]
    assert find_node(TREE, "0") is TREE
    for bad in ("", "1", "0.2", "0.x", "0.0.0"):
        assert find_node(TREE, bad) is None


def test_lift_chart_draws_the_diagonal_perfect_and_each_scheme() -> None:
    schemes = [{"scheme": "Lead score", "x": [0.0, 0.5, 1.0], "y": [0.0, 0.9, 1.0]}]
    chart = lift_chart(schemes, {"x": [0.0, 0.25, 1.0], "y": [0.0, 1.0, 1.0]}, width=148,
                       height=140)
    box = chart.box  # plot from x 48 to 134, y 12 to 100
    assert (box.left, box.right, box.top, box.bottom) == (48, 134, 12, 100)
    labels = [line.label for line in chart.lines]
    assert labels == ["No skill (diagonal)", "Perfect", "Lead score"]
    assert chart.lines[0].path == "M48,100 L134,12"
    assert chart.lines[1].path == "M48,100 L69.5,12 L134,12"
    assert chart.lines[2].path == "M48,100 L91,20.8 L134,12"
    assert [t[1] for t in chart.ticks] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert lift_chart(schemes, None).lines[1].label == "Lead score"  # no perfect curve
