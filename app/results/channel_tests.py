"""Channel tests as the board, the test page, the API and the dashboard read them."""

from collections.abc import Hashable
from dataclasses import replace

from sqlmodel import Session, col, select

from app.db import get_session
from app.models import Channel, Experiment, Settings
from app.results.cache import cached
from app.results.ltv import ltv_state
from app.results.metrics import today
from channels.next_tests import PendingIteration
from cohorts.queries import AsOf
from experiments.channel_tests.evaluation import Rules
from experiments.channel_tests.queries import BoardTest, board, iterations_without_follow_up
from experiments.decisions import ChannelTestSituation


def rules_for_tests(settings: Settings, as_of: AsOf | None = None) -> Rules:
    """Return what the evaluation reads: minimum sample, margin, currency and, given the
    as-of date, each channel's projected LTV from the stored repeat-purchase fit."""
    projected: dict[int, tuple[float, float | None, float | None]] = {}
    if as_of is not None:
        result = ltv_state(as_of, today()).result
        if result is not None:
            projected = {channel_id: (p.ltv_minor, p.low_minor, p.high_minor)
                         for channel_id, p in result.projections.channels.items()}
    return Rules(min_leads=settings.min_leads_per_group,
                 min_customers=settings.min_customers_total,
                 margin=settings.gross_margin, currency=settings.currency,
                 projected_ltv=projected)


def board_of_tests(as_of: AsOf, settings: Settings) -> list[BoardTest]:
    """Return every test with its evaluation as of a date.

    Evaluating every test reads each one's leads and purchases; the dashboard, the board and
    the weekly email ask for it on every request. So the board is cached per global data
    version (`app.results.cache.cached`, computed in the request once the data moved), and
    keyed by the tests' own rows and channel names (creating, editing or deciding a test is
    not a data change) and by the rules (settings and the stored LTV fit's projections). The
    tests are detached copies, safe to share between requests.
    """
    rules = rules_for_tests(settings, as_of)
    key = ("board_of_tests", as_of.day, _rules_key(rules), _tests_key(get_session()))
    return cached(key, lambda: _detached(board(session=get_session(), as_of=as_of, rules=rules)),
                  stale=False)


def _rules_key(rules: Rules) -> Hashable:
    return (rules.min_leads, rules.min_customers, rules.margin, rules.currency,
            tuple(sorted(rules.projected_ltv.items())))


def _tests_key(session: Session) -> Hashable:
    """Return every test's stored fields and its channel's name: a key that any edit moves."""
    rows = session.exec(
        select(Experiment, Channel.name).join(Channel, col(Channel.id) == Experiment.channel_id)
        .order_by(col(Experiment.id))).all()
    return tuple((tuple(test.model_dump().items()), name) for test, name in rows)


def _detached(tests: list[BoardTest]) -> list[BoardTest]:
    """Return `tests` with copies of their rows that belong to no session (a cached row could
    otherwise be expired by a later commit of the session that read it)."""
    return [replace(t, test=Experiment(**t.test.model_dump())) for t in tests]


def situations_of_tests(tests: list[BoardTest]) -> list[ChannelTestSituation]:
    """Return what the week's decisions read about tests: those needing a decision, and
    iterate decisions that have no follow-up test yet."""
    followed = {t.test.parent_id for t in tests if t.test.parent_id is not None}
    return [
        ChannelTestSituation(
            test_id=t.test.id or 0, name=t.test.name, channel_id=t.test.channel_id,
            channel_name=t.channel_name, needs_decision=t.needs_decision,
            verdict=t.evaluation.verdict if t.evaluation else "",
            end_date=t.test.end_date, decision=t.test.decision, decided_on=t.test.decided_on,
            has_follow_up=(t.test.id in followed),
        )
        for t in tests
        if t.needs_decision or (t.test.decision == "iterate" and t.test.id not in followed)
    ]


def pending_iterations() -> list[PendingIteration]:
    """Return the tests decided *iterate* that have no follow-up test yet."""
    return [PendingIteration(test.id or 0, test.name, channel_name, test.decided_on,
                             test.decision_note)
            for test, channel_name in iterations_without_follow_up(session=get_session())]
