"""The demo's past decisions move their channels as a decision in the app does, with history."""

from collections import defaultdict
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from app.models import Channel, ChannelHistory, Experiment, Lead, WeeklySpend
from app.settings import load_settings
from demo.catalogue import CHEAP_CHANNEL, EXPENSIVE_CHANNEL, SMALL_CHANNEL
from experiments.channel_tests.inputs import moved_by
from kernel.weeks import local_date

END = date(2025, 6, 29)
RUN = ["demo", "--leads", "2000", "--weeks", "26", "--end", END.isoformat()]


def test_each_decision_that_moves_a_channel_is_in_its_history_with_the_test(
    app: Flask, db: Session, viewer_client: FlaskClient
) -> None:
    result = app.test_cli_runner().invoke(args=RUN)
    assert result.exit_code == 0, result.output
    with app.app_context():
        timezone = load_settings().timezone
    channels = {c.id: c for c in db.exec(select(Channel))}
    by_name = {c.name: c for c in channels.values()}
    history: dict[int, list[ChannelHistory]] = defaultdict(list)
    for row in db.exec(select(ChannelHistory).order_by(col(ChannelHistory.changed_at),
                                                       col(ChannelHistory.id))):
        history[row.channel_id].append(row)
    tests = {t.id: t for t in db.exec(select(Experiment))}
    decided = [t for t in tests.values() if t.decision is not None]
    assert {t.decision for t in decided} == {"scale", "kill", "iterate"}

    moves = [(channels[h.channel_id].name, tests[h.experiment_id].name, h.decision, h.ring,
              h.status) for rows in history.values() for h in rows if h.experiment_id]
    assert sorted(moves) == [
        (CHEAP_CHANNEL, "Coupons — 30 % off instead of 20 %", "kill", "middle", "dropped"),
        (EXPENSIVE_CHANNEL, "LinkedIn — CFO message", "scale", "inner", "focus"),
    ]
    for test in decided:
        rows = history[test.channel_id]
        caused = [i for i, h in enumerate(rows) if h.experiment_id == test.id]
        if test.decision == "iterate":  # iterate leaves the channel where it is: no move
            assert caused == [] and channels[test.channel_id].name == SMALL_CHANNEL
            continue
        (i,) = caused
        before, move = rows[i - 1], rows[i]
        assert move.decision == test.decision and move.user_id is None
        assert local_date(move.changed_at, timezone) == test.decided_on
        assert before.changed_at < move.changed_at
        # The same move the app's decide() makes, from the state before the decision.
        assert (move.ring, move.status) == moved_by(test.decision or "", before.ring,
                                                    before.status)
        assert (before.ring, before.status) == ("middle", "testing")
    for channel_id, rows in history.items():  # the channel is where its history leads
        assert (rows[-1].ring, rows[-1].status) == (channels[channel_id].ring,
                                                    channels[channel_id].status)

    # The dropped channel takes no leads and no spend after the week of the kill.
    dropped = by_name[CHEAP_CHANNEL]
    kill = next(t for t in decided if t.decision == "kill")
    assert kill.decided_on is not None
    last_lead = max(local_date(lead.created_at, timezone) for lead in db.exec(
        select(Lead).where(Lead.channel_id == dropped.id)))
    last_spend = max(s.week for s in db.exec(
        select(WeeklySpend).where(WeeklySpend.channel_id == dropped.id)))
    assert last_spend <= kill.decided_on and last_lead <= kill.decided_on + timedelta(days=6)
    assert by_name[EXPENSIVE_CHANNEL].status == "focus"

    scaled = by_name[EXPENSIVE_CHANNEL]
    html = viewer_client.get(f"/channels/{scaled.id}?as_of={END}").get_data(as_text=True)
    assert "decision <strong>scale</strong> on" in html
    assert "LinkedIn — CFO message</a>" in html
