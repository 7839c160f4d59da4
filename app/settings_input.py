"""Read the settings form (or an API body turned into text) into values plus field errors.

No Flask: the settings page and `PATCH /api/v1/settings` share these rules. Every field
has a label and a one-line explanation the page shows under it.
"""

import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from iso4217 import Currency

from app.forms import parse_count
from cohorts.ltv.channels import BACKTEST_WEEKS_MAX

DAY_NAMES: tuple[str, ...] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RECIPIENTS_MAX = 50
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_SEPARATORS = re.compile(r"[\s,;]+")
ACCOUNT_QUALITY: dict[str, str] = {"revenue_margin": "revenue × margin to date",
                                   "projected_ltv": "projected LTV"}


@dataclass(frozen=True)
class SettingField:
    """One setting: what the page calls it and the line that explains it."""

    label: str
    hint: str


FIELDS: dict[str, SettingField] = {
    "currency": SettingField("Currency", "ISO 4217 code of every amount (e.g. USD, EUR); "
                             "changing it relabels amounts, it does not convert them."),
    "week_start": SettingField("Week starts on", "First day of every spend and cohort week; "
                               "changing it re-derives every stored week."),
    "timezone": SettingField("Time zone", "IANA name (e.g. Europe/Berlin) whose calendar "
                             "dates lead and purchase times fall on."),
    "gross_margin": SettingField("Gross margin (%)", "Share of revenue kept as profit; ROI, "
                                 "payback and LTV:CAC use revenue × margin."),
    "ltv_to_cac_min": SettingField("Minimum LTV:CAC", "A channel is viable when its LTV is "
                                   "at least this many times its CAC."),
    "payback_max_months": SettingField("Maximum payback (months)", "A channel is viable when "
                                       "its cohorts pay back within this many months."),
    "projection_horizon_weeks": SettingField("Projection horizon (weeks)", "How far ahead "
                                             "projected LTV counts repeat purchases."),
    "ltv_backtest_weeks": SettingField("LTV backtest (weeks)", "The channel page checks the "
                                       "LTV projection made this many weeks ago against what "
                                       "those customers spent since."),
    "account_quality": SettingField("Account quality score", "What ranks customers on the "
                                    "audience page: revenue × margin to date, or the "
                                    "projected LTV to the horizon (the repeat-purchase model); "
                                    "changing it refits the audience."),
    "mature_weeks": SettingField("Mature after (weeks)", "Cohorts younger than this are left "
                                 "out of burnout trends (their buyers are still arriving)."),
    "burnout_p": SettingField("Burnout p-value", "A decline this significant (and deep "
                              "enough) marks a channel burned out."),
    "burnout_level": SettingField("Burnout level", "Burned out when recent results fall to "
                                  "this fraction of the channel's best, or lower."),
    "watch_p": SettingField("Watch p-value", "A decline this significant puts a channel on "
                            "watch."),
    "watch_level": SettingField("Watch level", "On watch when recent results may have fallen "
                                "to this fraction of the best."),
    "min_leads_per_group": SettingField("Minimum leads per group", "Comparisons with fewer "
                                        "leads in a group make no call."),
    "min_customers_total": SettingField("Minimum customers", "Comparisons and CAC calls need "
                                        "at least this many customers in all."),
    "sequential_expected_leads": SettingField("Expected leads of a test", "Total leads where "
                                              "sequential tests are tuned to be sharpest."),
    "digest_enabled": SettingField("Send the weekly summary", "Email the weekly summary to "
                                   "the recipients below."),
    "digest_weekday": SettingField("Summary day", "Weekday the summary is sent on, in the "
                                   "install's time zone."),
    "digest_time": SettingField("Summary time", "Time of day (HH:MM, 24-hour) it is sent."),
    "digest_recipients": SettingField("Recipients", f"Email addresses, separated by commas or "
                                      f"new lines (at most {RECIPIENTS_MAX})."),
}
WEEK_FIELDS = ("week_start", "timezone")  # changing these re-derives stored weeks
DIGEST_FIELDS = ("digest_enabled", "digest_weekday", "digest_time", "digest_recipients")
Errors = dict[str, str]


@cache
def currencies() -> tuple[str, ...]:
    """Return the ISO 4217 codes with cents (2 decimals), the only ones amounts can hold."""
    return tuple(sorted(c.code for c in Currency if c.exponent == 2))


@cache
def time_zones() -> frozenset[str]:
    """Return every IANA time zone name this system knows (not the system's own aliases)."""
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "posixrules", "Factory"}


def _decimal(text: str, low: Decimal, high: Decimal, *, low_open: bool = True,
             high_open: bool = False) -> Decimal:  # fmt: skip
    """Return the plain decimal number in `text` within the bounds; raise ValueError."""
    if len(text) > 30 or not _NUMBER.match(text):
        raise ValueError("must be a number like 2.5")
    value = Decimal(text)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):
        low_word = "more than" if low_open else "at least"
        high_word = "less than" if high_open else "at most"
        raise ValueError(f"must be {low_word} {low} and {high_word} {high}")
    return value


