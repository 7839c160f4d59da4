"""Channel tests in the database: the board, their data as of a date, writes and decisions."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from channels.models import Channel, ChannelHistory, WeeklySpend
from cohorts.models import Lead, Purchase
from cohorts.queries import AsOf
from experiments.channel_tests.criteria import ChannelTestData, Criteria, Rules
from experiments.channel_tests.evaluation import Evaluation, evaluate, needs_decision
from experiments.channel_tests.inputs import CRITERIA_FIELDS, TestInput, moved_by
from experiments.groups import GroupSpec
from experiments.models import Experiment
from experiments.queries import group_leads


@dataclass(frozen=True)
class BoardTest:
    """One test on the board: the row, its channel's name and its evaluation (None: planned)."""

    test: Experiment
    channel_name: str
    evaluation: Evaluation | None
    needs_decision: str | None


def criteria_of(test: Experiment) -> Criteria:
    """Return a stored test's success criteria."""
    return Criteria(**{name: getattr(test, name) for name in CRITERIA_FIELDS})


def spend_weeks(test: Experiment, as_of: AsOf) -> tuple[date, date] | None:
    """Return the first and last spend week that count toward the test's budget.

    A week counts when any of its days lies between the start date and the end date (or the
    as-of day, if earlier); None when the test starts after the as-of day.
    """
    last_day = as_of.day if test.end_date is None else min(test.end_date, as_of.day)
    if last_day < test.start_date:
        return None
    return test.start_date - timedelta(days=6), last_day


def spend_of_test(*, session: Session, test: Experiment, as_of: AsOf) -> int:
    """Return the channel's spend (minor units) in the weeks the test covers up to as-of."""
    weeks = spend_weeks(test, as_of)
    if weeks is None:
        return 0
    spend = WeeklySpend.__table__.c  # type: ignore[attr-defined]
    query = sa.select(sa.func.coalesce(sa.func.sum(spend.amount_minor), 0)).where(
        spend.channel_id == test.channel_id, spend.week.between(*weeks))
    return int(session.connection().execute(query).scalar_one())


def _purchases(session: Session, test: Experiment, as_of: AsOf) -> tuple[tuple[date, int], ...]:
    """Return (day, amount) of every purchase of the test's leads up to the as-of day."""
    lead, purchase = Lead.__table__.c, Purchase.__table__.c  # type: ignore[attr-defined]
    query = (sa.select(purchase.purchased_on, purchase.amount_minor)
             .join_from(Purchase.__table__, Lead.__table__,  # type: ignore[attr-defined]
                        lead.id == purchase.lead_id)
             .where(lead.experiment_id == test.id, purchase.purchased_on <= as_of.day,
                    lead.created_at < as_of.end_utc, lead.cohort_week >= as_of.first_week))
    rows = session.connection().execute(query)
    return tuple((d if isinstance(d, date) else date.fromisoformat(str(d)[:10]), int(a))
                 for d, a in rows)


def data_of_test(*, session: Session, test: Experiment, as_of: AsOf) -> ChannelTestData:
    """Return what the evaluation reads of one test as of a date."""
    assert test.id is not None
    leads = group_leads(session=session, spec=GroupSpec(experiment_id=test.id), as_of=as_of)
    return ChannelTestData(
        status=test.status,
        start_date=test.start_date,
        end_date=test.end_date,
        budget_cap_minor=test.budget_cap_minor,
        criteria=criteria_of(test),
        spend_minor=spend_of_test(session=session, test=test, as_of=as_of),
        leads=int(leads.converted.size),
        customers=int(leads.converted.sum()),
        revenue_per_lead=leads.revenue_minor.astype(float),
        purchases=_purchases(session, test, as_of),
        channel_id=test.channel_id,
    )


def evaluate_test(*, session: Session, test: Experiment, as_of: AsOf,
                  rules: Rules) -> Evaluation | None:
    """Return a running or completed test's evaluation as of a date; None when planned."""
    if test.status == "planned":
        return None
    return evaluate(data_of_test(session=session, test=test, as_of=as_of), as_of.day, rules)


