"""Segment insights page on a factory-built dataset, numbers checked against scipy/statsmodels."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from scipy import stats
from sqlmodel import Session
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from app.models import Lead, Purchase
from cohorts.queries import AsOf
from experiments.segments.queries import attribute_keys, attribute_values, segment_moments
from kernel.weeks import week_of
from tests import factories

HX = {"HX-Request": "true"}
AS_OF = "2026-03-01"
INDUSTRIES = ("saas", "retail", "fintech")
REGIONS = ("EU", "US")


@dataclass
class Known:
    """What the test knows about each lead it created (reference data)."""

    channel: list[int]
    attributes: list[dict[str, str]]
    converted: list[bool]
    revenue: list[int]


def _buy(db: Session, lead: Lead, day: date, amount: int, key: str) -> None:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    assert lead.id is not None
    db.add(Purchase(external_id=key, lead_id=lead.id, purchased_at=at, purchased_on=day,
                    amount_minor=amount))


def populate(db: Session, channel_id: int, n: int, seed: int, known: Known) -> None:
    """Add n leads: saas converts ~30 %, others ~8 %; some buy twice, some only after as-of."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        attrs = {"industry": INDUSTRIES[i % 3]}
        if i % 10:  # every tenth lead has no region: it belongs to every region's "rest"
            attrs["region"] = REGIONS[(i // 3) % 2]
        created = datetime(2026, 1, 5 + i % 20, 9, tzinfo=UTC)
        lead = Lead(external_id=f"seg-{channel_id}-{i}", channel_id=channel_id,
                    created_at=created, cohort_week=week_of(created.date()), attributes=attrs)
        db.add(lead)
        db.flush()
        rate = 0.3 if attrs["industry"] == "saas" else 0.08
        revenue = 0
        if rng.random() < rate:
            revenue = int(rng.lognormal(8, 1))
            _buy(db, lead, date(2026, 2, 1), revenue, f"p-{lead.id}-1")
            if i % 4 == 0:
                _buy(db, lead, date(2026, 2, 10), 1500, f"p-{lead.id}-2")
                revenue += 1500
            _buy(db, lead, date(2026, 3, 10), 99999, f"p-{lead.id}-late")
        elif i % 7 == 0:
            _buy(db, lead, date(2026, 3, 5), 5000, f"p-{lead.id}-after")  # after as-of
        known.channel.append(channel_id)
        known.attributes.append(attrs)
        known.converted.append(revenue > 0)
        known.revenue.append(revenue)
    db.commit()


@pytest.fixture
def dataset(db: Session) -> dict[str, Any]:
    """Two channels (360 and 240 leads), attributes industry and region, plus a late lead."""
    ads = factories.channel(db, name="Ads")
    refs = factories.channel(db, name="Referrals")
    known = Known([], [], [], [])
    assert ads.id is not None and refs.id is not None
    populate(db, ads.id, 360, 1, known)
    populate(db, refs.id, 240, 2, known)
    factories.lead(db, ads, date(2026, 3, 4), attributes={"industry": "saas", "role": "cto"})
    return {"ads": ads.id, "refs": refs.id, "known": known}


def reference(known: Known, channel_id: int | None) -> list[dict[str, Any]]:
    """Return every value against the rest, computed here with statsmodels and scipy."""
    keep = [channel_id is None or c == channel_id for c in known.channel]
    attrs = [a for a, k in zip(known.attributes, keep, strict=True) if k]
    conv = np.array([c for c, k in zip(known.converted, keep, strict=True) if k], dtype=int)
    revenue = np.array([r for r, k in zip(known.revenue, keep, strict=True) if k], float) / 100
    rows = []
    for attribute, values in (("industry", INDUSTRIES), ("region", REGIONS)):
        for value in values:
            inside = np.array([a.get(attribute) == value for a in attrs])
            x, n = [conv[inside].sum(), conv[~inside].sum()], [inside.sum(), (~inside).sum()]
            rows.append({
                "segment": f"{attribute}={value}", "rate": x[0] / n[0], "rest": x[1] / n[1],
                "p_conv": proportions_ztest(x, n)[1],
                "p_rev": stats.ttest_ind(revenue[inside], revenue[~inside],
                                         equal_var=False).pvalue,
            })
    for key, method in (("p_conv", "holm"), ("p_rev", "holm")):
        adjusted = multipletests([r[key] for r in rows], method=method)[1]
        for r, q in zip(rows, adjusted, strict=True):
            r[key] = q
    return sorted(rows, key=lambda r: -abs(r["rate"] - r["rest"]))


def shown(html: str, segment: str, stat: str) -> float:
    row = html[html.index(f'data-segment="{segment}"'):]
    row = row[row.index(f'data-stat="{stat}" data-value="') + len(f'data-stat="{stat}" '
                                                                  'data-value="'):]
    return float(row[:row.index('"')])


@pytest.mark.parametrize("scope", ["all", "ads"])
def test_insights_match_scipy_and_statsmodels(
    viewer_client: FlaskClient, dataset: dict[str, Any], scope: str
) -> None:
    channel_id = None if scope == "all" else dataset["ads"]
    query = f"/segments/?as_of={AS_OF}" + (f"&channel={channel_id}" if channel_id else "")
    response = viewer_client.get(query)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1>Segment insights</h1>" in html
    expected = reference(dataset["known"], channel_id)
    order = [html.index(f'data-segment="{r["segment"]}"') for r in expected]
    assert order == sorted(order)  # ranked by absolute difference in conversion
    for r in expected:
        assert shown(html, r["segment"], "conversion-p") == pytest.approx(r["p_conv"], rel=1e-9)
        assert shown(html, r["segment"], "revenue-p") == pytest.approx(r["p_rev"], rel=1e-6)
    top = expected[0]
    assert top["segment"] == "industry=saas"
    sentence = (f"saas leads (industry) convert at {top['rate'] * 100:.1f} % vs "
                f"{top['rest'] * 100:.1f} % for the rest (p < 0.001 after correction).")
    assert sentence in unescape(html)
    assert 'data-segment="industry=saas" class="significant better"' in html
    assert 'data-segment="role=cto"' not in html  # created after the as-of date


def test_partial_and_bh_switch(viewer_client: FlaskClient, dataset: dict[str, Any]) -> None:
    html = viewer_client.get(f"/segments/?as_of={AS_OF}&method=bh", headers=HX).get_data(
        as_text=True)
    assert html.lstrip().startswith('<section id="segment-insights"') and "<h1>" not in html
    raw = reference(dataset["known"], None)
    assert "Benjamini–Hochberg" in html and all(
        shown(html, r["segment"], "conversion-p") <= r["p_conv"] + 1e-12 for r in raw)


def test_queries_aggregate_per_value(db: Session, dataset: dict[str, Any]) -> None:
    known: Known = dataset["known"]
    assert attribute_keys(session=db) == ["industry", "region", "role"]
    assert attribute_keys(session=db, channel_id=dataset["refs"]) == ["industry", "region"]
    assert dict(attribute_values(session=db, attribute="industry"))["saas"] == 201
    values, totals, plan = segment_moments(session=db, as_of=AsOf(day=date(2026, 3, 1)))
    assert plan.compared == ("industry", "region") and not plan.skipped  # role: after as-of
    revenue = np.array(known.revenue, dtype=float)
    assert (totals.leads, totals.customers) == (600, sum(known.converted))
    np.testing.assert_allclose([totals.revenue_sum, totals.revenue_sq_sum],
                               [revenue.sum(), (revenue**2).sum()])
    eu = next(v.moments for v in values if (v.attribute, v.value) == ("region", "EU"))
    inside = np.array([a.get("region") == "EU" for a in known.attributes])
    assert eu.leads == inside.sum() and eu.revenue_sum == revenue[inside].sum()


def test_page_names_skipped_attributes_pooled_values_and_tests(
    app: Flask, viewer_client: FlaskClient, dataset: dict[str, Any]
) -> None:
    app.config.update(SEGMENT_TOP_VALUES=1, SEGMENT_MAX_VALUES=2, SEGMENT_MAX_ATTRIBUTES=2)
    html = unescape(viewer_client.get(f"/segments/?as_of={AS_OF}").get_data(as_text=True))
    assert "industry: 3 distinct values, skipped — too many to compare (at most 2)." in html
    assert 'data-segment="industry=' not in html
    known: Known = dataset["known"]
    regions = [a.get("region") for a in known.attributes]
    top, pooled = sorted(REGIONS, key=lambda r: (-regions.count(r), r))
    assert f'data-segment="region={top}"' in html and f'data-segment="region={pooled}"' not in html
    row = html[html.index('data-segment="region:other" data-pooled="1"'):]
    assert "<em>other (1 value)</em>" in row[:row.index("</tr>")]
    leads = row[row.index('class="num">') + len('class="num">'):]
    assert leads[:leads.index("<")] == str(regions.count(pooled))
    assert 'data-stat="conversion-test" data-value="z_test">Two-proportion z-test (pooled)' in row
    assert "These are fixed-horizon tests, valid for one look" in " ".join(html.split())
    app.config.update(SEGMENT_MAX_ATTRIBUTES=1)  # industry (on every lead) is the one looked at
    html = unescape(viewer_client.get(f"/segments/?as_of={AS_OF}").get_data(as_text=True))
    assert "1 more attribute not compared: only the 1 most used attribute is." in html


def test_empty_database_explains(viewer_client: FlaskClient) -> None:
    html = viewer_client.get("/segments/").get_data(as_text=True)
    assert "No lead has attributes yet" in html
    assert 'href="/segments/" aria-current="page">Segments</a>' in html


@pytest.mark.parametrize(
    ("difference", "shown"),
    [(0.054, "+5.4 pp"), (-0.0504, "-5.0 pp"), (-0.0004, "0.0 pp"), (0.0, "0.0 pp"), (None, "—")],
)
def test_differences_of_rates_read_in_signed_points(
    app: Flask, difference: float | None, shown: str
) -> None:
    assert app.jinja_env.filters["points"](difference) == shown


def test_each_segment_links_to_compare_and_cac_is_explained(
    viewer_client: FlaskClient, dataset: dict[str, Any]
) -> None:
    ads = dataset["ads"]
    html = viewer_client.get(f"/segments/?as_of={AS_OF}&channel={ads}").get_data(as_text=True)
    row = html[html.index('data-segment="industry=saas"'):]
    row = row[:row.index("</tr>")]
    link = re.search(r'class="compare-link" href="([^"]+)"', row)
    assert link is not None
    query = parse_qs(urlsplit(unescape(link.group(1))).query)
    assert query == {"a": [f"channel:{ads}"], "b": [f"channel:{ads}+segment:industry=saas"],
                     "as_of": [AS_OF]}
    compare = viewer_client.get(unescape(link.group(1))).get_data(as_text=True)
    assert '<tr data-group="B">\n        <th scope="row">' in compare  # the page runs it
    assert 'id="segment-cac"' in html and "cannot be split between the segments" in html


def test_with_all_channels_each_segment_links_to_compare_against_all_leads(
    viewer_client: FlaskClient, dataset: dict[str, Any]
) -> None:
    """With "All channels" the link named no group A, so Compare answered 400 ("the group
    is empty"); it now sets the segment against every lead, and the comparison runs."""
    known: Known = dataset["known"]
    html = viewer_client.get(f"/segments/?as_of={AS_OF}").get_data(as_text=True)
    assert 'class="compare-link"' in html
    links = dict(re.findall(r'<tr data-segment="([^"]+)".*?class="compare-link" href="([^"]+)"',
                            html, re.S))
    assert set(links) == {f"{a}={v}" for a, vs in (("industry", INDUSTRIES),
                                                   ("region", REGIONS)) for v in vs}
    for segment, link in links.items():
        query = parse_qs(urlsplit(unescape(link)).query)
        assert query == {"a": ["all"], "b": [f"segment:{segment}"], "as_of": [AS_OF]}
    response = viewer_client.get(unescape(links["industry=saas"]))
    assert response.status_code == 200
    compare = response.get_data(as_text=True)
    groups = {side: (name, int(n.replace(",", "")), int(x.replace(",", "")))
              for side, name, n, x in re.findall(
                  r'<tr data-group="([AB])">\s*<th scope="row">([^<]*)</th>'
                  r'<td class="num">([\d,]+)</td><td class="num">([\d,]+)</td>', compare)}
    saas = [a.get("industry") == "saas" for a in known.attributes]
    # the late lead (created after the as-of date) is in neither group
    assert groups["A"] == ("All leads", len(known.converted), sum(known.converted))
    assert groups["B"] == ("industry = saas", sum(saas),
                           sum(c for c, s in zip(known.converted, saas, strict=True) if s))
    assert "Compare</em> opens the segment against\n    all leads (every channel)" in html
