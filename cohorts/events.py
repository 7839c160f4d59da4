"""Cohort counts straight from event arrays (one row per lead / purchase), vectorised.

The database path reads pre-aggregated rows (cohorts.queries); this path builds the same
(channel × cohort week × age) arrays from raw events in memory with `np.bincount`. It is
the engine measured by benchmarks/engine.py and an independent reference for tests.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class EventArrays:
    """Raw events as aligned arrays; weeks are indexes 0..n_weeks−1 of a shared grid.

    lead_channel, lead_week: (L,) channel index and cohort week index of each lead.
    purchase_lead: (P,) index into the lead arrays; purchase_week: (P,) calendar week index
    of the purchase; purchase_amount_minor: (P,) money (refunds negative).
    spend_minor: (C, W) spend per channel and week.
    """

    lead_channel: IntArray
    lead_week: IntArray
    purchase_lead: IntArray
    purchase_week: IntArray
    purchase_amount_minor: IntArray
    spend_minor: IntArray


@dataclass(frozen=True)
class AllCohorts:
    """(C, W) leads and spend; (C, W, A) first purchases and revenue by age; A = W."""

    spend_minor: IntArray
    leads: IntArray
    new_customers: IntArray
    revenue_minor: IntArray


def first_purchase_week(n_leads: int, purchase_lead: IntArray, purchase_week: IntArray) -> IntArray:
    """Return each lead's earliest purchase week, −1 for leads that never bought."""
    never = np.iinfo(np.int64).max
    first = np.full(n_leads, never, dtype=np.int64)
    np.minimum.at(first, purchase_lead, purchase_week)
    first[first == never] = -1
    return first


def all_cohorts(events: EventArrays) -> AllCohorts:
    """Return every channel's cohort arrays; purchases before their cohort week are dropped.

    Revenue is summed in float64, exact for integer totals below 2**53 minor units.
    """
    n_channels, n_weeks = events.spend_minor.shape
    lead_cell = events.lead_channel * n_weeks + events.lead_week
    leads = np.bincount(lead_cell, minlength=n_channels * n_weeks)
    n_leads = events.lead_channel.size
    first = first_purchase_week(n_leads, events.purchase_lead, events.purchase_week)
    first_age = first - events.lead_week
    customer = (first >= 0) & (first_age >= 0)
    size = n_channels * n_weeks * n_weeks
    new = np.bincount(lead_cell[customer] * n_weeks + first_age[customer], minlength=size)
    age = events.purchase_week - events.lead_week[events.purchase_lead]
    valid = age >= 0
    cell = lead_cell[events.purchase_lead[valid]] * n_weeks + age[valid]
    amounts = events.purchase_amount_minor[valid].astype(np.float64)
    revenue = np.bincount(cell, weights=amounts, minlength=size)
    shape = (n_channels, n_weeks, n_weeks)
    return AllCohorts(
        spend_minor=events.spend_minor,
        leads=leads.reshape(n_channels, n_weeks).astype(np.int64),
        new_customers=new.reshape(shape).astype(np.int64),
        revenue_minor=np.rint(revenue).reshape(shape).astype(np.int64),
    )
