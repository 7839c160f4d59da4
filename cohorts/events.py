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


def first_purchase_mask(purchase_lead: IntArray, purchase_week: IntArray) -> npt.NDArray[np.bool_]:
    """Return True for exactly one earliest purchase of every lead that bought."""
    order = np.lexsort((purchase_week, purchase_lead))
    first = np.ones(order.size, dtype=bool)
    first[1:] = purchase_lead[order][1:] != purchase_lead[order][:-1]
    mask = np.zeros(order.size, dtype=bool)
    mask[order[first]] = True
    return mask


def all_cohorts(events: EventArrays) -> AllCohorts:
    """Return every channel's cohort arrays; purchases before their cohort week are dropped.

    Revenue is summed in float64, exact for integer totals below 2**53 minor units.
    """
    n_channels, n_weeks = events.spend_minor.shape
    leads = np.bincount(
        events.lead_channel * n_weeks + events.lead_week, minlength=n_channels * n_weeks
    ).reshape(n_channels, n_weeks)
    channel = events.lead_channel[events.purchase_lead]
    cohort = events.lead_week[events.purchase_lead]
    age = events.purchase_week - cohort
    valid = age >= 0
    cell = (channel * n_weeks + cohort) * n_weeks + age
    size = n_channels * n_weeks * n_weeks
    first = first_purchase_mask(events.purchase_lead, events.purchase_week) & valid
    new = np.bincount(cell[first], minlength=size)
    revenue = np.bincount(
        cell[valid], weights=events.purchase_amount_minor[valid].astype(np.float64), minlength=size
    )
    shape = (n_channels, n_weeks, n_weeks)
    return AllCohorts(
        spend_minor=events.spend_minor,
        leads=leads.astype(np.int64),
        new_customers=new.reshape(shape).astype(np.int64),
        revenue_minor=np.rint(revenue).reshape(shape).astype(np.int64),
    )
