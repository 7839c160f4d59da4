"""Do lead grades predict buying? Conversion by grade with a chi-square test (SPEC §4)."""

from dataclasses import dataclass

from experiments.families import PairwiseResult, chi_square_homogeneity, pairwise_conversion
from experiments.proportions import TestResult, wilson_interval
from kernel.vocabulary import GRADES


@dataclass(frozen=True)
class GradeRow:
    """Leads of one grade (on the as-of date), how many became customers, and the rate."""

    grade: str
    leads: int
    customers: int
    conversion: float | None
    interval: tuple[float, float] | None


@dataclass(frozen=True)
class GradeTest:
    """Conversion by grade, the homogeneity test across grades and the Holm-corrected pairs.

    `test` is None when fewer than two grades have leads or nobody (or everybody) bought;
    `enough` says whether every graded group has `min_leads` leads and the customers total
    at least `min_customers` (below that no call is made, as for every comparison).
    """

    rows: tuple[GradeRow, ...]
    test: TestResult | None
    pairs: tuple[PairwiseResult, ...]
    enough: bool

    @property
    def verdict(self) -> str:
        """Return one sentence a sales team can act on."""
        if not self.enough or self.test is None:
            return "Not enough graded leads to tell whether grades predict buying."
        if self.test.p_value >= 0.05:
            return (f"Grades do not significantly predict buying "
                    f"(chi-square p = {self.test.p_value:.3g}).")  # fmt: skip
        order = sorted((r for r in self.rows if r.conversion is not None),
                       key=lambda r: -(r.conversion or 0.0))  # fmt: skip
        ranking = " > ".join(r.grade for r in order)
        return (f"Grades predict buying (chi-square p = {self.test.p_value:.3g}); "
                f"conversion ranks {ranking}.")  # fmt: skip


def grade_test(
    leads: dict[str, int], customers: dict[str, int], *, min_leads: int = 30,
    min_customers: int = 5, method: str = "holm",
) -> GradeTest:
    """Return conversion by grade (hot, warm, future) with the test that grades differ.

    `leads[g]`, `customers[g]`: counts per grade (missing grades count 0). Pairwise tests
    are corrected across pairs with `method` (holm or bh).
    """
    n = [int(leads.get(g, 0)) for g in GRADES]
    x = [int(customers.get(g, 0)) for g in GRADES]
    rows = tuple(GradeRow(g, n_g, x_g, None if n_g == 0 else x_g / n_g, wilson_interval(x_g, n_g))
                 for g, n_g, x_g in zip(GRADES, n, x, strict=True))  # fmt: skip
    graded = [k for k in range(len(GRADES)) if n[k] > 0]
    enough = (len(graded) >= 2 and all(n[k] >= min_leads for k in graded)
              and sum(x) >= min_customers)  # fmt: skip
    pairs = tuple(pairwise_conversion(x, n, method)) if len(graded) >= 2 else ()
    return GradeTest(rows, chi_square_homogeneity(x, n), pairs, enough)
