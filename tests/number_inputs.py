"""One table of amounts as people type them: the spend grid, the spend sheet and the CSV import
must all read each the same way (one parser, `ingest.values`)."""

# (text, minor units) read alike everywhere
AMOUNTS_READ: list[tuple[str, int]] = [
    ("0", 0),
    ("5", 500),
    ("1234.5", 123450),
    ("1,234.50", 123450),
    ("1.234,50", 123450),
    ("1 250,50", 125050),
    ("1 250.50", 125050),
    ("1'250.50", 125050),
    ("12,345,678.09", 1234567809),
    ("1,5", 150),
    (" 42.10 ", 4210),
]

# (text, part of the message) refused alike everywhere
AMOUNTS_REFUSED: list[tuple[str, str]] = [
    ("1,234", "ambiguous"),
    ("1.234", "ambiguous"),
    ("-5", "cannot be negative"),
    ("abc", "is not a number"),
    ("1e5", "is not a number"),
    ("12,34.00", "misplaced thousands"),
    ("1.005", "ambiguous"),
    ("0.005", "more than 2 decimals"),
    ("1000000000001", "too large"),
]
