"""The channel tests board (/tests/): create, edit, start, complete, delete, evaluate, decide."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from sqlmodel import select
from werkzeug.wrappers import Response

from app import htmx
from app.db import get_session
from app.models import User
from app.results.channel_tests import board_of_tests, rules_for_tests
from app.results.metrics import today
from app.settings import accepted_dates, load_settings
from app.test_forms import parse_decision, parse_lead_lines, parse_test
from app.views import render_page_or_partial
from app.views.dashboard import requested_as_of
from channels.models import Channel
from experiments.channel_tests import queries
from experiments.channel_tests.evaluation import needs_decision
from experiments.models import Experiment
from ingest.batches import store_items
from kernel.vocabulary import CHANNEL_KINDS, VARIES

bp = Blueprint("channel_tests", __name__, url_prefix="/tests")
COLUMNS = ("planned", "running", "completed")


@bp.get("/")
def index() -> Any:
    """Show the board: planned, running and completed tests, evaluated as of a date."""
    as_of, as_of_error = requested_as_of()
    tests = board_of_tests(as_of, load_settings())
    columns = {status: [t for t in tests if t.test.status == status] for status in COLUMNS}
    return render_page_or_partial("tests/index.html", "tests/_board.html", columns=columns,
                                  as_of=as_of.day, as_of_error=as_of_error, today=today())


@bp.get("/<int:test_id>")
def show(test_id: int) -> Any:
    """Show a test: its plan, its evaluation as of a date and the decision form."""
    test = _get_test(test_id)
    return _render_show(test, {}, {})


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    """Show the new-test form (optionally for ?channel_id=); create the test from valid input."""
    if request.method == "POST":
        return _save(None)
    start = today()
    values = {"varies": "channel", "start_date": start.isoformat(),
              "end_date": (start + timedelta(days=27)).isoformat(),
              "channel_id": request.args.get("channel_id", "")}
    return _render_form(None, values, {})


@bp.route("/<int:test_id>/edit", methods=["GET", "POST"])
def edit(test_id: int) -> Any:
    """Show a test's edit form; save valid changes."""
    test = _get_test(test_id)
    if request.method == "POST":
        return _save(test)
    return _render_form(test, _form_values(test), {})


@bp.post("/<int:test_id>/start")
def start(test_id: int) -> Response:
    """Start a planned test (its channel idea moves to the middle ring, status testing)."""
    return _set_status(_get_test(test_id), "planned", "running")


@bp.post("/<int:test_id>/complete")
def complete(test_id: int) -> Response:
    """Complete a running test (it then waits for a decision)."""
    return _set_status(_get_test(test_id), "running", "completed")


@bp.post("/<int:test_id>/delete")
def delete(test_id: int) -> Response:
    """Delete a test; its leads stay, without a test."""
    test, db = _get_test(test_id), get_session()
    db.delete(test)
    db.commit()
    flash(f"Deleted the test “{test.name}”.", "ok")
    return _redirect(url_for(".index"))


@bp.post("/<int:test_id>/decision")
def decide(test_id: int) -> Any:
    """Decide scale, iterate or kill with a note, dated today and signed by the user."""
    test = _get_test(test_id)
    decision, errors = parse_decision(request.form)
    if test.status == "planned":
        errors["decision"] = "Start the test before deciding on it."
    elif test.decision is not None:
        errors["decision"] = f"This test was already decided ({test.decision})."
    if errors:
        return _render_show(test, errors, request.form, 422)
    db = get_session()
    follow_up = queries.decide(session=db, test=test, decision=decision[0], note=decision[1],
                               day=today(), user_id=g.user.id)
    db.commit()
    flash(f"Decided {decision[0]} on “{test.name}”.", "ok")
    if follow_up is not None:
        return _redirect(url_for(".edit", test_id=follow_up.id))
    return _redirect(url_for(".show", test_id=test.id))


