"""Build channel-health facts straight from the in-memory demo dataset (no database)."""

import numpy as np

from cohorts.health_series import ChannelFacts
from cohorts.triangle import CohortCounts
from demo.generator import DemoDataset


def demo_facts(data: DemoDataset) -> dict[str, ChannelFacts]:
    """Return each demo channel's facts as of the dataset's end, by channel name."""
    first = np.datetime64(data.first_week, "D")
    n_weeks = int((np.datetime64(data.end, "D") - first).astype(int) // 7) + 1
    lead_week = ((data.lead_cohort_week - first).astype(int) // 7).astype(np.int64)
    order = np.lexsort((data.purchased_on, data.purchase_lead))
    lead_of = data.purchase_lead[order]
    is_first = np.r_[True, lead_of[1:] != lead_of[:-1]]
    first_on = data.purchased_on[order][is_first]
    buyer = lead_of[is_first]
    age = ((first_on - data.lead_cohort_week[buyer]).astype(int) // 7).astype(np.int64)
    result = {}
    for c, profile in enumerate(data.channels):
        shape = (n_weeks, n_weeks)
        spend, impressions, clicks = (np.zeros(n_weeks, np.int64) for _ in range(3))
        impressions -= 1
        clicks -= 1
        rows = data.spend_channel == c
        week = ((data.spend_week[rows] - first).astype(int) // 7).astype(np.int64)
        spend[week] = data.spend_amount_minor[rows]
        impressions[week] = data.spend_impressions[rows]
        clicks[week] = data.spend_clicks[rows]
        leads = np.bincount(lead_week[data.lead_channel == c], minlength=n_weeks)
        new = np.zeros(shape, np.int64)
        mine = data.lead_channel[buyer] == c
        np.add.at(new, (lead_week[buyer[mine]], age[mine]), 1)
        revenue = np.zeros(shape, np.int64)
        p_mine = data.lead_channel[data.purchase_lead] == c
        p_age = ((data.purchased_on[p_mine] - data.lead_cohort_week[data.purchase_lead[p_mine]])
                 .astype(int) // 7)
        np.add.at(revenue, (lead_week[data.purchase_lead[p_mine]], p_age),
                  data.purchase_amount_minor[p_mine])
        active = np.flatnonzero((spend > 0) | (leads > 0))
        if not active.size:
            continue
        s = int(active[0])
        counts = CohortCounts(
            weeks=first + 7 * np.arange(s, n_weeks),
            current_age=n_weeks - 1 - np.arange(s, n_weeks),
            spend_minor=spend[s:], leads=leads[s:].astype(np.int64),
            new_customers=new[s:, : n_weeks - s], revenue_minor=revenue[s:, : n_weeks - s],
        )
        result[profile.name] = ChannelFacts(counts, impressions[s:], clicks[s:], None)
    return result