def _currency(text: str) -> str:
    code = text.upper()
    if code in currencies():
        return code
    if any(c.code == code for c in Currency):
        raise ValueError(f"{code} does not have 2 decimals; amounts are kept in hundredths, "
                         "so choose a currency with cents")
    raise ValueError("must be an ISO 4217 currency code such as USD or EUR")


def _timezone(text: str) -> str:
    if text not in time_zones():
        raise ValueError("must be an IANA time zone name such as Europe/Berlin or UTC")
    return text


def _weekday(text: str) -> int:
    if text not in {str(i) for i in range(7)}:
        raise ValueError("must be a day of the week (0 = Monday … 6 = Sunday)")
    return int(text)


def _probability(text: str) -> float:
    return float(_decimal(text, Decimal(0), Decimal(1), high_open=True))


def _account_quality(text: str) -> str:
    if text not in ACCOUNT_QUALITY:
        raise ValueError("must be one of " + ", ".join(
            f"{name} ({label})" for name, label in ACCOUNT_QUALITY.items()))
    return text


def _time(text: str) -> str:
    if not _TIME.match(text):
        raise ValueError("must be a time like 08:00 (24-hour, HH:MM)")
    return text


def _flag(text: str) -> bool:
    if text.lower() not in {"", "on", "true", "1", "off", "false", "0"}:
        raise ValueError("must be on or off")
    return text.lower() in {"on", "true", "1"}


def _recipients(text: str) -> str:
    """Return the addresses in `text`, checked and normalised, joined by ", "."""
    addresses = [a for a in _SEPARATORS.split(text) if a]
    if len(addresses) > RECIPIENTS_MAX:
        raise ValueError(f"can hold at most {RECIPIENTS_MAX} addresses, not {len(addresses)}")
    found: list[str] = []
    for address in addresses:
        try:
            normalized = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise ValueError(f"{address[:100]!r} is not an email address: {error}") from None
        if normalized not in found:
            found.append(normalized)
    return ", ".join(found)


def _margin(unit: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        if unit == "fraction":
            return float(_decimal(text, Decimal(0), Decimal(1)))
        return float(_decimal(text, Decimal(0), Decimal(100)) / 100)
    return parse


def _whole(low: int, high: int) -> Callable[[str], int]:
    return lambda text: parse_count(text, low=low, high=high)


def _parsers(margin_unit: str) -> dict[str, Callable[[str], Any]]:
    return {
        "currency": _currency, "week_start": _weekday, "timezone": _timezone,
        "gross_margin": _margin(margin_unit),
        "ltv_to_cac_min": lambda t: float(_decimal(t, Decimal(0), Decimal(100))),
        "payback_max_months": lambda t: float(_decimal(t, Decimal(0), Decimal(120))),
        "projection_horizon_weeks": _whole(1, 520), "mature_weeks": _whole(1, 52),
        "ltv_backtest_weeks": _whole(1, BACKTEST_WEEKS_MAX),
        "account_quality": _account_quality,
        "burnout_p": _probability, "burnout_level": _probability,
        "watch_p": _probability, "watch_level": _probability,
        "min_leads_per_group": _whole(1, 1_000_000),
        "min_customers_total": _whole(1, 1_000_000),
        "sequential_expected_leads": _whole(10, 100_000_000),
        "digest_enabled": _flag, "digest_weekday": _weekday, "digest_time": _time,
        "digest_recipients": _recipients,
    }


def parse_settings(
    form: Mapping[str, str], *, margin_unit: str = "percent"
) -> tuple[dict[str, Any] | None, Errors]:
    """Return every setting's value from the submitted text, or (None, field errors).

    `margin_unit` is "percent" (the page: 80 means 80 %) or "fraction" (the API: 0.8).
    A missing field is an error, except digest_enabled (an unticked checkbox sends nothing).
    """
    values: dict[str, Any] = {}
    errors: Errors = {}
    for name, parse in _parsers(margin_unit).items():
        text = (form.get(name) or "").strip()
        if not text and name not in ("digest_enabled", "digest_recipients"):
            errors[name] = "is required"
            continue
        try:
            values[name] = parse(text)
        except ValueError as error:
            errors[name] = str(error)
    for low, high in (("burnout_p", "watch_p"), ("burnout_level", "watch_level")):
        if low in values and high in values and values[low] > values[high]:
            errors[high] = f"must be at least the {FIELDS[low].label.lower()} ({values[low]})"
    return (None, errors) if errors else (values, {})


def form_text(values: Mapping[str, Any], *, margin_unit: str = "percent") -> dict[str, str]:
    """Return stored setting values as the text the form (or the API merge) starts from."""
    text: dict[str, str] = {}
    for name in FIELDS:
        value = values[name]
        if name == "gross_margin" and margin_unit == "percent":
            text[name] = _plain(Decimal(repr(float(value))) * 100)
        elif isinstance(value, bool):
            text[name] = "on" if value else ""
        elif isinstance(value, float):
            text[name] = _plain(Decimal(repr(value)))
        else:
            text[name] = str(value)
    return text


def _plain(value: Decimal) -> str:
    """Return `value` without exponent or trailing zeros ("80", "2.5")."""
    try:
        text = format(value.normalize(), "f")
    except InvalidOperation:
        return str(value)
    return text
