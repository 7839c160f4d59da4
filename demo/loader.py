"""Write a generated demo dataset fast: SQLite executemany in big batches, PostgreSQL COPY.

Everything goes through the caller's connection, so the caller's transaction decides whether
the whole dataset is stored or none of it. Small tables use SQLAlchemy Core; leads and
purchases bypass it for the raw driver, with explicit lead ids so purchases can refer to them.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

import channels.models  # noqa: F401  (registers the channel tables)
import cohorts.models  # noqa: F401  (registers the lead and purchase tables)
import experiments.models  # noqa: F401  (registers the experiment table)
from cohorts import aggregates
from demo import rows
from demo.generator import DemoDataset

BATCH_ROWS = 100_000
SQLITE_CACHE_KIB = -512_000
# Tables holding channel data, children first; users, tokens and settings are never touched.
DATA_TABLES: tuple[str, ...] = (
    "lead_stage_change",
    "purchase",
    "lead",
    "experiment",
    "goal",
    "weekly_spend",
    "channel_history",
    "channel",
)
LEAD_COLUMNS = (
    "id, external_id, channel_id, experiment_id, created_at, cohort_week, stage, grade, attributes"
)
PURCHASE_COLUMNS = "external_id, lead_id, purchased_at, purchased_on, amount_minor"
STAGE_COLUMNS = "lead_id, changed_at, stage, grade"
GOAL = sa.table(
    "goal",
    *(sa.column(name) for name in ("month", "channel_id", "leads", "new_customers")),
    sa.column("revenue_minor"),
    sa.column("max_cac_minor"),
)

Progress = Callable[[str], None]


def clear_data(conn: sa.Connection) -> None:
    """Delete every channel, spend, experiment, goal, lead and purchase row (keep users)."""
    for name in DATA_TABLES:
        conn.execute(sa.text(f'DELETE FROM "{name}"'))


def write_dataset(
    conn: sa.Connection, data: DemoDataset, progress: Progress | None = None
) -> dict[str, int]:
    """Insert `data` through `conn` (no commit); return the number of rows written per table."""
    say = progress or (lambda _line: None)
    channel_ids = _insert_returning_ids(conn, _table("channel"), _channel_rows(data))
    experiment_ids = _insert_returning_ids(
        conn, _table("experiment"), _experiment_rows(data, channel_ids)
    )
    conn.execute(
        sa.insert(_table("channel_history")), _history_rows(data, channel_ids, experiment_ids)
    )
    if data.goals:
        conn.execute(sa.insert(GOAL), _goal_rows(data, channel_ids))
    spend = _spend_rows(data, channel_ids)
    if spend:
        conn.execute(sa.insert(_table("weekly_spend")), spend)
    say(f"  channels, history, experiments, goals, {len(spend):,} spend rows written")
    first_lead_id = _next_id(conn, _table("lead"))
    lead_rows = rows.lead_columns(data, channel_ids, experiment_ids, first_lead_id, conn)
    _copy_rows(conn, "lead", LEAD_COLUMNS, lead_rows, data.lead_channel.size, say)
    purchase_rows = rows.purchase_columns(data, first_lead_id, conn)
    _copy_rows(conn, "purchase", PURCHASE_COLUMNS, purchase_rows, data.purchase_lead.size, say)
    stage_rows = rows.stage_columns(data, first_lead_id, conn)
    _copy_rows(conn, "lead_stage_change", STAGE_COLUMNS, stage_rows, data.stage_lead.size, say)
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('lead', 'id'), MAX(id)) FROM lead")
        )
    started = time.perf_counter()
    aggregates.refresh_all(conn)
    say(f"  cohort aggregates rebuilt in {time.perf_counter() - started:.1f} s")
    return {
        "channel": len(channel_ids),
        "experiment": len(experiment_ids),
        "weekly_spend": len(spend),
        "lead": int(data.lead_channel.size),
        "purchase": int(data.purchase_lead.size),
    }


def _table(name: str) -> sa.Table:
    """Return the mapped table `name`."""
    return SQLModel.metadata.tables[name]


def _insert_returning_ids(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]
) -> list[int]:
    """Insert `rows` and return their new ids in the same order."""
    if not rows:
        return []
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(row[0]) for row in conn.execute(statement, rows)]


def _next_id(conn: sa.Connection, table: sa.Table) -> int:
    """Return one more than the largest id in `table` (1 when empty)."""
    largest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    return int(largest) + 1


def _channel_rows(data: DemoDataset) -> list[dict[str, Any]]:
    """Return the channel rows to insert."""
    return [
        {
            "name": p.name,
            "kind": p.kind,
            "ring": p.ring,
            "status": p.status,
            "launch_days": p.launch_days,
            "ice_impact": p.ice[0],
            "ice_confidence": p.ice[1],
            "ice_ease": p.ice[2],
            "notes": p.notes,
            "created_at": created,
        }
        for p, created in zip(data.channels, data.channel_created_at, strict=True)
    ]


def _history_rows(
    data: DemoDataset, channel_ids: list[int], experiment_ids: list[int]
) -> list[dict[str, Any]]:
    """Return the channel_history rows to insert; a decision's move names its test and the
    decision, as experiments.channel_tests.queries.decide records it (no user: the demo's)."""
    return [
        {
            "channel_id": channel_ids[h.channel],
            "changed_at": h.changed_at,
            "ring": h.ring,
            "status": h.status,
            "experiment_id": None if h.experiment is None else experiment_ids[h.experiment],
            "decision": h.decision,
        }
        for h in data.history
    ]


def _experiment_rows(data: DemoDataset, channel_ids: list[int]) -> list[dict[str, Any]]:
    """Return the experiment rows to insert."""
    rows = []
    for row in data.experiments:
        plan = row.plan
        rows.append(
            {
                "name": plan.name,
                "channel_id": channel_ids[row.channel],
                "audience": plan.audience,
                "message": plan.message,
                "hypothesis": plan.hypothesis,
                "start_date": row.start_date,
                "end_date": row.end_date,
                "budget_cap_minor": plan.budget_cap_minor,
                "max_cac_minor": plan.max_cac_minor,
                "min_leads": plan.min_leads,
                "min_ltv_to_cac": plan.min_ltv_to_cac,
                "min_customers": plan.min_customers,
                "min_conversion": plan.min_conversion,
                "payback_weeks": plan.payback_weeks,
                "varies": plan.varies,
                "status": plan.status,
                "decision": plan.decision,
                "decision_note": plan.note,
                "decided_on": row.decided_on,
            }
        )
    return rows


def _goal_rows(data: DemoDataset, channel_ids: list[int]) -> list[dict[str, Any]]:
    """Return the goal rows to insert."""
    return [
        {
            "month": g.month,
            "channel_id": None if g.channel is None else channel_ids[g.channel],
            "leads": g.leads,
            "new_customers": g.new_customers,
            "revenue_minor": g.revenue_minor,
            "max_cac_minor": g.max_cac_minor,
        }
        for g in data.goals
    ]


def _spend_rows(data: DemoDataset, channel_ids: list[int]) -> list[dict[str, Any]]:
    """Return the weekly_spend rows to insert (impressions and clicks NULL where not logged)."""
    columns = zip(
        data.spend_channel.tolist(),
        data.spend_week.tolist(),
        data.spend_amount_minor.tolist(),
        data.spend_impressions.tolist(),
        data.spend_clicks.tolist(),
        strict=True,
    )
    return [
        {
            "channel_id": channel_ids[c],
            "week": week,
            "amount_minor": amount,
            "impressions": None if impressions < 0 else impressions,
            "clicks": None if clicks < 0 else clicks,
        }
        for c, week, amount, impressions, clicks in columns
    ]


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Yield lists of at most `size` rows."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _copy_rows(
    conn: sa.Connection,
    table: str,
    columns: str,
    rows: Iterable[tuple[Any, ...]],
    total: int,
    say: Progress,
) -> None:
    """Write `rows` into `table`: COPY on PostgreSQL, batched executemany on SQLite."""
    started = time.perf_counter()
    driver = conn.connection.driver_connection
    assert driver is not None
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        _insert_sqlite(driver, table, columns, rows)
    seconds = time.perf_counter() - started
    say(f"  {total:,} {table} rows written in {seconds:.1f} s")


def _insert_sqlite(driver: Any, table: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert `rows` through a constraint-free temporary table, then in one INSERT … SELECT.

    SQLite re-evaluates the tables' CHECK (… IN (…)) lists for every executemany row; one
    INSERT … SELECT evaluates them in a single statement, about twice as fast overall.
    """
    stage = f"demo_stage_{table}"
    marks = ", ".join("?" * len(columns.split(",")))
    cursor = driver.cursor()
    previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
    cursor.execute(f"DROP TABLE IF EXISTS temp.{stage}")
    cursor.execute(f"CREATE TEMP TABLE {stage} AS SELECT {columns} FROM {table} WHERE 0")
    for batch in _batches(rows, BATCH_ROWS):
        cursor.executemany(f"INSERT INTO temp.{stage} VALUES ({marks})", batch)
    cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM temp.{stage}")
    cursor.execute(f"DROP TABLE temp.{stage}")
    cursor.execute(f"PRAGMA cache_size = {int(previous)}")
    cursor.close()
