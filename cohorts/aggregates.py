"""Cohort aggregates maintained on write, so reading metrics never scans every lead.

`cohort_size`, `cohort_purchases` and `first_purchase_days` are derived from `lead` and
`purchase` by GROUP BY. ORM writes refresh the cohorts they touch automatically (session
events, installed once by `install`); bulk writers (demo, import) call `refresh_all` or
`refresh` themselves in the same transaction as their inserts.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction

from channels.models import Channel, WeeklySpend
from cohorts.models import Lead, Purchase

CohortKey = tuple[int, date]
_FULL_REBUILD_ABOVE = 500  # touched cohorts beyond which one full rebuild is cheaper


def _age_days(connection: sa.Connection, later: str, earlier: str) -> str:
    """Return SQL for whole days from date `earlier` to date `later`."""
    if connection.dialect.name == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"


def elapsed_days_sql(connection: sa.Connection, later: str, earlier: str) -> str:
    """Return SQL for whole days elapsed between two timestamps (floor)."""
    if connection.dialect.name == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400) AS INTEGER)"


def week_start_sql(connection: sa.Connection, day: str) -> str:
    """Return SQL for the first day of the week of `day` (week start from :week_start)."""
    if connection.dialect.name == "sqlite":
        offset = f"(CAST(strftime('%w', {day}) AS INTEGER) + 6 - :week_start) % 7"
        return f"date({day}, '-' || ({offset}) || ' days')"
    return f"({day} - ((CAST(EXTRACT(ISODOW FROM {day}) AS INTEGER) + 6 - :week_start) % 7))"


def _week_start_setting(connection: sa.Connection) -> int:
    value = connection.execute(sa.text("SELECT week_start FROM settings WHERE id = 1")).scalar()
    return int(value or 0)


def _scope(keys: list[CohortKey] | None, lead: str = "l") -> tuple[str, dict[str, Any]]:
    """Return a WHERE fragment restricting leads to `keys` (None: every cohort)."""
    if keys is None:
        return "", {}
    params: dict[str, Any] = {}
    terms = []
    for i, (channel_id, week) in enumerate(keys):
        params[f"c{i}"], params[f"w{i}"] = channel_id, week
        terms.append(f"({lead}.channel_id = :c{i} AND {lead}.cohort_week = :w{i})")
    return " AND (" + " OR ".join(terms) + ")", params


def first_purchases(where: str = "") -> str:
    """Return SQL of each lead's first purchase (lead_id, first_on, first_at).

    Only purchases not dated before the lead itself count: such purchases are refused at input
    (import, API); should one reach the table anyway, metrics ignore it. `where` restricts the
    leads (alias v), so refreshing a few cohorts reads only their purchases.
    """
    return (
        "(SELECT p.lead_id, MIN(p.purchased_on) AS first_on, MIN(p.purchased_at) AS first_at "
        "FROM purchase p JOIN lead v ON v.id = p.lead_id "
        f"WHERE p.purchased_at >= v.created_at{where} GROUP BY p.lead_id)"
    )


FIRST_PURCHASES = first_purchases()


def _refresh_cohorts(
    connection: sa.Connection, keys: list[CohortKey] | None, first: str | None = None
) -> None:
    """Rebuild cohort_size and cohort_purchases for `keys` (None: all).

    `first` is the SQL of the first purchases to use (default: those of the leads in `keys`).
    """
    where, params = _scope(keys)
    first = first or first_purchases(_scope(keys, "v")[0])
    for table in ("cohort_size", "cohort_purchases"):
        delete_where = _scope(keys, table)[0].replace(" AND ", " WHERE ", 1)
        connection.execute(sa.text(f"DELETE FROM {table}{delete_where}"), params)
    connection.execute(
        sa.text(
            "INSERT INTO cohort_size (channel_id, cohort_week, leads) "
            f"SELECT l.channel_id, l.cohort_week, COUNT(*) FROM lead l WHERE 1 = 1{where} "
            "GROUP BY l.channel_id, l.cohort_week"
        ),
        params,
    )
    # Purchases and revenue by the age of each purchase; new customers by the age of each
    # lead's first purchase (one per customer). Joined, they are the cohort_purchases rows.
    age = _age_days(connection, "p.purchased_on", "l.cohort_week")
    first_age = _age_days(connection, "f.first_on", "l.cohort_week")
    connection.execute(
        sa.text(
            "INSERT INTO cohort_purchases "
            "(channel_id, cohort_week, age, new_customers, purchases, revenue_minor) "
            "SELECT a.channel_id, a.cohort_week, a.age, COALESCE(b.customers, 0), a.purchases, "
            "a.revenue FROM ("
            f"SELECT l.channel_id, l.cohort_week, {age} / 7 AS age, COUNT(*) AS purchases, "
            "SUM(p.amount_minor) AS revenue FROM purchase p JOIN lead l ON l.id = p.lead_id "
            f"WHERE p.purchased_at >= l.created_at{where} "
            f"GROUP BY l.channel_id, l.cohort_week, {age} / 7) a LEFT JOIN ("
            f"SELECT l.channel_id, l.cohort_week, {first_age} / 7 AS age, COUNT(*) AS customers "
            f"FROM {first} f JOIN lead l ON l.id = f.lead_id WHERE 1 = 1{where} "
            f"GROUP BY l.channel_id, l.cohort_week, {first_age} / 7) b "
            "ON b.channel_id = a.channel_id AND b.cohort_week = a.cohort_week AND b.age = a.age"
        ),
        params,
    )


def _refresh_first_purchase_days(
    connection: sa.Connection, channel_ids: list[int] | None, first: str | None = None
) -> None:
    """Rebuild first_purchase_days for `channel_ids` (None: all channels)."""
    params: dict[str, Any] = {"week_start": _week_start_setting(connection)}
    where = ""
    if channel_ids is not None:
        params |= {f"c{i}": c for i, c in enumerate(channel_ids)}
        where = " IN (" + ", ".join(f":c{i}" for i in range(len(channel_ids))) + ")"
        delete = f"DELETE FROM first_purchase_days WHERE channel_id{where}"
        connection.execute(sa.text(delete), params)
        first = first or first_purchases(f" AND v.channel_id{where}")
        where = f" WHERE l.channel_id{where}"
    else:
        connection.execute(sa.text("DELETE FROM first_purchase_days"))
    first = first or FIRST_PURCHASES
    week = week_start_sql(connection, "f.first_on")
    days = elapsed_days_sql(connection, "f.first_at", "l.created_at")
    connection.execute(
        sa.text(
            "INSERT INTO first_purchase_days (channel_id, first_purchase_week, days, customers) "
            f"SELECT l.channel_id, {week}, {days}, COUNT(*) FROM lead l JOIN "
            f"{first} f ON f.lead_id = l.id{where} "
            f"GROUP BY l.channel_id, {week}, {days}"
        ),
        params,
    )


def bump_version(connection: sa.Connection, channel_ids: Iterable[int] | None = None) -> None:
    """Mark cached results stale (call in the transaction that changed data).

    The global version (results that pool channels) always moves; per-channel versions move
    for `channel_ids`, or for every channel when None (a bulk change).
    """
    connection.execute(sa.text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    if channel_ids is None:
        connection.execute(sa.text("UPDATE channel_data_version SET version = version + 1"))
        where, params = "", {}
    else:
        ids = sorted(set(channel_ids))  # sorted: concurrent writers lock rows in one order
        if not ids:
            return
        params = {f"c{i}": c for i, c in enumerate(ids)}
        where = " WHERE id IN (" + ", ".join(f":c{i}" for i in range(len(ids))) + ")"
        connection.execute(sa.text(
            "UPDATE channel_data_version SET version = version + 1 WHERE channel_id IN ("
            + ", ".join(f":c{i}" for i in range(len(ids))) + ")"), params)
    # Channels without a row yet start at 1 (0 is "never written").
    connection.execute(sa.text(
        "INSERT INTO channel_data_version (channel_id, version) SELECT id, 1 FROM channel"
        f"{where}{' AND' if where else ' WHERE'} id NOT IN "
        "(SELECT channel_id FROM channel_data_version) ON CONFLICT (channel_id) DO NOTHING"),
        params)


def channel_versions(connection: sa.Connection) -> dict[int, int]:
    """Return every channel's data version (0: never written) by channel id, in name order."""
    rows = connection.execute(sa.text(
        "SELECT c.id, COALESCE(v.version, 0) FROM channel c "
        "LEFT JOIN channel_data_version v ON v.channel_id = c.id ORDER BY c.name"))
    return {int(row[0]): int(row[1]) for row in rows}


