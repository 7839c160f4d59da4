"""One-hot encoding of lead attributes and the leakage guard (issue 18).

A categorical attribute becomes one indicator per value (its MAX_VALUES most frequent in the
fitting rows with at least MIN_COUNT leads; rarer or unseen values have none) plus one for
"(missing)". An attribute whose
non-missing values all read as numbers and take at least 3 distinct values is numeric: it
becomes cumulative indicators "≥ edge" (the distinct values when there are at most 10, else
the deciles rounded to 2 significant digits), so a single tree split reads "size ≥ 50".
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.audience.data import OUTCOME_NAMES, AudienceData, LeakageError

MAX_VALUES = 30
MIN_COUNT = 5  # fitting leads a value needs to get its own column
MISSING_TEXT = "(missing)"
LEAK_MIN_LEADS = 10  # leads per outcome before "values only for buyers" counts as a leak


def clean(values: np.ndarray) -> np.ndarray:
    """Return the values as a numpy str array, None → "" (missing); for a few values."""
    if values.dtype.kind == "U":
        return values
    as_text = np.frompyfunc(lambda v: "" if v is None else str(v), 1, 1)(values)
    return np.asarray(as_text, dtype=str)


def unique_numbers(uniques: np.ndarray) -> np.ndarray | None:
    """Return distinct values as floats (NaN for ""), or None when one is not a finite number."""
    out = np.full(len(uniques), np.nan)
    for i, text in enumerate(uniques):
        if text != "":
            try:
                out[i] = float(text)
            except ValueError:
                return None
    return out if np.isfinite(out[np.array([u != "" for u in uniques], bool)]).all() else None


def numbers(data: AudienceData, name: str) -> np.ndarray | None:
    """Return attribute `name` of every lead as a float (NaN where missing), or None if some
    value is not numeric."""
    codes, uniques = data.factor(name)
    x = unique_numbers(present_values(uniques, codes))
    return None if x is None else x[codes]


def present_values(uniques: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Return uniques with the values no lead has (left from a parent's codes) blanked out."""
    keep = np.bincount(codes, minlength=len(uniques)) > 0
    return np.where(keep, uniques, "")


def fmt(x: float) -> str:
    """Return a number as short, exact text: 50, 2.5, 1200000 (node_mask reads it back)."""
    return f"{x:.15g}"


@dataclass(frozen=True)
class Feature:
    """One 0/1 column: attribute = value ("eq"), attribute ≥ edge ("ge") or missing ("missing")."""

    attribute: str
    value: str  # the category, "≥ 50" for a threshold, or "(missing)"
    kind: str
    edge: float | None = None
    has_missing: bool = False  # some leads lack the attribute (they fail "≥ edge")

    def text(self, holds: bool) -> str:
        """Return the rule text of this column being 1 (holds) or 0."""
        if self.kind == "ge":
            if holds:
                return f"{self.attribute} ≥ {fmt(self.edge or 0.0)}"
            missing = " or missing" if self.has_missing else ""
            return f"{self.attribute} < {fmt(self.edge or 0.0)}{missing}"
        return f"{self.attribute} {'=' if holds else '≠'} {self.value}"

    def column(self, data: AudienceData) -> np.ndarray:
        """Return this column (bool) for every lead of data."""
        codes, _ = data.factor(self.attribute)
        return np.asarray(self.by_code(data)[codes])

    def by_code(self, data: AudienceData) -> np.ndarray:
        """Return this column (bool) per code of data.factor(attribute): column = by_code[codes]."""
        codes, uniques = data.factor(self.attribute)
        if self.kind == "ge":
            x = unique_numbers(present_values(uniques, codes))
            if x is None:
                raise ValueError(f"attribute {self.attribute!r} is no longer numeric")
            with np.errstate(invalid="ignore"):
                return np.asarray(x >= (self.edge or 0.0))
        wanted = "" if self.kind == "missing" else self.value
        return np.asarray(uniques == wanted)


def numeric_edges(x: np.ndarray) -> tuple[float, ...]:
    """Return the threshold edges of a numeric attribute's non-missing values x."""
    distinct = np.unique(x)
    if distinct.size <= 10:
        return tuple(float(v) for v in distinct[1:])
    deciles = np.quantile(x, np.linspace(0.1, 0.9, 9))
    rounded = [float(f"{d:.2g}") for d in deciles]
    return tuple(sorted({e for e in rounded if distinct[0] < e <= distinct[-1]}))


