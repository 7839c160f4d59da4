"""Every route × every role: who may read and who may change what (issue 20).

Each endpoint is declared here with its access rule; a route missing from the table fails
`test_every_route_is_in_the_matrix`, so a new page cannot ship without its rule.
"""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from tests.api_support import bearer
from tests.conftest import sign_in

# public: no sign-in; read: every signed-in role may GET, editors and owners write;
# edit: editors and owners only, for every method (forms a viewer cannot use are not shown);
# self: every signed-in role may use it (their own session, tokens, password);
# owner: owners only, for every method.
MATRIX: dict[str, str] = {
    "static": "public", "auth.login": "public", "account.reset": "public",
    "api.openapi_document": "public",
    "auth.logout": "self", "tokens.index": "self", "tokens.create": "self",
    "tokens.revoke": "self", "account.show": "self", "account.password": "self",
    "account.sign_out_everywhere": "self",
    "account.users": "owner", "account.create": "owner", "account.role": "owner",
    "account.active": "owner", "account.delete": "owner", "account.reset_link": "owner",
    "audit.index": "owner", "audit.export": "owner", "api.audit_entries": "owner",
    "dashboard.index": "read", "bullseye.index": "read", "bullseye.add_idea": "read",
    "channels.index": "read", "channels.show": "read", "channels.new": "edit",
    "channels.edit": "edit", "channels.triangle": "read", "channels.spend": "read",
    "channels.spend_week": "read", "channels.save_spend": "read", "cohorts.index": "read",
    "compare.index": "read", "compare.matrix": "read", "compare.segment_values": "read",
    "health.alerts": "read", "health.channel": "read", "imports.index": "read",
    "imports.upload": "read", "imports.job": "read", "imports.report": "read",
    "imports.export": "read", "imports.format_template": "read", "segments.index": "read",
    "api.channel_health": "read", "api.channel_metrics": "read",
    "api.cohort_metrics": "read", "api.compare_groups": "read", "api.create_channel": "read",
    "api.get_channel": "read", "api.list_channels": "read", "api.post_leads": "read",
    "api.post_purchases": "read", "api.put_spend": "read", "api.segment_insights": "read",
    "api.update_channel": "read",
    # settings and the weekly email (issue 15)
    "settings.index": "read", "settings.change": "read", "settings.save": "owner",
    "api.read_settings": "read", "api.update_settings": "owner",
    "digest.index": "read", "digest.preview": "read", "digest.send_now": "owner",
    "digest.retry": "owner", "digest.send_status": "owner",
    # channel tests (issue 14)
    "channel_tests.index": "read", "channel_tests.show": "read", "channel_tests.new": "read",
    "channel_tests.edit": "read", "channel_tests.start": "read", "channel_tests.complete": "read",
    "channel_tests.decide": "read", "channel_tests.delete": "read",
    "channel_tests.add_leads": "read", "api.list_tests": "read", "api.get_test": "read",
    "api.create_test": "read", "api.update_test": "read", "api.decide_test": "read",
    # funnel and goals (issue 17)
    "funnel.index": "read", "funnel.move_lead": "read", "goals.index": "read",
    "goals.save": "read", "api.get_goals": "read", "api.put_goals": "read",
    "api.patch_lead": "read", "api.lead_stages": "read",
    "log.index": "read", "log.save": "read", "api.get_week_log": "read",
    "api.put_week_log": "read",
    "api.ltv_backtest": "read", "spend_sheet.index": "read", "spend_sheet.save": "read",
    # who is worth acquiring (issue 18)
    "audience.index": "read", "audience.node": "read",
}
_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
DENIED = (401, 403)


def _cases(app: Flask) -> list[tuple[str, str, str]]:
    cases = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = _PARAMETER.sub(lambda m: "1" if m.group(1) == "int" else "x", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            cases.append((rule.endpoint, method, path))
    return cases


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - MATRIX.keys()) == [], "add these routes to MATRIX"
    assert sorted(MATRIX.keys() - endpoints) == [], "remove routes that no longer exist"


def _call(client: FlaskClient, method: str, path: str,
          headers: dict[str, str] | None = None) -> int:
    return client.open(path, method=method, headers=headers or {}).status_code


def _allowed(rule: str, role: str | None, method: str) -> bool:
    if rule == "public":
        return True
    if role is None:
        return False
    if rule == "owner":
        return role == "owner"
    if rule == "edit":
        return role in ("owner", "editor")
    if rule == "self" or method == "GET":
        return True
    return role in ("owner", "editor")


@pytest.mark.parametrize("role", [None, "viewer", "editor", "owner"])
def test_each_role_gets_what_the_matrix_says(app: Flask, db: object, role: str | None,
                                             owner: User, editor: User, viewer: User) -> None:
    users = {"owner": owner, "editor": editor, "viewer": viewer}
    client = app.test_client()
    headers: dict[str, str] = {}
    if role is not None:
        sign_in(client, users[role])
        bearer(db, users[role], name="token 1, which the walk revokes")  # type: ignore[arg-type]
        headers = bearer(db, users[role])  # type: ignore[arg-type]
    for endpoint, method, path in _cases(app):
        if endpoint in ("auth.logout", "account.sign_out_everywhere"):
            continue  # signing out would end the session the rest of the walk uses
        rule = MATRIX[endpoint]
        status = _call(client, method, path, headers if path.startswith("/api/") else None)
        where = f"{role} {method} {path} ({rule})"
        if rule == "public":
            assert status != 403 and (method != "GET" or status != 302), where
        elif _allowed(rule, role, method):
            assert status not in DENIED, where
        elif role is None and method == "GET" and not path.startswith("/api/"):
            assert status == 302, where  # sent to sign in
        else:
            assert status in DENIED, where
