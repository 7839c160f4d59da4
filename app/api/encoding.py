"""JSON conventions of the app: ISO 8601 timestamps and money as plain JSON numbers."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask.json.provider import DefaultJSONProvider

from app.limits import loads_bounded


def json_number(value: Decimal) -> int | float:
    """Return `value` as a JSON-ready number with the same decimal digits.

    Integral values become exact ints. Other values become the float whose shortest
    repr has the same digits, which is exact for up to 15 significant digits (every
    amount below 10 trillion units with cents); money is never summed as floats.
    """
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return json_number(value)
    return DefaultJSONProvider.default(value)


class BullseyeJSONProvider(DefaultJSONProvider):
    """Serialise datetimes as ISO 8601 (with offset), dates as YYYY-MM-DD, Decimals as numbers.

    Reading, a document nested too deeply for the parser is a decoding error (answered 400).
    """

    default = staticmethod(_default)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Return the parsed JSON `s`; raise ValueError for malformed or too deeply nested JSON."""
        return loads_bounded(super().loads, s, **kwargs)
