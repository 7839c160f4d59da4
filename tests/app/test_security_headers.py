"""Security headers on every response: pages, partials, CSV, API, static, errors (issue 20)."""

import re

from flask import Flask
from werkzeug.test import TestResponse

from app.accounts.headers import CONTENT_SECURITY_POLICY
from app.config import ROOT
from app.models import User
from tests.conftest import sign_in

_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


# Responses shown in a same-origin frame by another page (the email preview of /digest/).
FRAMED = {"digest.preview"}
FRAMED_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


def _assert_headers(response: TestResponse, where: str, framed: bool = False) -> None:
    headers = response.headers
    policy = FRAMED_POLICY if framed and response.status_code == 200 else CONTENT_SECURITY_POLICY
    assert headers.get("Content-Security-Policy") == policy, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where


def test_the_policy_allows_no_inline_script_and_no_other_origin() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "http" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY


def _concrete(rule: str) -> str:
    return _PARAMETER.sub(lambda m: "1" if m.group(1) == "int" else "x", rule)


def test_every_route_sends_the_headers(app: Flask, owner: User) -> None:
    client = sign_in(app.test_client(), owner)
    anonymous = app.test_client()
    seen = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        path = _concrete(rule.rule)
        if rule.endpoint == "static":
            path = "/static/app.css"
        for who, c in (("owner", client), ("anonymous", anonymous)):
            _assert_headers(c.get(path), f"{who} GET {path}", rule.endpoint in FRAMED)
            seen += 1
        if "POST" in (rule.methods or ()):
            _assert_headers(client.post(path), f"POST {path}")
    assert seen > 40
    partial = client.get("/", headers={"HX-Request": "true"})
    _assert_headers(partial, "htmx partial")
    _assert_headers(client.get("/imports/export/leads.csv"), "CSV export")
    _assert_headers(client.get("/no-such-page"), "404")


def test_hsts_only_when_https_is_configured(app: Flask, database_url: str) -> None:
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    from app import create_app

    https = create_app({"TESTING": True, "DATABASE_URL": database_url,
                        "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": True})
    assert https.test_client().get("/login").headers["Strict-Transport-Security"].startswith(
        "max-age=")


def test_templates_hold_no_inline_script() -> None:
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag, f"inline <script> in {path}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {path}"
        assert "hx-on" not in text and "js:" not in text, f"htmx eval in {path}"


