"""Run the benchmarks: `python -m benchmarks [NAME …] [-- ARGS …]` (default: all of them)."""

import importlib
import pkgutil
import sys
from pathlib import Path


def benchmark_names() -> list[str]:
    """Return the names of the benchmark modules in this folder, sorted."""
    folder = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none is named), passing the args after `--`."""
    split = argv.index("--") if "--" in argv else len(argv)
    names, args = argv[:split], argv[split + 1 :]
    available = benchmark_names()
    unknown = sorted(set(names) - set(available))
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    for name in names or available:
        module = importlib.import_module(f"benchmarks.{name}")
        module.main(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
