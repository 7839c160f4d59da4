"""One format for p-values and chances on every page, in the API text and in the email."""

import math

import pytest

from kernel.numbers import format_chance, format_p


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0, "p < 0.001"),
        (0.0004, "p < 0.001"),
        (0.000999, "p < 0.001"),
        (0.001, "p = 0.001"),
        (0.0123, "p = 0.012"),
        (0.049, "p = 0.049"),
        (0.5, "p = 0.5"),
        (1.0, "p = 1"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_format_p_never_reads_zero(p: float | None, text: str) -> None:
    assert format_p(p) == text


@pytest.mark.parametrize(
    ("probability", "text"),
    [
        (1.0, "> 99.9 %"),
        (0.99995, "> 99.9 %"),
        (0.999, "99.9 %"),
        (0.5, "50.0 %"),
        (0.0009, "< 0.1 %"),
        (0.0, "< 0.1 %"),
        (None, "—"),
    ],
)
def test_format_chance_caps_what_it_cannot_claim(probability: float | None, text: str) -> None:
    assert format_chance(probability) == text