@bp.post("/<int:test_id>/leads")
def add_leads(test_id: int) -> Any:
    """Add or update leads of this test from the form: one "external id, date" per line.

    Stored by the API's batch rules (every line checked first; all or nothing).
    """
    test = _get_test(test_id)
    items, errors = parse_lead_lines(request.form.get("leads", ""), test.channel_id, test_id)
    db = get_session()
    if not errors:
        result = store_items(db.connection(), "leads", items, window=accepted_dates())
        errors = [f"Lead {i + 1}: {field.replace('_', ' ')} {message}".replace(" :", ":")
                  for i, field, message in result.errors]
        if errors:
            db.rollback()
        else:
            db.commit()
            flash(f"Added {result.created:,} leads, updated {result.updated:,}.", "ok")
            return _redirect(url_for(".show", test_id=test_id))
    return _render_show(test, {"leads": " ".join(errors[:10])}, request.form, 422)


def _get_test(test_id: int) -> Experiment:
    test = get_session().get(Experiment, test_id)
    if test is None:
        abort(404, description=f"There is no test #{test_id}.")
    return test


def _set_status(test: Experiment, expected: str, status: str) -> Response:
    if test.status != expected:
        abort(409, description=f"The test is {test.status}, not {expected}.")
    db = get_session()
    queries.set_status(session=db, test=test, status=status, user_id=g.user.id)
    db.commit()
    return _redirect(url_for(".show", test_id=test.id))


def _render_show(test: Experiment, errors: dict[str, str], values: Mapping[str, Any],
                 status: int = 200) -> Response:
    as_of, as_of_error = requested_as_of()
    db = get_session()
    evaluation = queries.evaluate_test(session=db, test=test, as_of=as_of,
                                       rules=rules_for_tests(load_settings(), as_of))
    signer = db.get(User, test.decided_by_id) if test.decided_by_id else None
    return render_page_or_partial(
        "tests/show.html", "tests/_detail.html", http_status=status, test=test,
        channel=db.get(Channel, test.channel_id), evaluation=evaluation,
        needs_decision=needs_decision(test.status, test.decision, evaluation),
        parent=db.get(Experiment, test.parent_id) if test.parent_id else None,
        follow_ups=db.exec(select(Experiment).where(Experiment.parent_id == test.id)).all(),
        decided_by=signer.email if signer else None, as_of=as_of.day, as_of_error=as_of_error,
        errors=errors, values=values, today=today())


def _channels() -> list[Channel]:
    return list(get_session().exec(select(Channel).order_by(Channel.name)).all())


def _render_form(test: Experiment | None, values: Mapping[str, Any], errors: dict[str, str],
                 status: int = 200) -> Response:
    return render_page_or_partial(
        "tests/form.html", "tests/_form.html", http_status=status, test=test, values=values,
        errors=errors, channels=_channels(), CHANNEL_KINDS=CHANNEL_KINDS, VARIES=VARIES)


def _save(test: Experiment | None) -> Response:
    db = get_session()
    ids = frozenset(c.id for c in _channels() if c.id is not None)
    data, errors = parse_test(request.form, accepted_dates(), ids)
    if data is not None and data.new_channel is not None:
        taken = {c.name.casefold() for c in _channels()}
        if data.new_channel.name.casefold() in taken:
            errors = {"new_channel_name": f"A channel named “{data.new_channel.name}” already "
                                          "exists: choose it from the list."}
    if data is None or errors:
        return _render_form(test, request.form, errors, 422)
    saved = queries.save_test(session=db, data=data, user_id=g.user.id, test=test)
    db.commit()
    flash(f"Saved the test “{saved.name}”.", "ok")
    return _redirect(url_for(".show", test_id=saved.id))


def _form_values(test: Experiment) -> dict[str, str]:
    """Return a stored test's fields as the text its form shows."""
    def money(minor: int | None) -> str:
        return "" if minor is None else f"{minor // 100}.{minor % 100:02d}"

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "name": test.name, "channel_id": str(test.channel_id), "audience": test.audience,
        "message": test.message, "hypothesis": test.hypothesis, "varies": test.varies,
        "start_date": test.start_date.isoformat(), "end_date": text(test.end_date),
        "budget_cap": money(test.budget_cap_minor), "max_cac": money(test.max_cac_minor),
        "min_leads": text(test.min_leads), "min_customers": text(test.min_customers),
        "min_conversion": "" if test.min_conversion is None else f"{test.min_conversion * 100:g}",
        "min_ltv_to_cac": text(test.min_ltv_to_cac), "payback_weeks": text(test.payback_weeks),
    }


def _redirect(url: str) -> Response:
    """Send the browser to `url`: HX-Redirect for htmx, 302 otherwise."""
    if htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)
