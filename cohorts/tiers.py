"""Customer value tiers (SPEC §3): A/B/C by share of revenue, ballast, and the customer mix.

Customers are ranked by revenue, largest first. A customer belongs to tier A while the
revenue of the customers ranked above it is below 80 % of the total (so the customer that
crosses 80 % is still A), to B below 95 %, otherwise to C. One-time C buyers are ballast.

The mix compares shares of customers (by count) with the healthy mix:
VIP — A customers within the top 5 % of all customers; strategic — the other A customers;
typical — B customers and repeat C buyers; ballast — one-time C buyers.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TIER_A, TIER_B, TIER_C = 0, 1, 2
HEALTHY_MIX: dict[str, tuple[float, float]] = {
    "vip": (0.0, 0.05),
    "strategic": (0.15, 0.20),
    "typical": (0.60, 0.70),
    "ballast": (0.0, 0.25),
}


@dataclass(frozen=True)
class Tiers:
    """Tier of each customer (TIER_A/B/C) and whether it is ballast."""

    tier: npt.NDArray[np.int64]
    ballast: npt.NDArray[np.bool_]
    vip: npt.NDArray[np.bool_]


def assign_tiers(
    revenue_minor: npt.NDArray[np.int64], purchases: npt.NDArray[np.int64]
) -> Tiers:
    """Return tiers for customers with these revenues and purchase counts (shape (n,)).

    With no positive total revenue every customer is C (nothing to rank by).
    """
    n = revenue_minor.size
    order = np.argsort(-revenue_minor, kind="stable")
    ranked = np.maximum(revenue_minor[order], 0).astype(np.float64)
    total = ranked.sum()
    tier = np.full(n, TIER_C, dtype=np.int64)
    if total > 0:
        before = (np.cumsum(ranked) - ranked) / total
        ranked_tier = np.where(before < 0.80, TIER_A, np.where(before < 0.95, TIER_B, TIER_C))
        ranked_tier[ranked <= 0] = TIER_C
        tier[order] = ranked_tier
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    vip = (tier == TIER_A) & (rank < max(1, int(np.floor(0.05 * n))))
    return Tiers(tier=tier, ballast=(tier == TIER_C) & (purchases <= 1), vip=vip)


@dataclass(frozen=True)
class CustomerMix:
    """Shares of customers in each class of the healthy mix; None without customers."""

    customers: int
    shares: dict[str, float | None]
    healthy: dict[str, bool | None]


def customer_mix(tiers: Tiers) -> CustomerMix:
    """Return the mix of `tiers` and whether each share lies in the healthy range."""
    n = tiers.tier.size
    counts = {
        "vip": int(tiers.vip.sum()),
        "strategic": int(((tiers.tier == TIER_A) & ~tiers.vip).sum()),
        "typical": int(((tiers.tier == TIER_B) | ((tiers.tier == TIER_C) & ~tiers.ballast)).sum()),
        "ballast": int(tiers.ballast.sum()),
    }
    shares = {k: (v / n if n else None) for k, v in counts.items()}
    healthy = {
        k: (None if s is None else HEALTHY_MIX[k][0] <= s <= HEALTHY_MIX[k][1])
        for k, s in shares.items()
    }
    return CustomerMix(customers=n, shares=shares, healthy=healthy)


def share_of_a_by_group(
    tiers: Tiers, group: npt.NDArray[np.int64], n_groups: int
) -> npt.NDArray[np.float64]:
    """Return, per group (e.g. channel index 0..n_groups−1), the share of its customers in A.

    NaN for a group without customers.
    """
    customers = np.bincount(group, minlength=n_groups).astype(np.float64)
    in_a = np.bincount(group, weights=(tiers.tier == TIER_A), minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(customers > 0, in_a / customers, np.nan)
