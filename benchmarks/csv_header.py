"""Benchmark: checking the header of very wide CSV files stays linear in the column count.

`python -m benchmarks csv_header`. For 20k to 160k columns it times `map_header` (with
the column limit lifted, so the whole header is checked) against the reference of the same
run: the csv module splitting that header line. Linear checking keeps the ratio flat as the
width doubles (a quadratic check doubled its ratio at every step: 10 s at 20k columns, 56 s
at 40k). It also times the refusal of a 1.2 MB file of 200,000 columns with the defaults.
"""

import csv
import gc
import io
import time

from ingest.formats import FORMATS, FileError, map_header
from ingest.reading import check_line_lengths, read_chunks

WIDTHS = (20_000, 40_000, 80_000, 160_000)


def _best_of(runs: int, work: object) -> float:
    """Return the fastest of `runs` timings of calling `work()`, in seconds (no GC pauses)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(runs):
            started = time.perf_counter()
            work()  # type: ignore[operator]
            best = min(best, time.perf_counter() - started)
    finally:
        gc.enable()
    return best


def _check(header: list[str]) -> None:
    try:
        map_header(header, FORMATS["leads"], max_columns=len(header))
    except FileError:  # more attributes than a lead may have: found after the whole header
        pass


def main(argv: list[str] | None = None) -> None:
    """Print the header check's time against splitting the header, per width."""
    for width in WIDTHS:
        header = ["external_id", "channel", "created_at"] + [f"c{i}" for i in range(width)]
        line = ",".join(header)
        split = _best_of(5, lambda line=line: next(csv.reader([line])))
        check = _best_of(5, lambda header=header: _check(header))
        print(f"csv_header {width:,} columns: check {check * 1000:.1f} ms, "
              f"split {split * 1000:.1f} ms, ratio {check / split:.2f}")  # fmt: skip
    wide = ("external_id,channel,created_at," + ",".join("x" * 5 for _ in range(200_000)))
    stream = io.BytesIO(wide.encode())
    started = time.perf_counter()
    try:  # what the importer does first
        check_line_lengths(stream)
        read_chunks(stream, 10)
    except FileError as exc:
        message = exc.error.message
    refused = time.perf_counter() - started
    print(f"csv_header {len(wide) / 1e6:.1f} MB file of 200,000 columns refused in "
          f"{refused * 1000:.1f} ms: {message}")  # fmt: skip


if __name__ == "__main__":
    main()
