"""A real SMTP server (aiosmtpd on 127.0.0.1) for the weekly email's tests."""

from tests.digest_support import smtp  # noqa: F401  (the fixture)
