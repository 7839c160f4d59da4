"""The demo's channel catalogue, channel tests and audience segments (data for demo.generator).

See the docstring of `demo.generator` for which channel has which built-in economics.
"""

from dataclasses import dataclass

BURNOUT_CHANNEL = "Facebook Ads — lookalike audiences"
SATURATION_CHANNEL = "Google Ads — competitor keywords"
CHEAP_CHANNEL = "Coupon & deal sites"
EXPENSIVE_CHANNEL = "LinkedIn Ads — decision makers"
SMALL_CHANNEL = "Partner referrals"
PAUSED_CHANNEL = "Cold email outreach"


@dataclass(frozen=True)
class ChannelProfile:
    """A demo channel: what is stored about it and the economics it is simulated with.

    Money in minor units; `share` is the relative lead volume; `start`/`stop` are fractions of
    the period; `shape` is steady, growing, burnout, saturating, launch or events; `spend_model`
    is per_lead, flat or saturating; `repeat` is none, monthly, quarterly or occasional, with
    `churn` the chance of stopping after each purchase.
    """

    name: str
    kind: str
    ring: str
    status: str
    launch_days: int
    ice: tuple[int, int, int]
    share: float = 0.0
    cpl_minor: int = 0
    conversion: float = 0.0
    cycle_days: float = 14.0
    price_minor: int = 4900
    repeat: str = "monthly"
    churn: float = 0.12
    refund_rate: float = 0.02
    shape: str = "steady"
    spend_model: str = "per_lead"
    start: float = 0.0
    stop: float = 1.0
    decay: float = 1.0
    ctr: float | None = None
    audience: str = "broad"
    events: tuple[float, ...] = ()
    notes: str = ""


CHANNELS: tuple[ChannelProfile, ...] = (
    ChannelProfile(
        "Google Ads — long tail", "sem", "inner", "focus", 3, (7, 8, 8), share=0.12,
        cpl_minor=800, conversion=0.08, cycle_days=10, ctr=0.035, audience="smb",
        notes="Exact-match long-tail keywords; steady performer.",
    ),
    ChannelProfile(
        SATURATION_CHANNEL, "sem", "middle", "testing", 2, (7, 6, 8), share=0.14,
        cpl_minor=1000, conversion=0.15, cycle_days=7, churn=0.2, ctr=0.02,
        shape="saturating", spend_model="saturating",
        notes="Bidding on competitors' brand terms; budget varied week to week.",
    ),
    ChannelProfile(
        BURNOUT_CHANNEL, "social_display_ads", "inner", "focus", 5, (8, 7, 7), share=0.14,
        cpl_minor=700, conversion=0.15, cycle_days=8, price_minor=3900, churn=0.25,
        shape="burnout", spend_model="flat", decay=0.12, ctr=0.012,
        notes="Lookalikes of our first 1,000 customers.",
    ),
    ChannelProfile(
        CHEAP_CHANNEL, "affiliate_programs", "middle", "dropped", 7, (5, 6, 9), share=0.16,
        cpl_minor=300, conversion=0.09, cycle_days=2, price_minor=1900, repeat="occasional",
        churn=0.97, refund_rate=0.08, audience="smb", stop=0.73,
        notes="Discount listings; pays a commission per sign-up.",
    ),
    ChannelProfile(
        EXPENSIVE_CHANNEL, "social_display_ads", "inner", "focus", 10, (8, 5, 6),
        share=0.05, cpl_minor=9000, conversion=0.08, cycle_days=30, price_minor=29900,
        churn=0.07, refund_rate=0.01, ctr=0.006, audience="enterprise",
        notes="Sponsored content targeting VPs of marketing and CFOs.",
    ),
    ChannelProfile(
        SMALL_CHANNEL, "business_development", "middle", "testing", 30, (6, 7, 4), share=0.012,
        cpl_minor=2000, conversion=0.35, cycle_days=14, price_minor=14900, churn=0.08,
        refund_rate=0.01, audience="enterprise",
        notes="Agencies that resell us; 20 % referral fee per lead.",
    ),
    ChannelProfile(
        "SEO blog", "seo", "inner", "focus", 60, (7, 7, 5), share=0.12, cpl_minor=600,
        conversion=0.06, cycle_days=12, shape="growing", spend_model="flat", audience="tech",
        notes="Two posts a week by a freelance writer.",
    ),
    ChannelProfile(
        "Product Hunt launch", "existing_platforms", "outer", "dropped", 14, (6, 4, 7),
        share=0.03, cpl_minor=200, conversion=0.06, cycle_days=9, churn=0.25, shape="launch",
        start=0.35, audience="tech", notes="One launch day; traffic faded within weeks.",
    ),
    ChannelProfile(
        "Trade show — SaaStr", "trade_shows", "outer", "testing", 90, (7, 4, 3), share=0.04,
        cpl_minor=15000, conversion=0.10, cycle_days=45, price_minor=19900, repeat="quarterly",
        churn=0.1, shape="events", events=(0.2, 0.7), audience="enterprise",
        notes="Booth, travel and swag.",
    ),
    ChannelProfile(
        "Newsletter sponsorships", "targeting_blogs", "outer", "testing", 7, (5, 6, 7),
        share=0.05, cpl_minor=1000, conversion=0.07, cycle_days=14, start=0.25,
        notes="Sponsored slots in three SaaS newsletters.",
    ),
    ChannelProfile(
        "Webinars", "content_marketing", "middle", "testing", 21, (6, 6, 5), share=0.05,
        cpl_minor=1500, conversion=0.09, cycle_days=21, price_minor=9900, repeat="quarterly",
        churn=0.15, spend_model="flat", audience="enterprise",
        notes="Monthly live demo with Q&A.",
    ),
    ChannelProfile(
        "Free SEO audit tool", "engineering_as_marketing", "middle", "testing", 45, (7, 5, 4),
        share=0.06, cpl_minor=400, conversion=0.05, cycle_days=20, churn=0.15,
        shape="growing", spend_model="flat", start=0.4, audience="tech",
        notes="Free site checker that collects emails.",
    ),
    ChannelProfile(
        PAUSED_CHANNEL, "email_marketing", "outer", "paused", 5, (4, 5, 8), share=0.04,
        cpl_minor=400, conversion=0.04, cycle_days=25, price_minor=9900, repeat="occasional",
        churn=0.5, stop=0.75, notes="Paused after spam complaints.",
    ),
    ChannelProfile(
        "Slack community", "community_building", "outer", "testing", 30, (5, 5, 6), share=0.02,
        cpl_minor=500, conversion=0.07, cycle_days=30, churn=0.08, spend_model="flat",
        start=0.5, audience="tech", notes="Community manager part time.",
    ),
    ChannelProfile(
        "Podcast guest spots", "speaking_engagements", "outer", "idea", 30, (5, 4, 6),
        notes="Brainstormed; not tested yet.",
    ),
    ChannelProfile(
        "Billboard on US-101", "offline_ads", "outer", "idea", 60, (3, 2, 2),
        notes="Brainstormed; not tested yet.",
    ),
)


