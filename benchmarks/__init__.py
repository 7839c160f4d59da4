"""Benchmarks: `python -m benchmarks` runs them all, `python -m benchmarks NAME …` some.

Each module of this package is one benchmark with `main(argv: list[str] | None = None)`, which
prints one line per measurement: seconds, the target and the ratio to it.
"""
