"""The weekly email's goals are the goals page's: same computation, same numbers, every kind."""

import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.digest.content import digest_for, load_digest
from app.results.goals import goals_progress
from app.results.metrics import parse_as_of
from experiments.goals.targets import GOAL_KINDS
from tests.digest_support import GOALS_WEEK as WEEK
from tests.digest_support import goals_scenario

AS_OF = WEEK + timedelta(days=6)  # September is over (final), October under way


def _rows(html: str) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """Return each goal table's rows: (scope, kind) → its cells (data-stat/status, text)."""
    found = {}
    for scope, table in re.findall(r'data-scope="(\w+)"(.*?)</table>', html, re.S):
        for kind, row in re.findall(r'<tr data-kind="(\w+)">(.*?)</tr>', table, re.S):
            cells = re.findall(r'data-stat(?:us)?="(\w+)"[^>]*>(?:<[^>]*>)?\s*([^<]*?)\s*<',
                               row)
            found[(scope, kind)] = tuple(cells)
    return found


def test_email_and_goals_page_show_the_same_goals_for_every_kind(
        app: Flask, db: Session, viewer_client: FlaskClient) -> None:
    goals_scenario(db)
    with app.app_context():
        digest = load_digest(WEEK)
        as_of = parse_as_of(AS_OF.isoformat())
        page_scopes = [s for m in (date(2026, 9, 1), date(2026, 10, 1))
                       for s in goals_progress(session=db, as_of=as_of, month=m)]
        rendered = digest_for(WEEK)
    # One computation: the email holds exactly what the goals page computes.
    assert digest.goals == page_scopes
    assert [(s.month, s.channel_id is None) for s in digest.goals] == [
        (date(2026, 9, 1), True), (date(2026, 9, 1), False),
        (date(2026, 10, 1), True), (date(2026, 10, 1), False)]
    for scope in digest.goals:
        assert [p.kind.key for p in scope.progress] == [k.key for k in GOAL_KINDS]
        final = scope.month.month == 9
        assert all((p.status in ("met", "missed", "no_data")) == final for p in scope.progress)
    october = digest.goals[2]
    leads = next(p for p in october.progress if p.kind.key == "leads")
    # 4 days of October: the 15 leads of 2026-10-05's cohorts are not in yet, so 0 so far,
    # projected from the last 8 weeks' Mondays (10 or 15 leads each): more than 0.
    assert leads.actual == 0 and leads.expected is not None and leads.expected > 0
    # The same numbers, as rendered: email tables against the goals page's, row by row.
    email_rows = {}
    for month in ("2026-09", "2026-10"):
        page = viewer_client.get(f"/goals/?month={month}&as_of={AS_OF}").get_data(as_text=True)
        page_rows = _rows(page[page.index('id="goal-progress"'):])  # history: no data-scope
        part = "".join(re.findall(rf'(data-scope="\w+" data-month="{month}".*?</table>)',
                                  rendered.html, re.S))
        email = _rows(part)
        email_rows |= {(month, *k): v for k, v in email.items()}
        assert len(page_rows) == 2 * len(GOAL_KINDS)
        for key, cells in page_rows.items():
            # Page cells: target, actual, expected, interval, status (with its label).
            assert [name for name, _text in cells][:4] == ["target", "actual", "expected",
                                                           "interval"]
            assert len(cells) == 5  # and the status, with its label
            assert email[key] == cells, key
    assert len(email_rows) == 4 * len(GOAL_KINDS)
    # The plain-text part says the same: label, actual, target, projection and interval.
    for scope in digest.goals:
        name = "all" if scope.channel_id is None else str(scope.channel_id)
        table = {k[2]: v for k, v in email_rows.items()
                 if k[0] == scope.month.isoformat()[:7] and k[1] == name}
        for progress in scope.progress:
            cells = dict(table[progress.kind.key])
            line = (f"- {progress.kind.label}: {cells['actual']} of {cells['target']}, "
                    f"projected {cells['expected']} ({cells['interval']}), ")
            assert line in rendered.text, line
