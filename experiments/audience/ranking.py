"""Which attributes separate the best customers (A) from the worst (D) — issue 18.

Every attribute's values are counted per quality group among customers. A numeric attribute
is binned at the edges of experiments.audience.encode (its distinct values when there are at
most 10). The top-vs-bottom test runs on the value × {top, bottom} table: values whose
expected count is below 5 in either column are pooled into one row, and while some expected
count is still below 5 and more than two rows remain the two smallest rows are pooled; with
two rows left the table is the two-proportion test of experiments.proportions (z-test when every
expected count is ≥ 5, else Boschloo's/Fisher's exact test, as conversion tests do), with
more rows Pearson's chi-square test of independence (scipy's chi2_contingency, no
continuity correction). Effect size is Cramér's V of that table, √(χ² / N), which is what
attributes are ranked by (p-values only say whether a difference is real). p-values are
adjusted across the attributes (Holm, or Benjamini–Hochberg), as SPEC §4 requires.
"""

import numpy as np

from experiments.audience.data import AttributeSeparation, AudienceData, ValueCount
from experiments.audience.encode import (
    MAX_VALUES,
    MISSING_TEXT,
    attribute_kind,
    fmt,
    numeric_edges,
    present_values,
    unique_numbers,
)
from experiments.families import adjust_p_values
from experiments.proportions import conversion_test

OTHER = "(other values)"
MIN_EXPECTED = 5.0


