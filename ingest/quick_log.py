"""The quick log (SPEC §2): one channel-week of aggregates kept as anonymous leads and purchases.

A week's log — spend, new leads (a count) and, per quick-logged cohort of the channel, the
buyers of that week and their revenue — becomes records with deterministic external ids:
leads `log:<channel>:<cohort week>:<n>`, purchases `log:<channel>:<cohort week>:<purchase
week>:<n>`. They are stored by the API batches' path (`ingest.batches.store_items`), so the
same checks, upserts, cohort aggregates and data versions apply as to imports. Saving a week
again rewrites exactly these records: a cohort's buyers take its leads in order of purchase
week, so an edit never duplicates a lead or a purchase, and lead-level records imported for
the channel are never read as the log's own.
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from cohorts import aggregates
from ingest.batches import store_items
from ingest.staging import lock_bulk_writes
from kernel.money import MINOR_PER_UNIT, split_evenly
from kernel.weeks import DateWindow

LOG_PREFIX = "log:"
LEADS_MAX = 10_000  # new leads one week's log may create: each is a stored row (import more)

# (field, message): week, spend, leads, buyers.<week>, revenue.<week>; tag is an edit conflict.
FieldError = tuple[str, str]
Purchase = tuple[date, date, int, int]  # cohort week, purchase week, n, amount in minor units
_PURCHASE_ID = re.compile(r"^log:\d+:(\d{4}-\d\d-\d\d):(\d{4}-\d\d-\d\d):(\d{1,9})$")


def lead_id(channel_id: int, cohort_week: date, n: int) -> str:
    """Return the external id of the quick log's lead `n` (from 1) of a cohort."""
    return f"{LOG_PREFIX}{channel_id}:{cohort_week.isoformat()}:{n}"


def purchase_id(channel_id: int, cohort_week: date, purchase_week: date, n: int) -> str:
    """Return the external id of the quick log's purchase `n` (from 1) of a cohort in a week."""
    return f"{LOG_PREFIX}{channel_id}:{cohort_week.isoformat()}:{purchase_week.isoformat()}:{n}"


@dataclass(frozen=True)
class CohortLog:
    """One quick-logged cohort as the log of a week shows it (money in minor units)."""

    week: date
    leads: int  # quick-logged leads of the cohort
    buyers: int  # of them, buyers logged in any week
    revenue_minor: int  # their logged revenue, any week
    week_buyers: int  # buyers logged in the week being edited
    week_revenue_minor: int


@dataclass(frozen=True)
class WeekLog:
    """What is stored for one channel-week: spend, the log's leads and its cohorts' buyers.

    `cohorts` lists the week's own cohort first, then every earlier cohort of the channel with
    quick-logged leads, newest first. `imported_leads` counts the week's other leads.
    """

    channel_id: int
    week: date
    spend_minor: int | None
    leads: int
    imported_leads: int
    cohorts: tuple[CohortLog, ...]

    @property
    def tag(self) -> str:
        """Return a short fingerprint of what the week's form edits (for edit conflicts)."""
        state = (self.spend_minor, self.leads, self.imported_leads,
                 [(c.week, c.week_buyers, c.week_revenue_minor) for c in self.cohorts])
        return hashlib.sha256(repr(state).encode()).hexdigest()[:16]

    @cached_property
    def _by_week(self) -> dict[date, CohortLog]:
        return {c.week: c for c in self.cohorts}

    def cohort(self, week: date) -> CohortLog | None:
        """Return the cohort of `week`, or None when the log has none there."""
        return self._by_week.get(week)


@dataclass(frozen=True)
class WeekEntry:
    """A week's log as entered: spend, new leads, and buyers with revenue per cohort week.

    Cohorts not named have no buyers in the week (the entry replaces the week's log).
    """

    spend_minor: int
    leads: int
    buyers: Mapping[date, tuple[int, int]]  # cohort week → (buyers, revenue in minor units)

    def same_as(self, stored: WeekLog) -> bool:
        """Return whether saving this entry would store exactly what `stored` holds."""
        wanted = {k: v for k, v in self.buyers.items() if v != (0, 0)}
        held = {c.week: (c.week_buyers, c.week_revenue_minor) for c in stored.cohorts
                if c.week_buyers or c.week_revenue_minor}  # fmt: skip
        return (self.spend_minor, self.leads, wanted) == (stored.spend_minor, stored.leads, held)


def _prefix(channel_id: int) -> dict[str, Any]:
    prefix = f"{LOG_PREFIX}{channel_id}:"
    return {"c": channel_id, "prefix": prefix, "n": len(prefix)}


def _our_purchases(conn: sa.Connection, channel_id: int) -> list[Purchase]:
    """Return the quick log's purchases of a channel, parsed from their external ids."""
    rows = conn.execute(sa.text(
        "SELECT p.external_id, p.amount_minor FROM purchase p JOIN lead l ON l.id = p.lead_id "
        "WHERE l.channel_id = :c AND substr(p.external_id, 1, :n) = :prefix"), _prefix(channel_id))
    found = []
    for external_id, amount in rows:
        match = _PURCHASE_ID.match(str(external_id))
        if match is None:  # an id of another shape (imported by hand) is not the log's own
            continue
        try:
            cohort, bought = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError:
            continue
        found.append((cohort, bought, int(match[3]), int(amount)))
    return found