def data_version(connection: sa.Connection) -> int:
    """Return the current data version (0 before any write)."""
    return int(connection.execute(sa.text("SELECT version FROM data_version")).scalar() or 0)


def refresh(connection: sa.Connection, keys: Iterable[CohortKey]) -> None:
    """Recompute the aggregates of the cohorts in `keys` from leads and purchases."""
    unique = sorted(set(keys))
    bump_version(connection, {channel for channel, _ in unique})
    if not unique:
        return
    if len(unique) > _FULL_REBUILD_ABOVE:
        refresh_all(connection)
        return
    for start in range(0, len(unique), 200):
        _refresh_cohorts(connection, unique[start : start + 200])
    _refresh_first_purchase_days(connection, sorted({channel for channel, _ in unique}))


def refresh_all(connection: sa.Connection) -> None:
    """Recompute every aggregate from leads and purchases (after bulk loads).

    Every lead's first purchase is computed once, into a temporary table both rebuilds read.
    """
    bump_version(connection, None)
    first = "pg_temp.first_purchase" if connection.dialect.name == "postgresql" else (
        "temp.first_purchase")  # fmt: skip
    connection.execute(sa.text(f"DROP TABLE IF EXISTS {first}"))
    connection.execute(sa.text(f"CREATE TEMP TABLE first_purchase AS SELECT * FROM "
                               f"{FIRST_PURCHASES} f"))  # fmt: skip
    try:
        _refresh_cohorts(connection, None, first)
        _refresh_first_purchase_days(connection, None, first)
    finally:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {first}"))


