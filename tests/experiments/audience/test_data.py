"""Importing the audience package stays light: scipy and scikit-learn load only to fit."""

import json
import subprocess
import sys


def test_importing_the_package_loads_neither_scipy_nor_sklearn() -> None:
    probe = ("import json, sys\nimport experiments.audience\n"
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules}"
             " & {'scipy', 'sklearn'})))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []
