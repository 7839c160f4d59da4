"""Lead attributes in SQL: which attributes and values exist, and per-value moments (SPEC §6).

Values come from the JSON `attributes` column through SQLAlchemy's JSON index `as_string()`,
which renders `json_extract(attributes, '$."key"')` on SQLite and `attributes ->> 'key'` on
PostgreSQL; listing the keys themselves needs each backend's JSON key function
(`json_each` on SQLite, `json_each_text` on PostgreSQL).

Everything is counted and limited in SQL (GROUP BY … ORDER BY … LIMIT, with window sums for
the totals), so Python receives a bounded number of rows however many distinct attribute
keys and values the leads carry (issue 12).
"""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from cohorts.models import Lead, Purchase
from cohorts.queries import AsOf
from experiments.segments.insights import Moments, SegmentValue
from experiments.segments.limits import (
    AttributePlan,
    AttributeUse,
    AttributeValues,
    SegmentLimits,
    plan_attributes,
    pooled_values,
)

# Attribute keys and values shown in pickers are capped: a free-form attribute (an e-mail
# domain, say) could have thousands of values, which no select box can show.
MAX_VALUES = 200
DEFAULT_LIMITS = SegmentLimits()


def _lead() -> Any:
    return Lead.__table__.c  # type: ignore[attr-defined]


def _key_value_pairs(connection: sa.Connection) -> Any:
    """Return the table-valued function listing (key, value) of each lead's attributes."""
    each = sa.func.json_each_text if connection.dialect.name == "postgresql" else sa.func.json_each
    return each(_lead().attributes).table_valued("key", "value", name="j")


def _leads_with_pairs(pairs: Any) -> Any:
    # A function in FROM may read the columns of the tables before it (LATERAL by definition).
    return Lead.__table__.join(pairs, sa.true())  # type: ignore[attr-defined]


def attribute_keys(*, session: Session, channel_id: int | None = None) -> list[str]:
    """Return the attribute keys used by leads (of one channel, if given), sorted.

    At most MAX_VALUES keys: the most used ones, chosen in SQL.
    """
    connection = session.connection()
    pairs = _key_value_pairs(connection)
    query = (sa.select(pairs.c.key).select_from(_leads_with_pairs(pairs))
             .group_by(pairs.c.key).order_by(sa.func.count().desc(), pairs.c.key)
             .limit(MAX_VALUES))
    if channel_id is not None:
        query = query.where(_lead().channel_id == channel_id)
    return sorted(str(key) for (key,) in connection.execute(query))


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


def attribute_uses(*, session: Session, as_of: AsOf, channel_id: int | None = None,
                   limit: int) -> tuple[list[AttributeUse], int]:
    """Return the `limit` most used attribute keys (leads, distinct values) and the key count.

    Counts leads created up to the as-of day with a non-null value, most leads first.
    """
    connection = session.connection()
    pairs = _key_value_pairs(connection)
    leads = sa.func.count()
    query = (sa.select(pairs.c.key, leads, sa.func.count(sa.distinct(pairs.c.value)),
                       sa.func.count().over())
             .select_from(_leads_with_pairs(pairs))
             .where(_lead().created_at < as_of.end_utc, _lead().cohort_week >= as_of.first_week,
                    pairs.c.value.is_not(None))
             .group_by(pairs.c.key).order_by(leads.desc(), pairs.c.key).limit(max(1, limit)))
    if channel_id is not None:
        query = query.where(_lead().channel_id == channel_id)
    rows = list(connection.execute(query))
    uses = [AttributeUse(str(key), int(n), int(distinct)) for key, n, distinct, _ in rows]
    return uses, int(rows[0][3]) if rows else 0


def _revenue_per_lead(as_of: AsOf) -> Any:
    """Return a subquery of (lead_id, revenue) summed per lead up to the as-of day."""
    purchase = Purchase.__table__.c  # type: ignore[attr-defined]
    return (sa.select(purchase.lead_id, sa.func.sum(purchase.amount_minor).label("revenue"))
            .where(purchase.purchased_on <= as_of.day).group_by(purchase.lead_id).subquery())


def _moment_columns(bought: Any) -> list[Any]:
    """Return the aggregates (leads, customers, Σ revenue, Σ revenue²) in minor units."""
    revenue = sa.func.coalesce(bought.c.revenue, 0)
    # Σx² in double precision: squared minor units overflow SQLite's 64-bit integers.
    as_float = sa.cast(revenue, sa.Float)
    return [sa.func.count(), sa.func.count(bought.c.lead_id),
            sa.func.coalesce(sa.func.sum(revenue), 0),
            sa.func.coalesce(sa.func.sum(as_float * as_float), 0.0)]