_PENDING = "bullseye_touched_cohorts"


def _lead_keys(lead: Lead) -> set[CohortKey]:
    """Return the cohort of `lead` now and, if it moved, the cohort it left."""
    keys: set[CohortKey] = set()
    state = sa.inspect(lead)
    channels = state.attrs.channel_id.history
    weeks = state.attrs.cohort_week.history
    for channel_id in (channels.deleted or []) + [lead.channel_id]:
        for week in (weeks.deleted or []) + [lead.cohort_week]:
            if channel_id is not None and week is not None:
                keys.add((channel_id, week))
    return keys


def _collect(session: OrmSession, _flush: UOWTransaction, _instances: object) -> None:
    """Remember which cohorts this flush touches (leads directly, purchases via lead ids)."""
    pending = session.info.setdefault(_PENDING, {"keys": set(), "lead_ids": set()})
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Channel | WeeklySpend):
            pending.setdefault("touched", []).append(obj)
        elif isinstance(obj, Lead):
            pending["keys"] |= _lead_keys(obj)
        elif isinstance(obj, Purchase):
            history = sa.inspect(obj).attrs.lead_id.history
            pending["lead_ids"].update(x for x in (history.deleted or []) + [obj.lead_id] if x)


def _apply(session: OrmSession) -> None:
    """Refresh the touched cohorts inside the transaction that is about to commit."""
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending or not (pending["keys"] or pending["lead_ids"] or pending.get("touched")):
        return
    connection = session.connection()
    touched = {obj.id if isinstance(obj, Channel) else obj.channel_id
               for obj in pending.get("touched", [])}
    if touched:  # channel or spend edits: no cohort changes, but that channel's results go stale
        bump_version(connection, {c for c in touched if c is not None})
    keys: set[CohortKey] = set(pending["keys"])
    lead_ids = sorted(pending["lead_ids"])
    for start in range(0, len(lead_ids), 500):
        rows = connection.execute(
            sa.select(Lead.channel_id, Lead.cohort_week).where(  # type: ignore[call-overload]
                Lead.id.in_(lead_ids[start : start + 500])  # type: ignore[union-attr]
            )
        )
        keys |= {(row[0], row[1]) for row in rows}
    refresh(connection, keys)


def install() -> None:
    """Keep aggregates in step with every ORM session's writes (idempotent)."""
    if not sa.event.contains(OrmSession, "before_flush", _collect):
        sa.event.listen(OrmSession, "before_flush", _collect)
        sa.event.listen(OrmSession, "before_commit", _apply)
