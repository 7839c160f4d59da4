"""The funnel and goals pages against the dashboard on the same demo database (issue 17).

Loads a demo database (50k leads by default, with stage histories and goals), then times
`/` (the dashboard, cold: results cache emptied), `/funnel/` (all channels) and `/goals/`
in process, as of the demo's end. The dashboard is the reference: the funnel reads every
lead once with window functions over its history, the goals page reads the daily series of
each goal scope; both should stay within a small multiple of the dashboard.

    python -m benchmarks funnel_goals [--leads 50000] [--requests 3]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.segments import AS_OF, Page, _prepare


def _median(page: Page, url: str, requests: int) -> float:
    """Return the median seconds of `requests` GETs of `url` with an empty results cache."""
    samples = []
    for _ in range(requests):
        page.app.extensions.pop("metrics_cache", None)
        started = time.perf_counter()
        response = page.client.get(url)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print each page's median time and its ratio to the dashboard."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50000)
    parser.add_argument("--requests", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        page = Page(_prepare(Path(tmp), args.leads))
        reference = _median(page, f"/?as_of={AS_OF}", args.requests)
        print(f"{args.leads:,} demo leads (SQLite), cold pages, median of {args.requests}:")
        print(f"  reference: dashboard  {reference:6.2f} s")
        for name, url in (("funnel   ", f"/funnel/?as_of={AS_OF}"),
                          ("goals    ", f"/goals/?as_of={AS_OF}")):
            seconds = _median(page, url, args.requests)
            print(f"  {name}            {seconds:6.2f} s = {seconds / reference:.2f}× reference")


if __name__ == "__main__":
    main()