def read_week(conn: sa.Connection, channel_id: int, week: date) -> WeekLog:
    """Return what the quick log holds for `channel_id` in `week` (the first day of a week)."""
    params = _prefix(channel_id) | {"w": week}
    spend = conn.execute(sa.text("SELECT amount_minor FROM weekly_spend WHERE channel_id = :c "
                                 "AND week = :w"), params).scalar()  # fmt: skip
    counts = conn.execute(sa.text(
        "SELECT cohort_week, SUM(CASE WHEN substr(external_id, 1, :n) = :prefix THEN 1 ELSE 0 "
        "END), COUNT(*) FROM lead WHERE channel_id = :c AND cohort_week <= :w "
        "GROUP BY cohort_week"), params).all()
    logged = {_day(w): int(ours) for w, ours, _all in counts if ours}
    imported = sum(int(every) - int(ours) for w, ours, every in counts if _day(w) == week)
    purchases = _by_cohort(_our_purchases(conn, channel_id))
    cohorts = []
    for cohort in [week, *sorted((w for w in logged if w != week), reverse=True)]:
        own = purchases.get(cohort, [])
        this_week = [p for p in own if p[1] == week]
        cohorts.append(CohortLog(cohort, logged.get(cohort, 0), len(own),
                                 sum(p[3] for p in own), len(this_week),
                                 sum(p[3] for p in this_week)))  # fmt: skip
    return WeekLog(channel_id, week, None if spend is None else int(spend),
                   logged.get(week, 0), imported, tuple(cohorts))  # fmt: skip


def _by_cohort(purchases: list[Purchase]) -> dict[date, list[Purchase]]:
    """Return purchases grouped by cohort week."""
    grouped: dict[date, list[Purchase]] = defaultdict(list)
    for purchase in purchases:
        grouped[purchase[0]].append(purchase)
    return grouped


def _day(value: Any) -> date:
    """Return a DATE column's value as a date (SQLite hands back text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def week_problems(week: date, named: date, window: DateWindow, today: date) -> list[FieldError]:
    """Return why the week named by the day `named` (its first day `week`) cannot be logged."""
    if named not in window:
        return [("week", f"'{named}' {window.refusal()}")]
    if week > today:
        return [("week", f"the week of {week} has not started yet; log it once it has")]
    return []


def entry_problems(stored: WeekLog, entry: WeekEntry) -> list[FieldError]:
    """Return every reason `entry` cannot replace the week's log `stored` (none: it can)."""
    errors: list[FieldError] = []
    if not 0 <= entry.leads <= LEADS_MAX:
        errors.append(("leads", f"must be between 0 and {LEADS_MAX:,}"))
    if entry.spend_minor < 0:
        errors.append(("spend", "cannot be negative"))
    if stored.imported_leads and entry.leads:
        errors.append(("leads", f"the week of {stored.week} already holds "
                       f"{stored.imported_leads:,} imported leads of this channel; the quick "
                       "log does not mix anonymous leads with them (import this week's leads "
                       "instead, or log 0)"))  # fmt: skip
    if errors:
        return errors
    named = {stored.week: (0, 0), **entry.buyers}  # the week's own leads are always checked
    for cohort, (buyers, revenue) in sorted(named.items()):
        errors += _cohort_problems(stored, entry, cohort, buyers, revenue)
    return errors


def _cohort_problems(
    stored: WeekLog, entry: WeekEntry, cohort: date, buyers: int, revenue: int
) -> list[FieldError]:
    """Return why `buyers` buying for `revenue` cannot be logged for the cohort of `cohort`."""
    field = f"buyers.{cohort}"
    held = stored.cohort(cohort)
    if cohort > stored.week:
        return [(field, f"the cohort of {cohort} is later than the week logged")]
    if held is None or (cohort != stored.week and not held.leads):
        return [(field, f"the week of {cohort} has no quick-logged leads of this channel")]
    if buyers < 0:
        return [(field, "cannot be negative")]
    if revenue < 0:
        return [(f"revenue.{cohort}", "cannot be negative (the quick log records no refunds)")]
    if buyers == 0 and revenue:
        return [(f"revenue.{cohort}", "needs at least one buyer (buyers is 0)")]
    elsewhere = held.buyers - held.week_buyers
    leads = entry.leads if cohort == stored.week else held.leads
    if cohort == stored.week and elsewhere > leads:
        return [("leads", f"{elsewhere:,} of this week's leads bought in later weeks; log at "
                 f"least {elsewhere:,} leads")]  # fmt: skip
    if elsewhere + buyers > leads:
        return [(field, f"{elsewhere + buyers:,} buyers in all ({elsewhere:,} logged in other "
                 f"weeks) is more than the cohort's {leads:,} leads")]  # fmt: skip
    return []


