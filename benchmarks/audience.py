"""The audience fit (issue 18) on the 1M-lead demo: everything the fit worker computes.

The demo is generated in memory (`demo.generator`, with its planted audience) and turned
into `AudienceData` as the loader returns it (attributes, grade at creation, revenue ×
margin to date), so the figure is the statistics alone, without the database read.
Timed, best of `--repeats`:

- fit: `app.results.audience_fit.analyse` — quartiles and deciles, both attribute rankings,
  the lead score, both cross-validated segment trees with each node's best leads, the
  held-out lift of every scheme, each channel's audience and the call list (target ≤ 10 s
  on the 2-core machine);
- reference: 50 gradient steps of a plain numpy logistic regression on the same leads'
  one-hot attributes; the fit's ratio to it is printed so the figure compares across
  machines.

    python -m benchmarks audience [--leads 1000000] [--repeats 1]
"""

import argparse
import json
import time
from datetime import date

import numpy as np

from app.results.audience import TreeSettings
from app.results.audience_fit import analyse
from cohorts.as_of import AsOf
from demo.generator import GRADE_NAMES, DemoDataset, generate
from experiments.audience import AudienceData

END = date(2026, 11, 22)


class _Settings:
    mature_weeks = 4
    account_quality = "revenue_margin"


def audience_data(data: DemoDataset, margin: float = 0.8) -> AudienceData:
    """Return the demo's leads as the loader would read them from its database."""
    attributes = [json.loads(text) for text in data.attribute_json]
    keys = sorted({k for a in attributes for k in a})
    table = {k: np.array([str(a.get(k, "")) for a in attributes], dtype=str) for k in keys}
    columns = {k: v[data.lead_attributes] for k, v in table.items()}
    grades = np.array([*GRADE_NAMES, ""], dtype=str)
    columns["grade"] = grades[data.lead_grade]  # -1: no grade
    n = data.lead_channel.size
    revenue = np.bincount(data.purchase_lead, weights=data.purchase_amount_minor, minlength=n)
    bought = np.bincount(data.purchase_lead[data.purchase_amount_minor > 0], minlength=n) > 0
    return AudienceData(
        lead_ids=np.arange(1, n + 1, dtype=np.int64), channel_ids=data.lead_channel + 1,
        cohort_weeks=data.lead_cohort_week.astype("datetime64[D]"), attributes=columns,
        converted=bought, quality=np.where(bought, revenue / 100 * margin, np.nan))


def logistic_reference(data: AudienceData, steps: int = 50) -> float:
    """Return the seconds of `steps` gradient steps of a plain logistic fit (the reference)."""
    start = time.perf_counter()
    blocks = []
    for values in data.attributes.values():
        _, codes = np.unique(values.astype(str), return_inverse=True)
        blocks.append(np.eye(codes.max() + 1, dtype=np.float32)[codes])
    x = np.hstack(blocks)
    y = data.converted.astype(np.float32)
    w = np.zeros(x.shape[1], np.float32)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        w -= 0.5 * (x.T @ (p - y)) / y.size
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks audience")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    import scipy.stats  # noqa: F401  (imported once per worker process, not per fit)
    import sklearn.tree  # noqa: F401

    made = time.perf_counter()
    data = audience_data(generate(leads=args.leads, seed=7, weeks=104, end=END))
    print(f"audience: {data.n:,} leads, {int(data.converted.sum()):,} customers "
          f"(generated in {time.perf_counter() - made:.1f} s)")
    fits = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        payload, _, scores = analyse(data, settings=_Settings(), tree=TreeSettings(),
                                     today=AsOf(END), progress=lambda share: None)
        fits.append(time.perf_counter() - start)
    reference = min(logistic_reference(data) for _ in range(args.repeats))
    best = min(fits)
    score = next(s for s in payload["lift"] if s["kind"] == "score")
    print(f"  fit        {best:6.2f} s  (target ≤ 10 s)  {'OK' if best <= 10 else 'SLOW'}")
    print(f"  reference  {reference:6.2f} s  (50 plain numpy logistic steps)")
    print(f"  ratio      {best / reference:6.2f} × the reference")
    print(f"  lead score catches {score['top_share']:.0%} of held-out A customers in its "
          f"top 25 %; {np.isfinite(scores).sum():,} leads scored")
