"""How statistics read as text, the same on every page, in the API and in the email (pure)."""

import math


def format_p(p: float | None) -> str:
    """Return a p-value as people read it: "p < 0.001", else "p = " with two significant digits.

    Never "p = 0.000": a p-value that rounds to zero is below 0.001. None (no test) gives "—".
    """
    if p is None or math.isnan(p):
        return "—"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {min(p, 1.0):.2g}"


def format_chance(probability: float | None) -> str:
    """Return a probability as a percentage capped at "> 99.9 %" and "< 0.1 %" ("—" if None).

    A posterior probability is never exactly 0 or 1, so "100.0 %" would overstate it.
    """
    if probability is None or math.isnan(probability):
        return "—"
    if probability > 0.999:
        return "> 99.9 %"
    if probability < 0.001:
        return "< 0.1 %"
    return f"{probability * 100:.1f} %"
