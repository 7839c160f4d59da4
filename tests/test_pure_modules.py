"""The pure core imports no web framework and no ORM (STYLE.md: layers)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("flask", "flask_htmx", "sqlmodel", "sqlalchemy", "apscheduler", "app")
# Modules that talk to the database (the query layer); everything else must be pure.
IO_MODULES = {"__init__", "models", "queries", "bulk", "aggregates", "report", "health_queries",
              "segment_queries"}
IO_MODULES |= {"importer", "import_sql", "bulk_writes", "exporter"}  # CSV import, export (issue 5)
IO_MODULES |= {"api_batches"}  # JSON API batch writes (issue 5)
IO_MODULES |= {"import_models"}  # web import jobs (issue 5)
PURE_MODULES = sorted(
    path
    for package in ("channels", "cohorts", "experiments")
    for path in (ROOT / package).glob("*.py")
    if path.stem not in IO_MODULES
)


def imported_roots(path: Path) -> set[str]:
    """Return the top-level package names a module imports."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_there_are_pure_modules_to_check() -> None:
    assert {p.stem for p in PURE_MODULES} >= {"weeks", "money", "kinds"}


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pure_module_imports_no_framework(path: Path) -> None:
    assert imported_roots(path).isdisjoint(FORBIDDEN)


def test_checker_catches_a_framework_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import numpy\nfrom flask import g\n")
    assert imported_roots(module) == {"numpy", "flask"}
