"""The demo's stage histories, grades and goals make the funnel and goals pages worth a look."""

from collections import defaultdict
from datetime import date

from flask import Flask
from sqlmodel import Session, col, select

from app.models import Lead, LeadStageChange
from app.results.goals import goals_history, goals_progress
from cohorts.as_of import AsOf
from experiments.funnel.queries import funnel_data
from experiments.funnel.report import funnel_report
from tests.demo.test_demo import END, loaded

RUN = ["--leads", "6000", "--weeks", "26", "--end", END.isoformat()]


def test_every_lead_has_a_history_ending_at_its_stage(app: Flask, db: Session) -> None:
    loaded(app, *RUN)
    leads = {lead.id: lead for lead in db.exec(select(Lead))}
    history: dict[int, list[LeadStageChange]] = defaultdict(list)
    for row in db.exec(select(LeadStageChange).order_by(col(LeadStageChange.id))):
        history[row.lead_id].append(row)
    assert set(history) == set(leads)
    order = ("inquiry", "lead", "sales_ready", "opportunity")
    for lead_id, rows in history.items():
        lead = leads[lead_id]
        assert rows[0].changed_at is None and rows[-1].stage == lead.stage
        times = [r.changed_at for r in rows[1:]]
        assert all(t is not None and t >= lead.created_at for t in times)
        assert times == sorted(times)  # type: ignore[type-var]
        pipeline = [order.index(r.stage) for r in rows if r.stage in order]
        assert pipeline == sorted(pipeline) and all(r.grade == lead.grade for r in rows)


def test_grades_predict_buying_and_goals_are_on_and_off_track(app: Flask, db: Session) -> None:
    loaded(app, *RUN)
    as_of = AsOf(END)
    report = funnel_report(funnel_data(session=db, as_of=as_of), [])
    hot, warm, future = (row.conversion or 0.0 for row in report.grades.rows)
    assert hot > warm > future
    assert report.grades.test is not None and report.grades.test.p_value < 0.001
    reached = [s.reached for s in report.stages]
    assert reached == sorted(reached, reverse=True) and reached[-1] > 0
    assert all(s.median_days is not None for s in report.stages[:4])
    with app.app_context():
        statuses = {p.status for scope in goals_progress(session=db, as_of=as_of)
                    for p in scope.progress}
        assert {"on_track", "off_track"} <= statuses
        past = goals_history(session=db, as_of=as_of)
        assert past and past[0].month == date(2025, 5, 1)
