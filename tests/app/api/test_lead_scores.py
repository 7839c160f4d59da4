"""Lead scores (issue 18) in the API's lead answer and in the leads export."""

from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Lead
from app.results.audience import store_scores
from ingest.exporter import export_leads
from tests import factories
from tests.ingest.test_importer import problems, run
from tests.openapi_check import assert_matches_openapi

FITTED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_the_score_is_in_the_api_answer_and_the_export(
    app: Flask, client: FlaskClient, db: Session, headers: dict[str, str], spec: dict[str, Any]
) -> None:
    ch = factories.channel(db, name="Ads")
    scored = factories.lead(db, ch, date(2026, 3, 2), external_id="a-1",
                            attributes={"industry": "SaaS"})
    factories.lead(db, ch, date(2026, 3, 3), external_id="a-2", attributes={"score": "9"})
    store_scores(db, np.array([scored.id]), np.array([87.456]), FITTED)
    db.commit()

    answer = client.get("/api/v1/leads/a-1/stages", headers=headers)
    assert_matches_openapi(spec, "get", "/leads/{external_id}/stages", 200, answer.get_json())
    assert answer.get_json()["score"] == 87.46  # stored to 2 decimals
    assert answer.get_json()["scored_at"] == "2026-11-02T09:30:00+00:00"
    unscored = client.get("/api/v1/leads/a-2/stages", headers=headers).get_json()
    assert unscored["score"] is None and unscored["scored_at"] is None  # never 0

    with make_engine(app.config["DATABASE_URL"]).connect() as conn:
        lines = [line.replace('"', "") for line in
                 "".join(export_leads(conn, "UTC")).splitlines()]  # every cell is quoted
    # The score follows the fixed columns; an attribute called "score" is not exported
    # (an import skips that column, so the file imports back without it).
    assert lines[0] == "external_id,channel,created_at,test,stage,grade,score,industry"
    assert lines[1].startswith("a-1,Ads,") and lines[1].endswith(",lead,,87.5,SaaS")
    assert lines[2].endswith(",lead,,,")


def test_an_import_skips_the_score_column(app: Flask, db: Session) -> None:
    factories.channel(db, name="Ads")
    result = run(app, "leads", "external_id,channel,created_at,score,industry\n"
                 "b-1,Ads,2026-03-02,55.0,SaaS\n")
    assert result.created == 1, problems(result)
    lead = db.exec(select(Lead)).one()
    assert lead.attributes == {"industry": "SaaS"}