def board(*, session: Session, as_of: AsOf, rules: Rules) -> list[BoardTest]:
    """Return every test with its channel name and evaluation, newest start first."""
    rows = session.exec(
        select(Experiment, Channel.name).join(Channel, col(Channel.id) == Experiment.channel_id)
        .order_by(col(Experiment.start_date).desc(), col(Experiment.id).desc())).all()
    result = []
    for test, channel_name in rows:
        evaluation = evaluate_test(session=session, test=test, as_of=as_of, rules=rules)
        result.append(BoardTest(test, channel_name, evaluation,
                                needs_decision(test.status, test.decision, evaluation)))
    return result


def _record_move(session: Session, channel: Channel, user_id: int | None,
                 test: Experiment | None = None) -> None:
    assert channel.id is not None
    session.add(ChannelHistory(
        channel_id=channel.id, ring=channel.ring, status=channel.status, user_id=user_id,
        experiment_id=None if test is None else test.id,
        decision=None if test is None else test.decision))


def save_test(*, session: Session, data: TestInput, user_id: int | None,
              test: Experiment | None = None) -> Experiment:
    """Create (test None) or update a test; a new channel idea is created first. Caller commits."""
    fields = {name: getattr(data, name) for name in (
        "name", "audience", "message", "hypothesis", "varies", "start_date", "end_date",
        "budget_cap_minor", *CRITERIA_FIELDS)}
    if data.new_channel is not None:
        channel = Channel(name=data.new_channel.name, kind=data.new_channel.kind,
                          ring="outer", status="idea")
        session.add(channel)
        session.flush()
        _record_move(session, channel, user_id)
        fields["channel_id"] = channel.id
    else:
        fields["channel_id"] = data.channel_id
    if test is None:
        test = Experiment(**fields)
    else:
        for name, value in fields.items():
            setattr(test, name, value)
    session.add(test)
    session.flush()
    return test


def set_status(*, session: Session, test: Experiment, status: str, user_id: int | None) -> None:
    """Start (running) or complete a test; starting moves an idea channel to testing."""
    test.status = status
    channel = session.get(Channel, test.channel_id)
    if status == "running" and channel is not None and channel.status == "idea":
        channel.status = "testing"
        if channel.ring == "outer":
            channel.ring = "middle"
        session.add(channel)
        session.flush()
        _record_move(session, channel, user_id, test)
    session.add(test)


def decide(*, session: Session, test: Experiment, decision: str, note: str, day: date,
           user_id: int | None) -> Experiment | None:
    """Record a decision on a test and apply it; return the follow-up test of an iterate.

    Scale: the channel goes to the inner ring with status focus. Kill: status dropped.
    Iterate: a planned copy of the test, linked to it (parent_id). A ring or status move is
    written to the channel's history with the test and the decision. The caller commits.
    """
    test.decision, test.decision_note, test.decided_on = decision, note, day
    test.decided_by_id = user_id
    test.status = "completed"
    session.add(test)
    channel = session.get(Channel, test.channel_id)
    assert channel is not None
    new_ring, new_status = moved_by(decision, channel.ring, channel.status)
    if (new_ring, new_status) != (channel.ring, channel.status):
        channel.ring, channel.status = new_ring, new_status
        session.add(channel)
        session.flush()
        _record_move(session, channel, user_id, test)
    if decision != "iterate":
        return None
    follow_up = Experiment(
        **{name: getattr(test, name) for name in (
            "channel_id", "audience", "message", "hypothesis", "varies", "budget_cap_minor",
            *CRITERIA_FIELDS)},
        name=f"{test.name} (iteration)"[:160], parent_id=test.id, status="planned",
        start_date=day, end_date=None if test.end_date is None else day + (
            test.end_date - test.start_date))
    session.add(follow_up)
    session.flush()
    return follow_up


def iterations_without_follow_up(*, session: Session) -> list[tuple[Experiment, str]]:
    """Return (test, channel name) of every test decided *iterate* with no follow-up test."""
    child = sa.alias(Experiment.__table__, "child")  # type: ignore[attr-defined]
    has_child = sa.exists().where(child.c.parent_id == Experiment.id)
    query = (select(Experiment, Channel.name)
             .join(Channel, col(Channel.id) == Experiment.channel_id)
             .where(Experiment.decision == "iterate", ~has_child)
             .order_by(col(Experiment.decided_on), col(Experiment.id)))
    return [(test, name) for test, name in session.exec(query).all()]