@dataclass(frozen=True)
class ExperimentPlan:
    """A channel test: its window as fractions of the period and its effect on conversion."""

    name: str
    channel: str
    audience: str
    message: str
    hypothesis: str
    start: float
    end: float | None
    status: str
    decision: str | None
    assign: float
    lift: float
    budget_cap_minor: int | None = None
    max_cac_minor: int | None = None
    min_leads: int | None = None
    min_ltv_to_cac: float | None = None
    note: str = ""
    varies: str = "message"
    min_customers: int | None = None
    min_conversion: float | None = None
    payback_weeks: int | None = None


# Every state of the tests board: planned; running within budget, over budget and past its
# end date (no decision yet); completed with each decision (iterate without a follow-up).
# A decision moves its channel as in the app (demo.history.decision_rows): the CFO test's
# *scale* put EXPENSIVE_CHANNEL in the inner ring with status focus and the coupon test's
# *kill* dropped CHEAP_CHANNEL (which stops taking leads and spend in the week of that
# decision), so CHANNELS hold the states these decisions led to.
EXPERIMENTS: tuple[ExperimentPlan, ...] = (
    ExperimentPlan(
        "LinkedIn — CFO message", EXPENSIVE_CHANNEL, "CFOs of 51–1000-person companies",
        "Close the books two days faster", "A finance message converts CFOs better",
        0.55, 0.70, "completed", "scale", 0.6, 1.4, 1_500_000, 300_000, 50, None,
        "CFO leads converted 40 % better at the same cost; moving the budget to this message.",
    ),
    ExperimentPlan(
        "Coupons — 30 % off instead of 20 %", CHEAP_CHANNEL, "Deal hunters",
        "30 % off the first month", "A deeper discount doubles conversion",
        0.60, 0.72, "completed", "kill", 0.5, 1.1, 300_000, 2_000, 200, None,
        "Barely more buyers, at a lower price and more refunds; back to 20 % off.",
    ),
    ExperimentPlan(
        "Long tail — new landing page", "Google Ads — long tail", "Small businesses",
        "Set up in five minutes", "A shorter page raises sign-ups", 0.94, 1.1, "running",
        None, 0.5, 1.0, 10_000_000, 20_000, 10_000, 3.0,
    ),
    ExperimentPlan(
        "Competitor keywords — comparison ads", SATURATION_CHANNEL, "Teams on a competitor",
        "Half the price of the tool you use", "Comparison ads convert switchers",
        0.9, 1.1, "running", None, 0.5, 1.1, 100_000, 15_000, 50, None,
        varies="audience", min_conversion=0.05,
    ),
    ExperimentPlan(
        "Newsletters — developer weeklies", "Newsletter sponsorships", "Developers",
        "The API your team will not hate", "Developer newsletters bring technical buyers",
        0.7, 0.85, "running", None, 0.6, 1.0, 2_000_000, 25_000, 60, None,
        varies="audience", min_customers=10,
    ),
    ExperimentPlan(
        "Partner referrals — 20 % revenue share", SMALL_CHANNEL, "Partners' clients",
        "Your partner recommends us", "A higher revenue share makes partners refer more",
        0.4, 0.55, "completed", "iterate", 0.8, 1.0, 500_000, 40_000, 30, 3.0,
        "More referrals, but few customers yet; trying 15 % with a co-branded page.",
        varies="message", payback_weeks=12,
    ),
    ExperimentPlan(
        "Webinar — pricing deep-dive", "Webinars", "Operations leads",
        "See exactly what you will pay", "Pricing transparency brings sales-ready leads",
        1.05, 1.2, "planned", None, 0.0, 1.0, 200_000, 30_000, 40, 3.0,
    ),
)