def code_labels(data: AudienceData, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (codes, label per code) of attribute `name`: the category, a numeric bin or
    "(missing)"; label[codes] is each lead's label."""
    codes, uniques = data.factor(name)
    names = np.where(uniques == "", MISSING_TEXT, uniques).astype(object)
    if attribute_kind(data, name) == "numeric":
        x = unique_numbers(present_values(uniques, codes))
        assert x is not None
        present = ~np.isnan(x)
        lead_x = x[codes]
        lead_x = lead_x[~np.isnan(lead_x)]
        if np.unique(lead_x).size <= 10:
            names[present] = [fmt(v) for v in x[present]]
        else:
            edges = np.array(numeric_edges(lead_x))
            bins = [f"< {fmt(edges[0])}"]
            bins += [f"{fmt(a)} to < {fmt(b)}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
            bins.append(f"≥ {fmt(edges[-1])}")
            names[present] = np.array(bins, dtype=object)[
                np.searchsorted(edges, x[present], side="right")]
    return codes, names


def value_labels(data: AudienceData, name: str) -> np.ndarray:
    """Return each lead's label of attribute `name` (see code_labels)."""
    codes, names = code_labels(data, name)
    return np.asarray(names[codes])


def _group_order(labels: np.ndarray) -> list[str]:
    return sorted({str(v) for v in labels if v}, key=lambda s: (len(s), s))


def _value_counts(data: AudienceData, name: str, group_index: np.ndarray,
                  width: int) -> dict[str, np.ndarray]:
    """Return, per label of attribute `name` (see code_labels) some lead has, the leads with
    it in each group (`group_index`, 0..width − 1, per lead): counted on integer codes."""
    codes, names = code_labels(data, name)
    text, label_of_code = np.unique(names.astype(str), return_inverse=True)
    label = label_of_code.ravel()[codes]
    table = np.bincount(label * width + group_index, minlength=text.size * width)
    table = table.reshape(text.size, width)
    return {str(t): table[i] for i, t in enumerate(text) if table[i].sum() > 0}


def separation_test(table: np.ndarray) -> tuple[str, float | None, float, float] | None:
    """Return (test, statistic, p, Cramér's V) of a values × {top, bottom} count table.

    Rare values are pooled first (see the module docstring); None when fewer than two values
    or an empty column are left.
    """
    from scipy import stats

    table = table[table.sum(axis=1) > 0]
    columns = table.sum(axis=0)
    if table.shape[0] < 2 or (columns == 0).any():
        return None
    expected = np.outer(table.sum(axis=1), columns) / columns.sum()
    rare = expected.min(axis=1) < MIN_EXPECTED
    if rare.sum() >= 2 and (~rare).any():
        table = np.vstack([table[~rare], table[rare].sum(axis=0)])
    while table.shape[0] > 2 and (np.outer(table.sum(axis=1), columns) / columns.sum()).min() < (
            MIN_EXPECTED):
        order = np.argsort(table.sum(axis=1), kind="stable")  # pool the two smallest rows
        table = np.vstack([np.delete(table, order[:2], axis=0), table[order[:2]].sum(axis=0)])
    chi2 = float(stats.chi2_contingency(table, correction=False).statistic)
    v = float(np.sqrt(chi2 / table.sum()))
    if table.shape[0] == 2:
        n_top, n_bottom = (int(c) for c in columns)
        result = conversion_test(int(table[0, 0]), n_top, int(table[0, 1]), n_bottom)
        assert result is not None
        return result.name, result.statistic, result.p_value, v
    return "chi_square", chi2, float(stats.chi2.sf(chi2, table.shape[0] - 1)), v


def rank_attributes(data: AudienceData, labels: np.ndarray, top: str = "A", bottom: str = "D",
                    method: str = "holm") -> list[AttributeSeparation]:
    """Return every attribute's distribution by quality group and its top-vs-bottom test.

    `labels` are quality_quartiles' groups ("" for leads that are not customers). Sorted by
    Cramér's V, strongest first; untestable attributes last.
    """
    labels = np.asarray(labels, dtype=object)
    customers = labels != ""
    group_of = labels[customers]
    groups = _group_order(group_of)
    # Each customer's group as an index (len(groups): none), compared once, not per value.
    group_index = np.full(group_of.size, len(groups), np.int64)
    for i, g in enumerate(groups):
        group_index[group_of == g] = i
    totals = {g: int((group_index == i).sum()) for i, g in enumerate(groups)}
    found = []
    bought = data.subset(customers)
    for name in sorted(data.attributes):
        by_value = _value_counts(bought, name, group_index, len(groups) + 1)
        counts = np.array([c.sum() for c in by_value.values()], np.int64)
        uniques = np.array(list(by_value), dtype=str)
        order = np.lexsort((uniques, -counts))
        kept = [str(uniques[i]) for i in order]
        if len(kept) > MAX_VALUES:
            kept, rest = kept[: MAX_VALUES - 1], kept[MAX_VALUES - 1:]
            pooled = sum((by_value[v] for v in {*rest, OTHER} if v in by_value),
                         np.zeros(len(groups) + 1, np.int64))
            by_value = {**by_value, OTHER: pooled}  # OTHER read as a value joins the pool
            kept.append(OTHER)
        rows: list[ValueCount] = []
        for value in kept:
            counts_by = {g: int(by_value[value][i]) for i, g in enumerate(groups)}
            shares = {g: counts_by[g] / totals[g] if totals[g] else None for g in groups}
            rows.append(ValueCount(value, counts_by, shares))
        table = np.array([[r.counts.get(top, 0), r.counts.get(bottom, 0)] for r in rows])
        test = separation_test(table.reshape(-1, 2))
        found.append((name, rows, test))
    tested = [i for i, (_, _, t) in enumerate(found) if t is not None]
    adjusted = adjust_p_values([found[i][2][2] for i in tested], method)  # type: ignore[index]
    adjusted_of = dict(zip(tested, (float(a) for a in adjusted), strict=True))
    result = []
    for i, (name, rows, test) in enumerate(found):
        if test is None:
            result.append(AttributeSeparation(name, tuple(rows), None, None, None, None, None))
        else:
            kind, statistic, p, v = test
            result.append(
                AttributeSeparation(name, tuple(rows), kind, statistic, p, adjusted_of[i], v))
    return sorted(result, key=lambda r: (r.cramers_v is None, -(r.cramers_v or 0.0),
                                         r.p_value if r.p_value is not None else 1.0, r.attribute))
