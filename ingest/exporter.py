"""Export spend, leads, purchases and metrics as CSV, streamed in chunks of text.

Spend, leads and purchases are written in exactly the import formats (so a file exported here
imports unchanged): amounts with a decimal point and no thousands separators, times in ISO 8601
with the install's UTC offset, lead attributes as extra columns. Rows are fetched with a
server-side cursor, so a million rows never sit in memory at once.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from cohorts.queries import AsOf
from cohorts.report import ChannelReport, EconomicsSettings, channel_reports
from ingest.formats import neutralise
from ingest.values import zone

EXPORT_KINDS: tuple[str, ...] = ("spend", "leads", "purchases", "metrics", "cohorts")
FETCH_ROWS = 20_000
CHUNK_ROWS = 5_000

SPEND_SQL = (
    "SELECT c.name, s.week, s.amount_minor, s.impressions, s.clicks FROM weekly_spend s "
    "JOIN channel c ON c.id = s.channel_id ORDER BY c.name, s.week"
)
LEADS_SQL = (
    "SELECT l.external_id, c.name, l.created_at, e.name, l.stage, l.grade, s.score, "
    "l.attributes FROM lead l JOIN channel c ON c.id = l.channel_id "
    "LEFT JOIN experiment e ON e.id = l.experiment_id "
    "LEFT JOIN lead_score s ON s.lead_id = l.id ORDER BY l.id"
)
PURCHASES_SQL = (
    "SELECT p.external_id, l.external_id, p.purchased_at, p.amount_minor "
    "FROM purchase p JOIN lead l ON l.id = p.lead_id ORDER BY p.id"
)
METRIC_COLUMNS = (
    "channel", "kind", "ring", "status", "spend", "leads", "customers", "revenue", "cpl",
    "cac", "conversion_rate", "ltv", "ltv_projected", "roi", "payback_week", "ltv_to_cac",
    "program_cost_share",
)  # fmt: skip


def amount_text(minor: int | None) -> str:
    """Return minor units as "1234.50" (blank for None)."""
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(int(minor)), 100)
    return f"{sign}{units}.{cents:02d}"


def _number(value: float | int | None, digits: int = 6) -> str:
    """Return a metric value as plain text ("" for undefined)."""
    if value is None or value != value:  # NaN is undefined too
        return ""
    return f"{round(float(value), digits):g}" if isinstance(value, float) else str(value)


def _csv_chunks(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Yield CSV text: the header, then rows CHUNK_ROWS at a time."""
    buffer = io.StringIO()
    # Quote every header cell so a ";" in an attribute name never looks like a separator.
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(
        [neutralise(cell) for cell in header])
    writer = csv.writer(buffer, lineterminator="\n")
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _stream(conn: sa.Connection, sql: str) -> Iterator[Any]:
    """Yield the rows of `sql` through a server-side cursor."""
    result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(sa.text(sql))
    yield from result


def _timestamp(timezone: str) -> Callable[[Any], str]:
    """Return a function writing a stored UTC time as ISO 8601 in `timezone`."""
    local = zone(timezone)

    def write(value: Any) -> str:
        if isinstance(value, str):  # SQLite returns raw text to textual SQL
            value = datetime.fromisoformat(value + "+00:00")
        try:
            return str(value.astimezone(local).isoformat())
        except OverflowError:  # year 1 or 9999 stored by an older version: shown in UTC
            return str(value.isoformat())

    return write


