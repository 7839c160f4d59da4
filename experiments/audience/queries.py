"""Read the leads of the audience fit (issue 18) into `AudienceData`, in SQL and numpy.

One query per attribute column and one aggregate for purchases: every value arrives as a
plain column (SQLAlchemy's JSON `as_string()`: `->>` on PostgreSQL, `json_extract` on
SQLite) straight into numpy, with no per-row ORM object, so 1M leads load in seconds.

No leakage: the grade a lead had *at creation* is its first stage-history row (the one with
`changed_at` None, or else its earliest), never the current `lead.grade`, which sales may
have changed after seeing the lead convert. The lead's current stage is not read at all.

Account quality is each customer's net revenue × margin to date, or, given the stored LTV
fit's models (settings.account_quality "projected_ltv"), the customer's projected value to the
horizon (cohorts.ltv.customers: observed plus expected future revenue under the channel's
shrunk model, × margin). A lead that bought only before it was created has no LTV summary and
so no projected value (NaN: no quality group).
"""

from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session

from cohorts.ltv.channels import LtvProjections
from cohorts.ltv.customers import customer_values
from cohorts.ltv.summaries import lead_summaries
from cohorts.models import Lead, LeadStageChange, Purchase
from cohorts.queries import AsOf
from experiments.audience.data import MISSING, AudienceData
from experiments.segments.queries import attribute_keys

MAX_ATTRIBUTES = 25  # the most used attribute keys; the tree and score read these
GRADE = "grade"  # the attribute holding the grade at creation


def _lead() -> Any:
    return Lead.__table__.c  # type: ignore[attr-defined]


def _strings(values: list[Any]) -> npt.NDArray[np.str_]:
    """Return `values` as a numpy str array, None as MISSING (a fixed-width str array, not
    objects: the encoder then compares whole columns in C instead of value by value)."""
    return np.array([MISSING if v is None else str(v) for v in values], dtype=str)


def _creation_grades(session: Session, lead_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """Return each lead's grade at creation (MISSING without one), aligned with `lead_ids`."""
    change = LeadStageChange.__table__.c  # type: ignore[attr-defined]
    first = (sa.select(sa.func.min(change.id).label("id")).group_by(change.lead_id)
             .subquery())
    rows = session.connection().execute(
        sa.select(change.lead_id, change.grade).join(first, first.c.id == change.id)).all()
    grades = np.full(lead_ids.size, MISSING, dtype="<U8")
    if rows:
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        at = np.searchsorted(lead_ids, ids)
        ok = (at < lead_ids.size) & (lead_ids[np.minimum(at, lead_ids.size - 1)] == ids)
        grades[at[ok]] = _strings([r[1] for r in rows])[ok]
    return grades


def _revenue(session: Session, lead_ids: npt.NDArray[np.int64], as_of: AsOf
             ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Return (bought: a positive purchase by `as_of`, net revenue in minor units) per lead."""
    purchase = Purchase.__table__.c  # type: ignore[attr-defined]
    rows = session.connection().execute(
        sa.select(purchase.lead_id, sa.func.sum(purchase.amount_minor),
                  sa.func.max(purchase.amount_minor))
        .where(purchase.purchased_on <= as_of.day, purchase.purchased_on >= as_of.earliest)
        .group_by(purchase.lead_id)).all()
    bought = np.zeros(lead_ids.size, dtype=bool)
    revenue = np.zeros(lead_ids.size, dtype=np.int64)
    if rows:
        table = np.array([(r[0], int(r[1]), int(r[2])) for r in rows], dtype=np.int64)
        at = np.searchsorted(lead_ids, table[:, 0])
        ok = (at < lead_ids.size) & (lead_ids[np.minimum(at, lead_ids.size - 1)] == table[:, 0])
        revenue[at[ok]] = table[ok, 1]
        bought[at[ok]] = table[ok, 2] > 0
    return bought, revenue


def projected_quality(session: Session, lead_ids: npt.NDArray[np.int64], as_of: AsOf,
                      margin: float, projections: LtvProjections,
                      horizon_weeks: int) -> npt.NDArray[np.float64]:
    """Return each lead's projected LTV to `horizon_weeks` × `margin` in major units under
    the stored fit's models (`lead_ids` sorted; NaN for leads without purchases)."""
    ids, customers = lead_summaries(session=session, as_of=as_of, horizon_weeks=horizon_weeks)
    values = customer_values(projections.models, customers, customers.weeks_left(horizon_weeks),
                             float(margin), fallback=projections.pooled) / 100
    quality = np.full(lead_ids.size, np.nan)
    if ids.size and lead_ids.size:
        at = np.searchsorted(lead_ids, ids)
        ok = (at < lead_ids.size) & (lead_ids[np.minimum(at, lead_ids.size - 1)] == ids)
        quality[at[ok]] = values[ok]
    return quality


def load_audience(session: Session, as_of: AsOf, margin: float,
                  max_attributes: int = MAX_ATTRIBUTES, *,
                  projections: LtvProjections | None = None,
                  horizon_weeks: int = 52) -> AudienceData:
    """Return every lead created by `as_of` with its attributes, grade at creation, channel,
    cohort week, whether it bought and its account quality (net revenue × `margin` to date,
    in major units; with `projections`, the projected LTV to `horizon_weeks` × `margin`;
    NaN for leads that did not buy)."""
    lead = _lead()
    keys = [k for k in attribute_keys(session=session) if k != GRADE][:max_attributes]
    columns = [lead.id, lead.channel_id, lead.cohort_week,
               *[lead.attributes[k].as_string() for k in keys]]
    rows = session.connection().execute(
        sa.select(*columns).where(lead.created_at < as_of.end_utc,
                                  lead.cohort_week >= as_of.first_week)
        .order_by(lead.id)).all()
    lead_ids = np.array([r[0] for r in rows], dtype=np.int64)
    attributes = {k: _strings([r[3 + j] for r in rows]) for j, k in enumerate(keys)}
    attributes[GRADE] = _creation_grades(session, lead_ids)
    bought, revenue = _revenue(session, lead_ids, as_of)
    if projections is None:
        quality = np.where(bought, revenue / 100 * float(margin), np.nan)
    else:
        projected = projected_quality(session, lead_ids, as_of, margin, projections,
                                      horizon_weeks)
        quality = np.where(bought, projected, np.nan)
    return AudienceData(
        lead_ids=lead_ids,
        channel_ids=np.array([r[1] for r in rows], dtype=np.int64),
        cohort_weeks=np.array([r[2] for r in rows], dtype="datetime64[D]"),
        attributes=attributes,
        converted=bought,
        quality=quality.astype(float),
        post_creation=frozenset())
