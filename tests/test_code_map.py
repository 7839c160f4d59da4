"""The README's code map lists every package, nothing else, and the house stays readable."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ROOT_PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]
MAX_MODULES_PER_FOLDER = 15
MAX_MODULE_LINES = 320  # STYLE: "modules ≲ 300 lines"


def code_map_packages(readme: str) -> list[str]:
    """Return the package names of the README's code map table, in order."""
    section = readme.split("## Code map", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([\w.]+)` \|", section, flags=re.M)


def packages() -> set[str]:
    """Return every package (a folder with __init__.py) under the layered root packages."""
    found = set()
    for root in ROOT_PACKAGES:
        for init in (ROOT / root).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found


def test_code_map_lists_every_package_and_nothing_else() -> None:
    listed = code_map_packages(README)
    assert len(listed) == len(set(listed)), "a package is listed twice"
    assert set(listed) == packages()


def test_code_map_parser_reads_the_table() -> None:
    text = ("## Code map\n\n| package | what |\n|---|---|\n| `a` | x |\n| `a.b` | y |\n\n"
            "## Next\n| `c` | z |")
    assert code_map_packages(text) == ["a", "a.b"]


def test_folders_and_modules_stay_small() -> None:
    for package in packages():
        folder = ROOT / package.replace(".", "/")
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MAX_MODULES_PER_FOLDER, f"{package} holds {len(modules)} modules"
        for module in modules:
            lines = len(module.read_text(encoding="utf-8").splitlines())
            assert lines <= MAX_MODULE_LINES, f"{module.relative_to(ROOT)} has {lines} lines"


def test_tests_mirror_the_packages() -> None:
    """Every test folder but the browser's is named after a package it tests."""
    test_folders = {
        ".".join(p.parent.relative_to(ROOT / "tests").parts)
        for p in (ROOT / "tests").rglob("test_*.py")
        if p.parent != ROOT / "tests"
    }
    assert test_folders - {"browser"} <= packages()
