"""Importing the audience package stays light: scipy and scikit-learn load only to fit.
Attributes become integer codes: "" (missing) is code 0, then the values in sorted order."""

import json
import subprocess
import sys

import numpy as np

from experiments.audience import AudienceData


def test_importing_the_package_loads_neither_scipy_nor_sklearn() -> None:
    probe = ("import json, sys\nimport experiments.audience\n"
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules}"
             " & {'scipy', 'sklearn'})))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


def _leads(values: np.ndarray) -> AudienceData:
    n = values.size
    return AudienceData(np.arange(n), np.ones(n, np.int64),
                        np.full(n, np.datetime64("2026-01-05"), "datetime64[D]"),
                        {"x": values}, np.zeros(n, bool), np.full(n, np.nan))


def test_factor_codes_missing_as_zero_then_sorted_values_and_merges_equal_text() -> None:
    codes, uniques = _leads(np.array(["b", None, 1, "a", "", "1", "b"], dtype=object)).factor("x")
    assert uniques.tolist() == ["", "1", "a", "b"]  # 1 and "1" read the same: one code
    assert codes.tolist() == [3, 0, 1, 2, 0, 1, 3]
    codes, uniques = _leads(np.array(["west", "east", "west"])).factor("x")
    assert uniques.tolist() == ["", "east", "west"]  # "" keeps code 0 though nobody misses it
    assert codes.tolist() == [2, 1, 2]
    part = _leads(np.array(["west", "east", "west"])).subset(np.array([False, True, True]))
    assert part.factor("x")[0].tolist() == [1, 2]  # a subset inherits its parent's codes
    assert part.attributes["x"].tolist() == ["east", "west"]
