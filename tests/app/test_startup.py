"""Starting the app stays fast: every `flask` command builds it, so no heavy import on that path.

scipy alone took about a second; the statistics import it inside the functions that use it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments import proportions

HEAVY = ("scipy", "statsmodels", "pandas", "sklearn")
PROBE = (
    "import json, sys\n"
    "import app\n"
    "app.create_app()\n"
    f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
)


def test_create_app_imports_no_heavy_module(tmp_path: Path) -> None:
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bullseye.db'}",
        "SECRET_KEY": "test-secret",
        "BULLSEYE_INSTANCE": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_z95_is_the_normal_quantile_that_scipy_computes() -> None:
    from scipy import stats

    assert proportions.Z95 == pytest.approx(float(stats.norm.ppf(0.975)), abs=1e-15)
