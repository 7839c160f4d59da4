"""Segment insights page on adversarial attributes against the same page without them (issue 12).

Loads a demo database (20k leads by default), then times `/segments/` in process (Flask test
client, results cache emptied before every request) three ways: the demo as it is (the
reference), after importing 30 leads that give one new attribute 30 distinct values, and
after also importing one lead with 5,000 attributes. Before issue 12 the second took 67 s
against 1.8 s and the third did not answer within 300 s.

    python -m benchmarks segments [--leads 20000] [--requests 3]
"""

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
END = "2026-11-15"
AS_OF = "2026-11-15"
EMAIL = "bench@example.com"


def _flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    command = [sys.executable, "-m", "flask", "--app", "app", *args]
    done = subprocess.run(command, env=env, input=stdin, capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return done.stdout


def _prepare(folder: Path, leads: int) -> dict[str, str]:
    """Create, migrate and fill a database with `leads` demo leads; return its environment."""
    env = os.environ | {"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
                        "BULLSEYE_INSTANCE": str(folder), "SECRET_KEY": "bench"}
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "--leads", str(leads), "--seed", "7", "--end", END)
    _flask(env, "users", "create", EMAIL, "--role", "viewer", "--password-stdin",
           stdin="benchmark-password")
    return env


def _import_leads(env: dict[str, str], path: Path, header: list[str],
                  rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    _flask(env, "import", "leads", str(path))


def _thirty_values(env: dict[str, str], folder: Path, channel: str) -> None:
    """Import 30 leads, each with its own value of a new attribute `referrer`."""
    rows = [[f"bench-ref-{i}", channel, "2026-11-02", f"site-{i}.example"] for i in range(30)]
    _import_leads(env, folder / "thirty.csv",
                  ["external_id", "channel", "created_at", "referrer"], rows)


def _wide_lead(env: dict[str, str], folder: Path, channel: str) -> None:
    """Import one lead carrying 5,000 attributes."""
    keys = [f"attr_{i:04d}" for i in range(5000)]
    _import_leads(env, folder / "wide.csv", ["external_id", "channel", "created_at", *keys],
                  [["bench-wide", channel, "2026-11-02", *(f"v{i}" for i in range(5000))]])


class Page:
    """The segments page through a signed-in test client, timed with an empty cache."""

    def __init__(self, env: dict[str, str]) -> None:
        os.environ.update(env)
        from sqlmodel import Session, select

        from app import create_app
        from app.accounts import access
        from app.db import make_engine
        from app.models import Channel, User
        self.app = create_app({"DATABASE_URL": env["DATABASE_URL"]})
        with Session(make_engine(env["DATABASE_URL"])) as session:
            user = session.exec(select(User).where(User.email == EMAIL)).one()
            self.channel = session.exec(select(Channel).order_by(Channel.id)).first().name  # type: ignore[union-attr, arg-type]
            secret = access.start_session(session, user, self.app.permanent_session_lifetime)
            session.commit()
        self.client = self.app.test_client()
        with self.client.session_transaction() as flask_session:
            flask_session["sid"] = secret  # a server-side session, as a real sign-in

    def time(self, requests: int) -> tuple[float, str]:
        """Return the median seconds of `requests` cold requests and the last page's HTML."""
        samples, html = [], ""
        for _ in range(requests):
            self.app.extensions.pop("metrics_cache", None)
            started = time.perf_counter()
            response = self.client.get(f"/segments/?as_of={AS_OF}")
            samples.append(time.perf_counter() - started)
            html = response.get_data(as_text=True)
            if response.status_code != 200:
                raise RuntimeError(f"/segments/ answered {response.status_code}")
        return statistics.median(samples), html


def _shape(html: str) -> str:
    rows = html.count("data-segment=")
    skipped = len(re.findall(r"data-skipped=", html))
    more = re.search(r'data-not-looked-at="(\d+)"', html)
    return (f"{rows} rows, {skipped} skipped attribute(s), "
            f"{more.group(1) if more else 0} attribute(s) not looked at")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print each case's median time and its ratio to the reference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = _prepare(folder, args.leads)
        page = Page(env)
        reference, html = page.time(args.requests)
        print(f"{args.leads:,} demo leads, /segments/ cold, median of {args.requests}:")
        print(f"  reference (demo attributes)        {reference:6.2f} s   ({_shape(html)})")
        cases = [("+ 30 distinct values of one attribute", _thirty_values),
                 ("+ one lead with 5,000 attributes  ", _wide_lead)]
        for name, add in cases:
            add(env, folder, page.channel)
            seconds, html = page.time(args.requests)
            print(f"  {name} {seconds:6.2f} s = {seconds / reference:.2f}× reference   "
                  f"({_shape(html)})")


if __name__ == "__main__":
    main()
