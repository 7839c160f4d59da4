"""Boschloo's exact test: the vectorised implementation against scipy.stats.boschloo_exact.

Prints, per size, both times, the ratio and the largest difference of the p-values, then
the vectorised test alone at the sizes where compare switches to Fisher's test.
`python -m benchmarks boschloo [-- --sizes 100 250 500]`.
"""

import argparse
import time

from scipy import stats

from experiments.boschloo import boschloo_p_value
from experiments.proportions import boschloo_fits


def _timed(vectorised: bool, x_a: int, n_a: int, x_b: int, n_b: int) -> tuple[float, float]:
    """Return (seconds, p-value) of one two-sided test, ours or scipy's."""
    start = time.perf_counter()
    if vectorised:
        p = boschloo_p_value(x_a, n_a, x_b, n_b)
    else:
        p = float(stats.boschloo_exact([[x_a, x_b], [n_a - x_a, n_b - x_b]]).pvalue)
    return time.perf_counter() - start, p


def main(argv: list[str] | None = None) -> None:
    """Print vectorised vs scipy times for tables of n leads per arm with few customers."""
    parser = argparse.ArgumentParser(prog="boschloo")
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 250, 500])
    args = parser.parse_args(argv)
    _timed(True, 1, 10, 4, 10)  # load scipy's modules before timing either side
    _timed(False, 1, 10, 4, 10)
    print("leads/arm  table      vectorised   scipy      ratio   |Δp|")
    for n in args.sizes:
        x_a, x_b = max(1, n // 100), max(4, n // 25)
        ours, p = _timed(True, x_a, n, x_b, n)
        theirs, q = _timed(False, x_a, n, x_b, n)
        print(f"{n:>9}  {x_a}/{n} vs {x_b}/{n}  {ours:8.2f} s  {theirs:8.2f} s  "
              f"{theirs / ours:5.1f}×  {abs(p - q):.1e}")
    for n in (500, 501, 1000, 2000):
        seconds, _ = _timed(True, 2, n, 9, n)
        used = "Boschloo" if boschloo_fits(n, n) else "Fisher (too slow for a request)"
        print(f"{n:>9}  vectorised alone {seconds:6.2f} s; compare uses {used}")


if __name__ == "__main__":
    main()
