"""Operational limits read from the environment: defaults, overrides, clear refusals."""

import pytest

from app.config import from_environment


def test_segment_limits_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x")
    for name in ("SEGMENT_TOP_VALUES", "SEGMENT_MAX_VALUES", "SEGMENT_MAX_ATTRIBUTES",
                 "SEGMENT_EXACT_MAX_TABLE", "SEGMENT_EXACT_BUDGET"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment()
    assert [config[k] for k in ("SEGMENT_TOP_VALUES", "SEGMENT_MAX_VALUES",
                                "SEGMENT_MAX_ATTRIBUTES", "SEGMENT_EXACT_MAX_TABLE",
                                "SEGMENT_EXACT_BUDGET")] == [20, 1000, 25, 2500, 20000]
    monkeypatch.setenv("SEGMENT_TOP_VALUES", " 5 ")
    assert from_environment()["SEGMENT_TOP_VALUES"] == 5


@pytest.mark.parametrize("text", ["0", "-3", "ten", ""])
def test_a_bad_segment_limit_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("SEGMENT_MAX_VALUES", text)
    with pytest.raises(ValueError, match="SEGMENT_MAX_VALUES must be a whole number"):
        from_environment()
