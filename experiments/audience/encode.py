"""One-hot encoding of lead attributes and the leakage guard (issue 18).

A categorical attribute becomes one indicator per value (its MAX_VALUES most frequent in the
fitting rows; rarer or unseen values have none) plus one for "(missing)". An attribute whose
non-missing values all read as numbers and take at least 3 distinct values is numeric: it
becomes cumulative indicators "≥ edge" (the distinct values when there are at most 10, else
the deciles rounded to 2 significant digits), so a single tree split reads "size ≥ 50".
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.audience.data import OUTCOME_NAMES, AudienceData, LeakageError

MAX_VALUES = 30
MISSING_TEXT = "(missing)"
LEAK_MIN_LEADS = 10  # leads per outcome before "values only for buyers" counts as a leak


def clean(values: np.ndarray) -> np.ndarray:
    """Return the values as a numpy str array, None → "" (missing)."""
    if values.dtype.kind == "U":
        return values
    as_text = np.frompyfunc(lambda v: "" if v is None else str(v), 1, 1)(values)
    return np.asarray(as_text, dtype=str)


def numbers(values: np.ndarray) -> np.ndarray | None:
    """Return the values as floats (NaN where missing), or None when some value is not numeric."""
    text = clean(values)
    present = text != ""
    out = np.full(text.shape, np.nan)
    try:
        out[present] = text[present].astype(np.float64)
    except ValueError:
        return None
    return out if np.isfinite(out[present]).all() else None


def fmt(x: float) -> str:
    """Return a number as short text: 50, 2.5, 1e+06."""
    return f"{x:g}"


@dataclass(frozen=True)
class Feature:
    """One 0/1 column: attribute = value ("eq"), attribute ≥ edge ("ge") or missing ("missing")."""

    attribute: str
    value: str  # the category, "≥ 50" for a threshold, or "(missing)"
    kind: str
    edge: float | None = None

    def text(self, holds: bool) -> str:
        """Return the rule text of this column being 1 (holds) or 0."""
        if self.kind == "ge":
            return f"{self.attribute} {'≥' if holds else '<'} {fmt(self.edge or 0.0)}"
        return f"{self.attribute} {'=' if holds else '≠'} {self.value}"

    def column(self, data: AudienceData) -> np.ndarray:
        """Return this column (bool) for every lead of data."""
        values = data.attributes[self.attribute]
        if self.kind == "ge":
            x = numbers(values)
            if x is None:
                raise ValueError(f"attribute {self.attribute!r} is no longer numeric")
            with np.errstate(invalid="ignore"):
                return np.asarray(x >= (self.edge or 0.0))
        text = clean(values)
        return np.asarray(text == ("" if self.kind == "missing" else self.value))


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
        """Return every column (bool) for the leads of data, reading each attribute once."""
        out: list[np.ndarray] = []
        cache: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        for f in self.features:
            if f.attribute not in cache:
                values = data.attributes[f.attribute]
                cache = {f.attribute: (clean(values), numbers(values) if f.kind == "ge" else None)}
            text, x = cache[f.attribute]
            if f.kind == "ge":
                if x is None:
                    raise ValueError(f"attribute {f.attribute!r} is no longer numeric")
                with np.errstate(invalid="ignore"):
                    out.append(np.asarray(x >= (f.edge or 0.0)))
            else:
                out.append(np.asarray(text == ("" if f.kind == "missing" else f.value)))
        return out

    def matrix(self, data: AudienceData) -> Any:
        """Return the n × len(features) 0/1 scipy.sparse CSR matrix (float64) of data."""
        from scipy import sparse

        rows = [np.flatnonzero(c) for c in self.columns(data)]
        if not rows:
            return sparse.csr_matrix((data.n, 0))
        cols = [np.full(r.size, j) for j, r in enumerate(rows)]
        r, c = np.concatenate(rows), np.concatenate(cols)
        return sparse.csr_matrix((np.ones(r.size), (r, c)), shape=(data.n, len(rows)))


def attribute_kind(values: np.ndarray) -> str:
    """Return "numeric" or "categorical" for an attribute's values (see module docstring)."""
    x = numbers(values)
    if x is None:
        return "categorical"
    return "numeric" if np.unique(x[~np.isnan(x)]).size >= 3 else "categorical"


def fit_encoder(data: AudienceData, rows: np.ndarray | None = None) -> Encoder:
    """Return the encoder of data's attributes as seen in `rows` (all leads when None)."""
    fitted = data if rows is None else data.subset(rows)
    features: list[Feature] = []
    for name in sorted(fitted.attributes):
        values = fitted.attributes[name]
        text = clean(values)
        if attribute_kind(values) == "numeric":
            x = numbers(values)
            assert x is not None
            edges = numeric_edges(x[~np.isnan(x)])
            features += [Feature(name, f"≥ {fmt(e)}", "ge", e) for e in edges]
        else:
            present = text[text != ""]
            uniques, counts = np.unique(present, return_counts=True)
            order = np.lexsort((uniques, -counts))[:MAX_VALUES]
            features += [Feature(name, str(uniques[i]), "eq") for i in order]
        if (text == "").any():
            features.append(Feature(name, MISSING_TEXT, "missing"))
    return Encoder(tuple(features))


def check_leakage(data: AudienceData, rows: np.ndarray | None = None) -> None:
    """Raise LeakageError for the first attribute that carries the outcome.

    An attribute leaks when (1) it is listed in data.post_creation; (2) its name (lower case,
    spaces as "_") is in OUTCOME_NAMES ("stage", "purchases", "revenue", ...); or (3), among
    the `rows` leads with at least LEAK_MIN_LEADS buyers and non-buyers, its values are present
    only for buyers, or every value's leads all bought or all did not (the value is the outcome).
    """
    fitted = data if rows is None else data.subset(rows)
    converted = fitted.converted.astype(bool)
    for name in sorted(fitted.attributes):
        if name in fitted.post_creation:
            raise LeakageError(name, "it is observed after the lead's creation")
        if name.strip().lower().replace(" ", "_") in OUTCOME_NAMES:
            raise LeakageError(name, "its name says it records the outcome")
        text = clean(fitted.attributes[name])
        present = text != ""
        buyers, others = present & converted, present & ~converted
        if converted.sum() < LEAK_MIN_LEADS or (~converted).sum() < LEAK_MIN_LEADS:
            continue
        if buyers.sum() >= LEAK_MIN_LEADS and not others.any():
            raise LeakageError(name, "it has values only for leads that bought")
        if buyers.sum() >= LEAK_MIN_LEADS and others.sum() >= LEAK_MIN_LEADS:
            bought = set(np.unique(text[buyers]).tolist())
            if bought.isdisjoint(np.unique(text[others]).tolist()):
                raise LeakageError(name, "its values tell buyers from non-buyers exactly")
