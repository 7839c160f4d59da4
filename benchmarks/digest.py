"""Building the weekly email against rendering the dashboard for the same as-of date.

The email reads the dashboard's numbers for the week's last day, so the dashboard page
(cold cache) is the reference. The email also needs every channel's health: when the fit
worker has stored it the email reads it; when not, the email fits it while it is built.

    python -m benchmarks digest [--leads 100000] [--requests 9]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.segments import EMAIL, _flask, _prepare  # the same 2026-11-15 demo

WEEK, AS_OF = "2026-11-02", "2026-11-08"


def _median(client: object, app: object, url: str, requests: int) -> float:
    """Return the median seconds of `requests` GETs of `url`, each with an empty cache."""
    samples = []
    for _ in range(requests):
        app.extensions.pop("metrics_cache", None)  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks digest")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=9)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = _prepare(Path(tmp), args.leads)
        os.environ.update(env)
        from sqlmodel import Session, select

        from app import create_app
        from app.accounts import access
        from app.db import make_engine
        from app.models import User

        app = create_app({"DATABASE_URL": env["DATABASE_URL"]})
        with Session(make_engine(env["DATABASE_URL"])) as session:
            user = session.exec(select(User).where(User.email == EMAIL)).one()
            secret = access.start_session(session, user, app.permanent_session_lifetime)
            session.commit()
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["sid"] = secret  # a server-side session, as a real sign-in
        email = f"/digest/preview?week={WEEK}"
        unfitted = _median(client, app, email, args.requests)
        dashboard = _median(client, app, f"/?as_of={AS_OF}", args.requests)
        _flask(env, "worker", "run", "--once")  # store the fits the dashboard asked for
        fitted = _median(client, app, email, args.requests)
    print(f"digest ({args.leads:,} demo leads, week of {WEEK}, median of {args.requests}, "
          "cold cache)")
    print(f"  dashboard as of {AS_OF} (reference)  {dashboard * 1000:8.1f} ms")
    print(f"  email, health fits stored           {fitted * 1000:8.1f} ms  "
          f"ratio {fitted / dashboard:.2f}")
    print(f"  email, health fitted while built    {unfitted * 1000:8.1f} ms  "
          f"ratio {unfitted / dashboard:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
