"""The package list of pyproject.toml ships every package of the code (a wheel misses the rest)."""

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = ("app", "channels", "cohorts", "experiments", "ingest", "demo", "kernel")


def _packages_on_disk() -> set[str]:
    found = set()
    for top in TOP_LEVEL:
        for init in (ROOT / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found


def test_every_package_on_disk_is_shipped() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = set(find_packages(where=str(ROOT), include=include))
    on_disk = _packages_on_disk()
    assert {"cohorts.ltv", "experiments.funnel", "app.views.admin"} <= on_disk
    assert on_disk - shipped == set()
    assert shipped - on_disk == set()
