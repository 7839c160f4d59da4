"""Text every database stores as written, and the length limits of free text (pure).

PostgreSQL refuses the NUL character in text, and an unpaired UTF-16 surrogate (which JSON's
`\\ud800` escape can produce) is not Unicode text at all: no driver can encode it. Both are
refused at entry with the field named, on SQLite too, so an install behaves the same on both.
"""

EXTERNAL_ID_MAX = 200  # characters in an external id (the columns are VARCHAR(200))
NOTES_MAX = 10_000  # characters in a channel's notes
ATTRIBUTES_MAX = 50  # attributes per lead (CSV: attribute columns per file)
ATTRIBUTE_NAME_MAX = 500  # characters in an attribute's name
ATTRIBUTE_VALUE_MAX = 1_000  # characters in an attribute's value


def unstorable(text: str) -> str | None:
    """Return why `text` cannot be stored (a NUL character, an unpaired surrogate), else None."""
    if "\x00" in text:
        return "contains a NUL character (\\x00), which cannot be stored"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"contains an unpaired surrogate ({text[exc.start]!r}), which is not Unicode text"
        )
    return None
