"""Bullseye web app: `create_app` factory (extensions unbound, bound with init_app)."""

from typing import Any

from flask import Flask
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter, Map

from app import config as app_config
from app import db

MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """`<int:…>` in URLs: ids beyond what the database stores are 404, not an overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


htmx = HTMX()
csrf = CSRFProtect()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app from the environment, overridden by `config`."""
    app = Flask(
        __name__,
        template_folder=str(app_config.ROOT / "templates"),
        static_folder="static",
    )
    app.url_map.converters["int"] = RowIdConverter
    app.config.update(app_config.from_environment())
    if config:
        app.config.update(config)
    from app.api.encoding import BullseyeJSONProvider

    app.json = BullseyeJSONProvider(app)

    from app import limits

    db.init_app(app)
    limits.init_app(app)  # before CSRF, which reads the body
    htmx.init_app(app)
    csrf.init_app(app)

    from app import auth, cli, errors, templating
    from app.accounts import audit, headers
    from app.api import bp as api_bp
    from app.views import audience as audience_views
    from app.views import bullseye, channel_tests, channels, dashboard
    from app.views import cohorts as cohort_views
    from app.views import compare as compare_views
    from app.views import funnel as funnel_views
    from app.views import goals as goal_views
    from app.views import health as health_views
    from app.views import segments as segment_views
    from app.views.admin import account
    from app.views.admin import audit as audit_views
    from app.views.admin import digest as digest_views
    from app.views.admin import settings as settings_views
    from app.views.admin import tokens as token_views
    from app.views.entry import imports as import_views
    from app.views.entry import log as log_views
    from app.views.entry import spend_sheet

    headers.init_app(app)
    audit.install()
    auth.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(audience_views.bp)
    app.register_blueprint(bullseye.bp)
    app.register_blueprint(channels.bp)
    app.register_blueprint(channel_tests.bp)
    app.register_blueprint(cohort_views.bp)
    app.register_blueprint(compare_views.bp)
    app.register_blueprint(digest_views.bp)
    app.register_blueprint(funnel_views.bp)
    app.register_blueprint(goal_views.bp)
    app.register_blueprint(health_views.bp)
    app.register_blueprint(import_views.bp)
    app.register_blueprint(log_views.bp)
    app.register_blueprint(segment_views.bp)
    app.register_blueprint(spend_sheet.bp)
    app.register_blueprint(token_views.bp)
    app.register_blueprint(settings_views.bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_HOPS reverse proxies, take the client's address, scheme and host from the
    X-Forwarded-* headers they set (werkzeug's ProxyFix, made for this), so that sign-in
    throttling counts clients rather than the proxy. With 0 (the default) the headers are
    ignored: a client could otherwise pick its own address and escape the throttle."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def create_server() -> Flask:
    """Build the app for one server process (`make run`) with a fit worker thread in it and,
    unless BULLSEYE_SCHEDULER=off, the weekly email's scheduler."""
    application = create_app()
    from app.digest.scheduler import start_embedded
    from app.jobs.fits import start_thread

    start_thread(application)
    start_embedded(application)
    return application
