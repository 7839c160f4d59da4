"""An import that read its file under a week start or time zone changed meanwhile stores nothing."""

import io

from flask import Flask
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Lead, Settings
from ingest.importer import Progress, import_file
from ingest.staging import CALENDAR_CHANGED
from tests import factories

LEADS = "external_id,channel,created_at\nl1,Ads,2026-03-08T23:30:00Z\n"


def test_an_import_whose_settings_changed_while_reading_stores_nothing(
    app: Flask, db: Session
) -> None:
    factories.channel(db, name="Ads")

    def change_week_start(progress: Progress) -> None:
        if progress.phase == "checking":  # read and staged under Monday weeks
            settings = db.get(Settings, 1)
            assert settings is not None
            settings.week_start = 6
            db.add(settings)
            db.commit()

    with app.app_context():
        result = import_file(get_engine(), "leads", io.BytesIO(LEADS.encode()),
                             progress=change_week_start)
    assert [(e.row, e.message) for e in result.report.sorted()] == [(1, CALENDAR_CHANGED)]
    assert db.exec(select(Lead)).all() == []
    with app.app_context():  # read again under Sunday weeks, it is stored
        again = import_file(get_engine(), "leads", io.BytesIO(LEADS.encode()))
    assert not again.report and again.created == 1
    db.expire_all()
    assert [str(lead.cohort_week) for lead in db.exec(select(Lead))] == ["2026-03-08"]
