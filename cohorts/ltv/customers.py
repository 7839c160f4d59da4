"""Each customer's projected value to the horizon (issue 18's account quality by projected LTV).

A channel's projection (`cohorts.ltv.projection.project`) sums, over its customers, observed
revenue at ages below the horizon plus expected purchases in the weeks left times expected
spend per purchase. Both expectations are per customer: BG/NBD's conditional expected
purchases from the customer's own (x, t_x, T), and Gamma-Gamma's E[Z | x, m], which is linear
in the mean spend m, so the grouped sum the channel uses equals the sum of these per-customer
terms. Here they are kept apart, one value per customer, under the customer's channel model.
"""

import numpy as np
import numpy.typing as npt

from cohorts.ltv import bgnbd, gamma_gamma
from cohorts.ltv.projection import CustomerSummaries, Model

FloatArray = npt.NDArray[np.float64]


def customer_values(models: dict[int, Model], customers: CustomerSummaries,
                    weeks_left: FloatArray, margin: float = 1.0,
                    fallback: Model | None = None) -> FloatArray:
    """Return each customer's projected revenue to the horizon × `margin` (minor units):
    observed revenue plus expected future revenue in `weeks_left` (rounded to whole days, as
    the channel projection groups them) under the customer's channel model in `models`
    (`fallback`, the pooled model, for a channel without one; NaN when neither exists)."""
    days_left = np.round(np.maximum(np.asarray(weeks_left, np.float64), 0) * 7)
    left = days_left / 7.0
    values = np.full(len(customers.frequency), np.nan)
    for channel in np.unique(customers.channel_id):
        model = models.get(int(channel), fallback)
        if model is None:
            continue
        own = customers.channel_id == channel
        triples = bgnbd.Triples(customers.frequency[own].astype(np.float64),
                                customers.recency[own], customers.age[own],
                                np.ones(int(own.sum())))
        purchases = bgnbd.expected_purchases(model.purchases.params, triples, left[own])
        spend = gamma_gamma.expected_spend(model.spend.params, triples.frequency,
                                           customers.mean_spend[own], triples.count)
        future = np.where(left[own] > 0, purchases * spend, 0.0)
        values[own] = (customers.observed_minor[own] + future) * margin
    return values
