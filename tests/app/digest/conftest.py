"""A real SMTP server (aiosmtpd on 127.0.0.1) for the weekly email's tests."""

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.digest_support import SmtpServer, running_smtp, use_smtp


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpServer]:
    """Start a local SMTP server and point the app at it."""
    for server in running_smtp():
        use_smtp(app, server.port)
        yield server
