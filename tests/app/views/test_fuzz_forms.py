"""Hypothesis posts hostile text to the web forms: never a server error, nothing unstorable kept.

The classes of issue 12: NUL, unpaired surrogates (sent as the bytes a broken client would
send), huge integers and very long text. Examples are bounded so the run stays short.
"""

from urllib.parse import quote

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from app.models import Channel, User
from experiments.models import Experiment
from kernel.text import unstorable
from tests import factories
from tests.conftest import sign_in

NASTY_TEXT = st.lists(
    st.one_of(
        st.text(max_size=4),
        st.sampled_from(["\x00", "\ud800", "\udfff", "9" * 30, "x" * 20_000]),
    ),
    max_size=4,
).map("".join)


def _form(fields: dict[str, str]) -> bytes:
    """Return a urlencoded body; surrogates go out as the bytes a sloppy encoder writes."""
    pairs = (f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in fields.items())
    return "&".join(pairs).encode()


def test_channel_and_spend_forms_never_fail(app: Flask, db: Session, owner: User) -> None:
    channel = factories.channel(db, name="Ads")
    client = sign_in(app.test_client(), owner)
    channel_fields = st.fixed_dictionaries(
        {"name": NASTY_TEXT, "notes": NASTY_TEXT, "launch_days": NASTY_TEXT,
         "kind": st.just("seo"), "ring": st.just("outer"), "status": st.just("idea")},
    )  # fmt: skip
    spend_fields = st.fixed_dictionaries(
        {"amount": NASTY_TEXT, "impressions": NASTY_TEXT, "clicks": NASTY_TEXT}
    )

    @given(fields=channel_fields, spend=spend_fields, new=st.booleans())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def post(fields: dict[str, str], spend: dict[str, str], new: bool) -> None:
        path = "/channels/new" if new else f"/channels/{channel.id}/edit"
        response = client.post(path, data=_form(fields),
                               content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert response.status_code < 500, (fields, response.status_code)
        grid = client.post(f"/channels/{channel.id}/spend/2026-01-05", data=_form(spend),
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert grid.status_code < 500, (spend, grid.status_code)

    post()
    db.expire_all()
    for stored in db.exec(select(Channel)):
        assert unstorable(stored.name) is None and unstorable(stored.notes) is None


def test_channel_test_forms_never_fail(app: Flask, db: Session, owner: User) -> None:
    channel = factories.channel(db, name="Ads")
    test = factories.channel_test(db, channel_id=channel.id or 0, end_date=None)
    client = sign_in(app.test_client(), owner)
    names = ("name", "new_channel_name", "audience", "hypothesis", "start_date", "end_date",
             "budget_cap", "max_cac", "min_leads", "min_conversion", "min_ltv_to_cac",
             "payback_weeks")
    test_fields = st.fixed_dictionaries(
        {name: NASTY_TEXT for name in names}
        | {"channel_id": st.sampled_from(["new", str(channel.id), "x"]),
           "new_channel_kind": st.just("pr"), "varies": st.just("audience")})
    other = st.fixed_dictionaries({"note": NASTY_TEXT, "leads": NASTY_TEXT,
                                   "decision": st.sampled_from(["iterate", "x"])})

    @given(fields=test_fields, extra=other, new=st.booleans())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def post(fields: dict[str, str], extra: dict[str, str], new: bool) -> None:
        path = "/tests/new" if new else f"/tests/{test.id}/edit"
        for url, body in ((path, fields), (f"/tests/{test.id}/leads", extra),
                          (f"/tests/{test.id}/decision", extra)):
            response = client.post(url, data=_form(body),
                                   content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, (url, body, response.status_code)

    post()
    db.expire_all()
    for stored in db.exec(select(Experiment)):
        assert unstorable(stored.name) is None and unstorable(stored.hypothesis) is None