def _within(query: Any, as_of: AsOf, channel_id: int | None) -> Any:
    """Return the query limited to leads created in the date window up to the as-of day
    (of one channel)."""
    lead = _lead()
    query = query.where(lead.created_at < as_of.end_utc, lead.cohort_week >= as_of.first_week)
    return query if channel_id is None else query.where(lead.channel_id == channel_id)


def _moments(row: Any) -> Moments:
    return Moments(int(row[0]), int(row[1]), float(row[2]), float(row[3]))


def all_leads_moments(*, session: Session, as_of: AsOf, channel_id: int | None = None) -> Moments:
    """Return the moments of every lead created up to the as-of day (revenue up to it)."""
    bought = _revenue_per_lead(as_of)
    query = sa.select(*_moment_columns(bought)).select_from(
        Lead.__table__.outerjoin(bought, bought.c.lead_id == _lead().id))  # type: ignore[attr-defined]
    return _moments(session.connection().execute(_within(query, as_of, channel_id)).one())


def top_values(*, session: Session, attributes: tuple[str, ...], as_of: AsOf,
               channel_id: int | None = None, limit: int) -> list[AttributeValues]:
    """Return the `limit` most frequent values of each attribute, with totals over all values.

    One query for all the attributes: a GROUP BY (key, value) over the leads' attribute pairs,
    window functions per key that rank the values and sum every value's moments (before the
    rank filter keeps the top ones), so Python receives at most len(attributes) × limit rows.
    """
    if not attributes:
        return []
    connection = session.connection()
    pairs, bought = _key_value_pairs(connection), _revenue_per_lead(as_of)
    columns = _moment_columns(bought)
    per_key = {"partition_by": pairs.c.key}
    grouped = _within(
        sa.select(pairs.c.key, pairs.c.value, *columns,
                  *(sa.func.sum(c).over(**per_key) for c in columns),
                  sa.func.count().over(**per_key),
                  sa.func.row_number().over(**per_key, order_by=(columns[0].desc(),
                                                                 pairs.c.value)))
        .select_from(_leads_with_pairs(pairs).outerjoin(bought, bought.c.lead_id == _lead().id))
        .where(pairs.c.key.in_(attributes), pairs.c.value.is_not(None))
        .group_by(pairs.c.key, pairs.c.value), as_of, channel_id).subquery()
    ranked = list(grouped.c)
    query = sa.select(grouped).where(ranked[-1] <= max(1, limit)).order_by(ranked[0], ranked[-1])
    found: dict[str, list[Any]] = {}
    for row in connection.execute(query):
        found.setdefault(str(row[0]), []).append(row)
    return [_attribute_values(key, found.get(key, [])) for key in attributes]


def _attribute_values(attribute: str, rows: list[Any]) -> AttributeValues:
    """Return an attribute's values from rows (key, value, 4 moments, 4 totals, count, rank)."""
    if not rows:
        return AttributeValues(attribute, (), Moments(0, 0, 0.0, 0.0), 0)
    top = tuple((str(r[1]), _moments(r[2:6])) for r in rows)
    return AttributeValues(attribute, top, _moments(rows[0][6:10]), int(rows[0][10]))


def segment_moments(*, session: Session, as_of: AsOf, channel_id: int | None = None,
                    limits: SegmentLimits = DEFAULT_LIMITS,
                    ) -> tuple[list[SegmentValue], Moments, AttributePlan]:
    """Return the rows to compare, the moments of all leads and which attributes were left out.

    Of the limits.max_attributes most used attributes, each one with at most
    limits.max_distinct values gives its limits.top_values most frequent values and one
    "other" row pooling the rest: three queries, whatever the data holds.
    """
    everyone = all_leads_moments(session=session, as_of=as_of, channel_id=channel_id)
    uses, total_keys = attribute_uses(session=session, as_of=as_of, channel_id=channel_id,
                                      limit=limits.max_attributes)
    plan = plan_attributes(uses, total_keys, limits)
    values: list[SegmentValue] = []
    for found in top_values(session=session, attributes=plan.compared, as_of=as_of,
                            channel_id=channel_id, limit=limits.top_values):
        values += pooled_values(found)
    return values, everyone, plan