@dataclass(frozen=True)
class Segment:
    """One lead attribute: its values, their base mix and their effect on conversion."""

    key: str
    values: tuple[str, ...]
    mix: tuple[float, ...]
    conversion: tuple[float, ...]


SEGMENTS: tuple[Segment, ...] = (
    Segment(
        "industry",
        ("SaaS", "E-commerce", "Fintech", "Healthcare", "Education", "Agency", "Manufacturing"),
        (0.25, 0.18, 0.12, 0.10, 0.10, 0.15, 0.10),
        (1.3, 1.0, 1.2, 0.9, 0.6, 0.8, 1.0),
    ),
    Segment(
        "region",
        ("North America", "Europe", "APAC", "LATAM"),
        (0.45, 0.30, 0.15, 0.10),
        (1.1, 1.0, 0.8, 0.7),
    ),
    Segment(
        "company_size",
        ("1-10", "11-50", "51-200", "201-1000", "1000+"),
        (0.35, 0.30, 0.18, 0.12, 0.05),
        (0.7, 1.0, 1.3, 1.4, 1.2),
    ),
    Segment(
        "role",
        ("Founder", "Marketing", "Sales", "Engineering", "Operations"),
        (0.30, 0.30, 0.15, 0.15, 0.10),
        (1.3, 1.1, 1.0, 0.7, 0.9),
    ),
)

# The planted audience effect (issue 18, README "Who is worth acquiring"): SaaS companies with
# 51+ employees convert PLANTED_LIFT times as often as other leads with the same attributes
# (and, being bigger, buy bigger plans: SIZE_PRICE), so the audience page's tree, ranking and
# lead score have a known answer to find.
PLANTED_INDUSTRY, PLANTED_MIN_SIZE, PLANTED_LIFT = "SaaS", "51-200", 4.0

# Price multiplier of a plan by company size (bigger companies buy bigger plans).
SIZE_PRICE: tuple[float, ...] = (0.6, 1.0, 1.6, 2.5, 4.0)

# How each audience tilts the base mix of every segment (multipliers, renormalised).
AUDIENCES: dict[str, tuple[tuple[float, ...], ...]] = {
    "broad": ((1,) * 7, (1,) * 4, (1,) * 5, (1,) * 5),
    "smb": (
        (1, 1.6, 0.8, 0.8, 1.2, 1.3, 0.6),
        (1,) * 4,
        (2.0, 1.3, 0.6, 0.3, 0.1),
        (2, 1, 1, 0.6, 0.8),
    ),
    "enterprise": (
        (1.2, 0.7, 1.6, 1.4, 0.6, 0.6, 1.4),
        (1.3, 1.1, 0.8, 0.5),
        (0.1, 0.5, 1.8, 2.5, 3.0),
        (0.4, 1.6, 1.4, 0.6, 1.5),
    ),
    "tech": (
        (1.8, 0.8, 1.1, 0.6, 1.0, 0.8, 0.4),
        (1, 1.2, 1.2, 0.8),
        (1,) * 5,
        (1, 0.8, 0.4, 2.5, 0.6),
    ),
}