def _day(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def export_spend(conn: sa.Connection) -> Iterator[str]:
    """Yield the spend file (channel, week, amount, impressions, clicks)."""
    rows = (
        (name, _day(week), amount_text(amount), _blank(impressions), _blank(clicks))
        for name, week, amount, impressions, clicks in _stream(conn, SPEND_SQL)
    )
    return _csv_chunks(["channel", "week", "amount", "impressions", "clicks"], rows)


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _attribute_keys(conn: sa.Connection) -> list[str]:
    """Return every attribute name used by any lead, sorted."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT DISTINCT j.key FROM lead, json_each(lead.attributes) j"
    else:
        sql = "SELECT DISTINCT json_object_keys(attributes) FROM lead"
    return sorted(str(key) for (key,) in conn.execute(sa.text(sql)))


def export_leads(conn: sa.Connection, timezone: str) -> Iterator[str]:
    """Yield the leads file; each attribute becomes a column after the fixed ones.

    `score` is the lead score (0–100) of the newest audience fit, blank without one; an
    import skips that column, so an exported file imports back unchanged.
    """
    keys = [k for k in _attribute_keys(conn) if k != "score"]
    when = _timestamp(timezone)
    rows = (
        [external_id, channel, when(created), test or "", stage, grade or "",
         "" if score is None else f"{float(score):.1f}"]
        + [_blank(attributes.get(key)) for key in keys]
        for external_id, channel, created, test, stage, grade, score, raw
        in _stream(conn, LEADS_SQL)
        for attributes in (_attributes(raw),)
    )
    header = ["external_id", "channel", "created_at", "test", "stage", "grade", "score", *keys]
    return _csv_chunks(header, rows)


def _attributes(raw: Any) -> dict[str, Any]:
    """Return the attributes column as textual SQL returns it (JSON text or a dict)."""
    return json.loads(raw) if isinstance(raw, str | bytes) else dict(raw or {})


def export_purchases(conn: sa.Connection, timezone: str) -> Iterator[str]:
    """Yield the purchases file (external_id, lead_external_id, purchased_at, amount)."""
    when = _timestamp(timezone)
    rows = (
        (external_id, lead, when(at), amount_text(amount))
        for external_id, lead, at, amount in _stream(conn, PURCHASES_SQL)
    )
    return _csv_chunks(["external_id", "lead_external_id", "purchased_at", "amount"], rows)


def _metric_row(report: ChannelReport) -> list[str]:
    channel, e = report.channel, report.economics
    money = [e.spend_minor, e.revenue_minor]
    return [
        channel.name, channel.kind, channel.ring, channel.status,
        amount_text(money[0]), str(e.leads), str(e.customers), amount_text(money[1]),
        _money(e.cpl_minor), _money(e.cac_minor), _number(e.conversion_rate),
        _money(e.ltv_minor), _money(e.ltv_projected_minor), _number(e.roi),
        _number(e.payback_week), _number(e.ltv_to_cac), _number(e.program_cost_share),
    ]  # fmt: skip


def _money(minor: float | None) -> str:
    """Return a possibly fractional minor-unit metric as units with 2 decimals."""
    return "" if minor is None else amount_text(int(round(minor)))


def export_metrics(session: Session, as_of: AsOf, settings: EconomicsSettings) -> Iterator[str]:
    """Yield the channel metrics table as of `as_of` (ratios as fractions, money in units)."""
    reports = channel_reports(session=session, as_of=as_of, settings=settings)
    return _csv_chunks(list(METRIC_COLUMNS), (_metric_row(r) for r in reports))


def _cohort_rows(reports: list[ChannelReport]) -> Iterator[list[str]]:
    for report in reports:
        t = report.triangle
        for w, week in enumerate(t.weeks.astype(str)):
            for age in np.flatnonzero(t.reached[w]):
                yield [
                    report.channel.name, str(week), str(age), amount_text(int(t.spend_minor[w])),
                    str(int(t.leads[w])), _number(t.customers[w, age]),
                    _money(t.revenue_minor[w, age]), _number(t.roi[w, age]),
                ]  # fmt: skip


def export_cohorts(session: Session, as_of: AsOf, settings: EconomicsSettings) -> Iterator[str]:
    """Yield the cohort table: per channel, cohort week and age, cumulative results."""
    reports = channel_reports(session=session, as_of=as_of, settings=settings)
    header = ["channel", "cohort_week", "age", "spend", "leads", "customers", "revenue", "roi"]
    return _csv_chunks(header, _cohort_rows(reports))
