"""The "all channels" conversion matrix: homogeneity test, then corrected pairwise tests (§4)."""

from dataclasses import dataclass

from experiments.families import chi_square_homogeneity, pairwise_conversion
from experiments.proportions import TestResult


@dataclass(frozen=True)
class MatrixGroup:
    """One channel of the matrix: id, name, leads, customers and whether it has enough leads."""

    id: int
    name: str
    leads: int
    customers: int
    enough_data: bool

    @property
    def conversion(self) -> float | None:
        """Return customers / leads; None without leads."""
        return self.customers / self.leads if self.leads else None


@dataclass(frozen=True)
class MatrixCell:
    """Row group (B) against column group (A): B − A, the test and its corrected p-value."""

    row: MatrixGroup
    column: MatrixGroup
    difference: float | None
    test: str | None
    p_value: float | None
    adjusted_p: float | None
    significant: bool


@dataclass(frozen=True)
class ConversionMatrix:
    """Groups, the chi-square homogeneity test and a square grid of cells (diagonal: None)."""

    groups: list[MatrixGroup]
    homogeneity: TestResult | None
    method: str
    rows: list[list[MatrixCell | None]]


def conversion_matrix(channels: list[tuple[int, str, int, int]], method: str = "holm",
                      min_leads: int = 30, min_customers: int = 5,
                      alpha: float = 0.05) -> ConversionMatrix:
    """Return the matrix of (id, name, leads, customers) channels with leads.

    Every testable pair is tested once (z-test or exact) and corrected across pairs by
    `method` ('holm' or 'bh'); a pair is significant when its corrected p < alpha, both
    channels have min_leads leads and the two together min_customers customers. Cells
    mirror: (i, j) shows i − j.
    """
    groups = [MatrixGroup(cid, name, n, x, n >= min_leads)
              for cid, name, n, x in channels if n > 0]
    successes, leads = [g.customers for g in groups], [g.leads for g in groups]
    pairs = {(r.i, r.j): r for r in pairwise_conversion(successes, leads, method)}
    rows: list[list[MatrixCell | None]] = []
    for i, row in enumerate(groups):
        cells: list[MatrixCell | None] = []
        for j, column in enumerate(groups):
            pair = pairs.get((min(i, j), max(i, j)))
            if i == j:
                cells.append(None)
                continue
            difference = (row.conversion or 0.0) - (column.conversion or 0.0)
            adjusted = None if pair is None else pair.adjusted_p
            significant = (adjusted is not None and adjusted < alpha and difference != 0
                           and row.enough_data and column.enough_data
                           and row.customers + column.customers >= min_customers)
            cells.append(MatrixCell(row, column, difference, None if pair is None else pair.test,
                                    None if pair is None else pair.p_value, adjusted,
                                    significant))
        rows.append(cells)
    return ConversionMatrix(groups, chi_square_homogeneity(successes, leads), method, rows)