def store_week(
    conn: sa.Connection, channel_id: int, week: date, entry: WeekEntry, *, window: DateWindow,
    read_tag: str | None = None,
) -> list[FieldError]:
    """Replace the log of `channel_id` in `week` by `entry`; return errors (then store nothing).

    `read_tag`: the `WeekLog.tag` the editor loaded; if the week changed since and the entry
    differs from what is stored now, the save is refused as an edit conflict. The caller
    commits when there are no errors and rolls back otherwise.
    """
    lock_bulk_writes(conn)  # before reading, so the checks see what the writes meet
    stored = read_week(conn, channel_id, week)
    if read_tag is not None and read_tag != stored.tag and not entry.same_as(stored):
        return [("tag", "someone else changed this week's log since you loaded it")]
    errors = entry_problems(stored, entry)
    if errors:
        return errors
    purchases = _by_cohort(_our_purchases(conn, channel_id))
    cohorts = sorted({week, *entry.buyers, *(c.week for c in stored.cohorts if c.week_buyers)})
    leads, bought, gone = [], [], []
    for cohort in cohorts:
        held = stored.cohort(cohort)
        count = entry.leads if cohort == week else (held.leads if held else 0)
        kept = [p for p in purchases.get(cohort, []) if p[1] != week]
        buyers, revenue = entry.buyers.get(cohort, (0, 0))
        new = [(cohort, week, n, share)
               for n, share in enumerate(split_evenly(revenue, buyers), start=1)]
        ordered = sorted(kept + new, key=lambda p: (p[1], p[2]))
        leads += [_lead_item(channel_id, cohort, n, window, n <= len(ordered))
                  for n in range(1, count + 1)]  # fmt: skip
        bought += [_purchase_item(channel_id, p, buyer, window)
                   for buyer, p in enumerate(ordered, start=1)]  # fmt: skip
        gone += [purchase_id(channel_id, cohort, week, n)
                 for _c, w, n, _a in purchases.get(cohort, []) if w == week and n > buyers]
    for kind, items in (("spend", [_spend_item(conn, channel_id, week, entry)]),
                        ("leads", leads), ("purchases", bought)):  # fmt: skip
        if not items:
            continue
        result = store_items(conn, kind, items, window=window,
                             channel_id=channel_id if kind == "spend" else None)
        conn.execute(sa.text("DROP TABLE IF EXISTS import_stage"))  # PostgreSQL: per commit
        if result.errors:
            return [("", message) for _index, _field, message in result.errors[:10]]
    surplus = [lead_id(channel_id, week, n) for n in range(entry.leads + 1, stored.leads + 1)]
    _delete(conn, "purchase", gone)
    _delete(conn, "lead", surplus)
    aggregates.refresh(conn, [(channel_id, cohort) for cohort in cohorts])
    return []


def _units(minor: int) -> int | float:
    """Return minor units as the JSON number of currency units a batch item carries (exact)."""
    units, cents = divmod(minor, MINOR_PER_UNIT)
    return units if not cents else minor / MINOR_PER_UNIT


def _moment(day: date, window: DateWindow) -> str:
    """Return noon of `day` (never before the window's first date): no daylight-saving gap."""
    return f"{max(day, window.earliest).isoformat()}T12:00:00"


def _lead_item(channel_id: int, cohort: date, n: int, window: DateWindow, bought: bool) -> Any:
    return {"external_id": lead_id(channel_id, cohort, n), "channel_id": channel_id,
            "created_at": _moment(cohort, window), "stage": "customer" if bought else "lead"}


def _purchase_item(channel_id: int, purchase: Purchase, buyer: int, window: DateWindow) -> Any:
    cohort, week, n, amount = purchase
    return {"external_id": purchase_id(channel_id, cohort, week, n),
            "lead_external_id": lead_id(channel_id, cohort, buyer),
            "purchased_at": _moment(week, window), "amount": _units(amount)}


def _spend_item(conn: sa.Connection, channel_id: int, week: date, entry: WeekEntry) -> Any:
    """Return the week's spend item, keeping the impressions and clicks stored for it."""
    row = conn.execute(sa.text("SELECT impressions, clicks FROM weekly_spend WHERE channel_id = "
                               ":c AND week = :w"), {"c": channel_id, "w": week}).one_or_none()
    kept = {"impressions": row[0], "clicks": row[1]} if row else {}
    return {"week": week.isoformat(), "amount": _units(entry.spend_minor), **kept}


def _delete(conn: sa.Connection, table: str, external_ids: list[str]) -> None:
    """Delete the rows of `table` with these external ids (a few hundred per statement)."""
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        names = {f"e{i}": value for i, value in enumerate(chunk)}
        conn.execute(sa.text(f"DELETE FROM {table} WHERE external_id IN "
                             f"({', '.join(':' + n for n in names)})"), names)  # fmt: skip