@dataclass(frozen=True)
class Encoder:
    """The columns of the one-hot matrix, fitted on some leads and applicable to any."""

    features: tuple[Feature, ...]

    def columns(self, data: AudienceData) -> list[np.ndarray]:
        """Return every column (bool) for the leads of data."""
        return [f.column(data) for f in self.features]

    def matrix(self, data: AudienceData) -> Any:
        """Return the n × len(features) 0/1 scipy.sparse CSR matrix (float64) of data."""
        from scipy import sparse

        rows = [np.flatnonzero(c) for c in self.columns(data)]
        if not rows:
            return sparse.csr_matrix((data.n, 0))
        cols = [np.full(r.size, j) for j, r in enumerate(rows)]
        r, c = np.concatenate(rows), np.concatenate(cols)
        return sparse.csr_matrix((np.ones(r.size), (r, c)), shape=(data.n, len(rows)))


def attribute_kind(data: AudienceData, name: str) -> str:
    """Return "numeric" or "categorical" for an attribute (see the module docstring)."""
    x = numbers(data, name)
    if x is None:
        return "categorical"
    return "numeric" if np.unique(x[~np.isnan(x)]).size >= 3 else "categorical"


def fit_encoder(data: AudienceData, rows: np.ndarray | None = None) -> Encoder:
    """Return the encoder of data's attributes as seen in `rows` (all leads when None)."""
    fitted = data if rows is None else data.subset(rows)
    features: list[Feature] = []
    for name in sorted(fitted.attributes):
        codes, uniques = fitted.factor(name)
        if attribute_kind(fitted, name) == "numeric":
            x = numbers(fitted, name)
            assert x is not None
            edges = numeric_edges(x[~np.isnan(x)])
            gaps = bool((codes == 0).any())
            features += [Feature(name, f"≥ {fmt(e)}", "ge", e, gaps) for e in edges]
        else:
            counts = np.bincount(codes, minlength=len(uniques))
            counts[0] = 0  # code 0 is "" (missing), encoded below
            order = np.lexsort((uniques.astype(str), -counts))
            kept = [i for i in order if counts[i] >= MIN_COUNT][:MAX_VALUES]
            features += [Feature(name, str(uniques[i]), "eq") for i in kept]
        if (codes == 0).any():
            features.append(Feature(name, MISSING_TEXT, "missing"))
    return Encoder(tuple(features))


def check_leakage(data: AudienceData, rows: np.ndarray | None = None) -> None:
    """Raise LeakageError for the first attribute that carries the outcome.

    An attribute leaks when (1) it is listed in data.post_creation; (2) its name (lower case,
    spaces as "_") is in OUTCOME_NAMES ("stage", "purchases", "revenue", ...); or (3), among
    the `rows` leads with at least LEAK_MIN_LEADS buyers and non-buyers, its values are present
    only for buyers, or no value is shared by buyers and non-buyers (the value is the outcome)
    while values repeat (leads per value ≥ 2 on average: an identifier such as a company name
    is unique per lead, so trivially unshared, and is no leak).
    """
    fitted = data if rows is None else data.subset(rows)
    converted = fitted.converted.astype(bool)
    for name in sorted(fitted.attributes):
        if name in fitted.post_creation:
            raise LeakageError(name, "it is observed after the lead's creation")
        if name.strip().lower().replace(" ", "_") in OUTCOME_NAMES:
            raise LeakageError(name, "its name says it records the outcome")
        if converted.sum() < LEAK_MIN_LEADS or (~converted).sum() < LEAK_MIN_LEADS:
            continue
        codes, uniques = fitted.factor(name)
        present = codes != 0
        buyers, others = present & converted, present & ~converted
        if buyers.sum() >= LEAK_MIN_LEADS and not others.any():
            raise LeakageError(name, "it has values only for leads that bought")
        # Leads per code among buyers and non-buyers (counting, not np.unique: codes are few).
        of_buyers = np.bincount(codes[buyers], minlength=len(uniques))
        of_others = np.bincount(codes[others], minlength=len(uniques))
        distinct = int(np.count_nonzero(of_buyers + of_others))
        repeated = 2 * distinct <= present.sum()  # not an identifier
        if buyers.sum() >= LEAK_MIN_LEADS and others.sum() >= LEAK_MIN_LEADS and repeated:
            if not ((of_buyers > 0) & (of_others > 0)).any():
                raise LeakageError(name, "its values tell buyers from non-buyers exactly")
