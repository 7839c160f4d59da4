"""Lead attributes in SQL: which attributes and values exist, and per-value moments (SPEC §6).

Values come from the JSON `attributes` column through SQLAlchemy's JSON index `as_string()`,
which renders `json_extract(attributes, '$."key"')` on SQLite and `attributes ->> 'key'` on
PostgreSQL; listing the keys themselves needs each backend's JSON key function.
"""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from cohorts.models import Lead, Purchase
from cohorts.queries import AsOf
from experiments.segments import Moments

# Attribute keys and values shown in pickers are capped: a free-form attribute (an e-mail
# domain, say) could have thousands of values, which no select box or insight table can show.
MAX_VALUES = 200


def attribute_keys(*, session: Session, channel_id: int | None = None) -> list[str]:
    """Return every attribute key used by leads (of one channel, if given), sorted."""
    connection = session.connection()
    where = "" if channel_id is None else " WHERE lead.channel_id = :channel"
    if connection.dialect.name == "postgresql":
        sql = f"SELECT DISTINCT json_object_keys(lead.attributes) AS key FROM lead{where}"
    else:
        sql = f"SELECT DISTINCT j.key AS key FROM lead, json_each(lead.attributes) AS j{where}"
    rows = connection.execute(sa.text(sql + " ORDER BY key"), {"channel": channel_id})
    return [str(key) for (key,) in rows][:MAX_VALUES]


def _lead() -> Any:
    return Lead.__table__.c  # type: ignore[attr-defined]


def attribute_values(*, session: Session, attribute: str,
                     channel_id: int | None = None) -> list[tuple[str, int]]:
    """Return (value, leads) of one attribute, most common first (at most MAX_VALUES)."""
    lead = _lead()
    value = lead.attributes[attribute].as_string()
    query = (sa.select(value, sa.func.count()).where(value.is_not(None))
             .group_by(value).order_by(sa.func.count().desc(), value).limit(MAX_VALUES))
    if channel_id is not None:
        query = query.where(lead.channel_id == channel_id)
    return [(str(v), int(n)) for v, n in session.connection().execute(query)]


def _revenue_per_lead(as_of: AsOf) -> Any:
    """Return a subquery of (lead_id, revenue) summed per lead up to the as-of day."""
    purchase = Purchase.__table__.c  # type: ignore[attr-defined]
    return (sa.select(purchase.lead_id, sa.func.sum(purchase.amount_minor).label("revenue"))
            .where(purchase.purchased_on <= as_of.day).group_by(purchase.lead_id).subquery())


def _moments_by(connection: sa.Connection, grouping: Any, as_of: AsOf,
                channel_id: int | None) -> list[Any]:
    """Return rows of (grouping, leads, customers, Σ revenue, Σ revenue²) in minor units.

    grouping None gives one row over all leads.
    """
    lead = _lead()
    bought = _revenue_per_lead(as_of)
    revenue = sa.func.coalesce(bought.c.revenue, 0)
    # Σx² in double precision: squared minor units overflow SQLite's 64-bit integers.
    as_float = sa.cast(revenue, sa.Float)
    query = (
        sa.select(sa.null() if grouping is None else grouping, sa.func.count(),
                  sa.func.count(bought.c.lead_id),
                  sa.func.coalesce(sa.func.sum(revenue), 0),
                  sa.func.coalesce(sa.func.sum(as_float * as_float), 0.0))
        .select_from(Lead.__table__.outerjoin(bought, bought.c.lead_id == lead.id))  # type: ignore[attr-defined]
        .where(lead.created_at < as_of.end_utc, lead.cohort_week >= as_of.first_week)
    )
    if grouping is not None:
        query = query.group_by(grouping)
    if channel_id is not None:
        query = query.where(lead.channel_id == channel_id)
    return list(connection.execute(query))


def _moments(row: Any) -> Moments:
    return Moments(int(row[1]), int(row[2]), float(row[3]), float(row[4]))


def segment_moments(*, session: Session, as_of: AsOf, channel_id: int | None = None,
                    ) -> tuple[list[tuple[str, str, Moments]], Moments]:
    """Return each (attribute, value, moments) and the moments of all leads (one channel or all).

    One GROUP BY per attribute key; leads created up to the as-of day, revenue up to it.
    """
    connection = session.connection()
    totals = _moments_by(connection, None, as_of, channel_id)
    values = []
    for key in attribute_keys(session=session, channel_id=channel_id):
        rows = _moments_by(connection, _lead().attributes[key].as_string(), as_of, channel_id)
        known = sorted((r for r in rows if r[0] is not None), key=lambda r: -int(r[1]))
        values += [(key, str(r[0]), _moments(r)) for r in known[:MAX_VALUES]]
    return values, _moments(totals[0]) if totals else Moments(0, 0, 0.0, 0.0)
