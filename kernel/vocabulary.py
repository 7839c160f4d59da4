"""The fixed vocabularies of SPEC §1–2: channel kinds, rings and statuses; lead stages and
grades; test statuses and decisions. Stored values are checked against them in SQL."""

CHANNEL_KINDS: dict[str, str] = {
    "viral": "Viral marketing",
    "pr": "Public relations",
    "unconventional_pr": "Unconventional PR",
    "sem": "Search engine marketing",
    "social_display_ads": "Social and display ads",
    "offline_ads": "Offline ads",
    "seo": "Search engine optimization",
    "content_marketing": "Content marketing",
    "email_marketing": "Email marketing",
    "engineering_as_marketing": "Engineering as marketing",
    "targeting_blogs": "Targeting blogs",
    "business_development": "Business development",
    "sales": "Sales",
    "affiliate_programs": "Affiliate programs",
    "existing_platforms": "Existing platforms",
    "trade_shows": "Trade shows",
    "offline_events": "Offline events",
    "speaking_engagements": "Speaking engagements",
    "community_building": "Community building",
    "other": "Other",
}

RINGS: tuple[str, ...] = ("inner", "middle", "outer")
STATUSES: tuple[str, ...] = ("idea", "testing", "focus", "paused", "burned_out", "dropped")
STAGES: tuple[str, ...] = ("inquiry", "lead", "sales_ready", "opportunity", "customer", "lost")
GRADES: tuple[str, ...] = ("hot", "warm", "future")
TEST_STATUSES: tuple[str, ...] = ("planned", "running", "completed")
DECISIONS: tuple[str, ...] = ("scale", "iterate", "kill")
VARIES: tuple[str, ...] = ("audience", "message", "channel")  # what a channel test varies


def sql_in(values: tuple[str, ...] | list[str]) -> str:
    """Return a SQL list literal like "('a', 'b')" for a CHECK constraint of fixed vocabulary."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"
