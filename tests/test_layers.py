"""The pure core loads no web framework, ORM or scheduler when imported, at run time too.

`lint-imports` (in `make test`) checks the contracts of pyproject.toml statically; this test
imports each module the "pure-core" contract names in a fresh interpreter and looks at what
actually got loaded, which also catches imports made by code at import time. Modules inside
`app` are checked statically only: importing any of them runs `app/__init__.py`, the Flask
factory.
"""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]
PURE = next(c for c in CONTRACTS if c["id"] == "pure-core")


def pure_modules() -> list[str]:
    """Return the domain modules the pure-core contract covers, packages expanded."""
    modules = []
    for name in PURE["source_modules"]:
        if name.split(".")[0] == "app":
            continue
        folder = ROOT / name.replace(".", "/")
        if folder.is_dir():
            modules += [f"{name}.{p.stem}" for p in sorted(folder.glob("*.py"))
                        if p.stem != "__init__"]
        else:
            modules.append(name)
    return modules


def test_pure_core_covers_the_shared_kernel_and_the_statistics() -> None:
    assert {"kernel.money", "kernel.weeks", "experiments.stats", "cohorts.triangle"} <= set(
        pure_modules())


@pytest.mark.parametrize("module", pure_modules())
def test_importing_a_pure_module_loads_no_framework(module: str) -> None:
    forbidden = sorted(PURE["forbidden_modules"])
    probe = (f"import importlib, sys; importlib.import_module({module!r}); "
             f"print(sorted(m for m in {forbidden!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


DOMAIN_PACKAGES = ("kernel", "channels", "cohorts", "experiments", "ingest", "demo")
DATABASE_LIBRARIES = {"sqlalchemy", "sqlmodel", "psycopg", "alembic"}


def _imported_roots(path: Path) -> set[str]:
    """Return the top-level names a module imports (absolute imports only)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _covered_by_pure_contract(module: str) -> bool:
    return any(module == name or module.startswith(name + ".")
               for name in PURE["source_modules"])


def test_every_domain_module_without_a_database_import_is_held_pure() -> None:
    """A new pure module is covered by the pure-core contract, not silently left out of it."""
    unlisted = []
    for package in DOMAIN_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.with_suffix("").relative_to(ROOT).parts)
            if path.stem == "__init__" or _covered_by_pure_contract(module):
                continue
            if not _imported_roots(path) & DATABASE_LIBRARIES:
                unlisted.append(module)
    assert unlisted == [], "add these to the pure-core contract in pyproject.toml"
