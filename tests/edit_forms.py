"""Read an edit form's read state (`version`, `read`) the way a browser would post it back."""

import html
import re
from datetime import date

from flask.testing import FlaskClient

from app.models import Channel

HX = {"HX-Request": "true"}


def read_state(page: str) -> dict[str, str]:
    """Return the hidden `version` and `read` fields of the first edit form in `page`."""
    version = re.search(r'name="version" value="(\d+)"', page)
    read = re.search(r"name=\"read\" value='([^']*)'", page)
    assert version is not None and read is not None, "no read state in the page"
    return {"version": version.group(1), "read": html.unescape(read.group(1))}


def posted_state(page: str, action: str) -> dict[str, str]:
    """Return the read state of the form in `page` that posts to `action`."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)
    assert form is not None, f"no form posting to {action}"
    return read_state(form.group(0))


def spend_row_state(client: FlaskClient, ch: Channel, week: date) -> dict[str, str]:
    """Return the read state of one week's row as the channel page shows it now."""
    page = client.get(f"/channels/{ch.id}/spend?weeks=520", headers=HX).get_data(as_text=True)
    row = re.search(rf'<tr id="week-{week}".*?</tr>', page, re.S)
    assert row is not None, f"week {week} is not in the grid"
    return read_state(row.group(0))


def channel_form_state(client: FlaskClient, ch: Channel) -> dict[str, str]:
    """Return the read state of the channel's edit form as it is served now."""
    return read_state(client.get(f"/channels/{ch.id}/edit").get_data(as_text=True))
