"""Throughput while data is written: browsing users and API writers against real servers.

40 browsing users (1 s think time) open the dashboard with its health panel, channel pages
with their health partial, the cohorts page and a revenue-per-lead comparison, while 10 API
writers each send a batch of 500 leads every 5 s, for 60 s; then the same without writers.
SQLite is served as `make run` serves it (waitress, fit worker thread); PostgreSQL as the
README's production recipe (gunicorn workers plus `flask worker run`). Everything runs on
127.0.0.1: servers start on free ports and are stopped at the end; every loop is bounded in
time and count. The PostgreSQL database given is wiped and loaded with the demo.

    python -m benchmarks load [--seconds 60] [--leads 20000]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/DB] [--skip-sqlite]

Goal (issue 12): 0 errors; p95 ≤ 1 s with writers and ≤ 300 ms without.

Reference (the floor), measured in the same run unless --no-floor: the same users and
writers, but the browsing users fetch a static file through the same server and middleware
(sign-in check, security headers) instead of pages. No page can answer faster than that on
this machine under the same load; each page row prints its p95 as a multiple of the floor's.
"""

import argparse
import functools
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.http_pages import (
    EMAIL,
    PASSWORD,
    ROOT,
    _flask,
    _free_port,
    _signed_in_opener,
    _wait_until_up,
)

WRITER_EMAIL = "writer@example.com"
GUNICORN_WORKERS, GUNICORN_THREADS = 3, 8
REQUEST_TIMEOUT = 60


@dataclass
class Tally:
    """Latencies (seconds) and errors of one kind of request, shared by threads."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, call: Callable[[], int]) -> None:
        """Run one request, recording its latency or its error."""
        started = time.perf_counter()
        try:
            status = call()
            problem = None if status < 400 else f"HTTP {status}"
        except (OSError, urllib.error.HTTPError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        with self.lock:
            if problem:
                self.errors.append(problem)
            else:
                self.latencies.append(elapsed)


def _prepare(env: dict[str, str], leads: int) -> str:
    """Migrate, load the demo, create the browsing user and a writer; return the API token."""
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "--leads", str(leads), "--seed", "7", "--replace")
    _flask(env, "users", "create", EMAIL, "--role", "viewer", "--password-stdin", stdin=PASSWORD)
    _flask(env, "users", "create", WRITER_EMAIL, "--role", "editor", "--password-stdin",
           stdin=PASSWORD)
    return _flask(env, "tokens", "create", WRITER_EMAIL).strip().splitlines()[-1]


def _wipe_postgres(url: str) -> None:
    """Empty the benchmark's own PostgreSQL database (it is loaded again from the demo)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def _servers(kind: str, env: dict[str, str], port: int, log: Path) -> list[subprocess.Popen[bytes]]:
    """Start the server recipe of `kind` ('waitress' or 'gunicorn') on 127.0.0.1:`port`."""
    if kind == "waitress":  # what `make run` starts: one process, fit worker thread inside
        return [_start([sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}",
                        "--threads=16", "--call", "app:create_server"], env, log)]
    return [
        _start([sys.executable, "-m", "gunicorn", "--workers", str(GUNICORN_WORKERS),
                "--threads", str(GUNICORN_THREADS), "--bind", f"127.0.0.1:{port}",
                "app:create_app()"], env, log),
        _start([sys.executable, "-m", "flask", "--app", "app", "worker", "run"], env, log),
    ]


def _pages(url: str, opener: urllib.request.OpenerDirector) -> list[str]:
    """Return the pages a browsing user cycles through (every channel's page and partial)."""
    home = opener.open(url + "/", timeout=REQUEST_TIMEOUT).read().decode()
    ids = sorted({int(i) for i in re.findall(r'href="/channels/(\d+)"', home)})
    pages = ["/", "/health/alerts", "/cohorts/"]
    for i in ids:
        pages += [f"/channels/{i}", f"/health/channels/{i}"]
    if len(ids) >= 2:
        pages.append(f"/compare/?a=channel:{ids[0]}&b=channel:{ids[1]}&metric=revenue_per_lead")
    return pages


def _warm(url: str, opener: urllib.request.OpenerDirector, pages: list[str]) -> None:
    """Open every page once, then wait (≤ 120 s) until the worker has computed every fit."""
    for page in pages:
        opener.open(url + page, timeout=REQUEST_TIMEOUT).read()
    deadline = time.monotonic() + 120
    partials = [p for p in pages if p.startswith("/health/channels/")]
    while time.monotonic() < deadline:
        if not any(b"being computed" in opener.open(url + p, timeout=REQUEST_TIMEOUT).read()
                   for p in partials):
            return
        time.sleep(1)
    print("  (fits still being computed after 120 s; measuring anyway)")


def _status(open_url: Callable[..., Any], target: Any) -> int:
    """Open a URL or request, read the whole answer and return its status."""
    with open_url(target, timeout=REQUEST_TIMEOUT) as response:
        response.read()
        return int(response.status)


def _browse(url: str, opener: urllib.request.OpenerDirector, pages: list[str], offset: int,
            until: float, think: float, tally: Tally) -> None:
    for n in range(100_000):  # bounded; the deadline ends it long before
        if time.monotonic() >= until:
            return
        page = pages[(offset + n) % len(pages)]
        tally.timed(functools.partial(_status, opener.open, url + page))
        time.sleep(think)


def _lead_batch(writer: int, batch: int, size: int, channels: list[int]) -> bytes:
    now = datetime.now(UTC) - timedelta(minutes=5)
    channel = channels[writer % len(channels)]
    items = [f'{{"external_id": "load-{writer}-{batch}-{i}", "channel_id": {channel}, '
             f'"created_at": "{(now - timedelta(seconds=i)).isoformat()}"}}' for i in range(size)]
    return ("[" + ", ".join(items) + "]").encode()


def _write(url: str, token: str, writer: int, channels: list[int], size: int, every: float,
           until: float, tally: Tally) -> None:
    time.sleep(every * writer / 10)  # spread the writers over the interval
    for batch in range(10_000):  # bounded; the deadline ends it long before
        started = time.monotonic()
        if started >= until:
            return
        body = _lead_batch(writer, batch, size, channels)
        request = urllib.request.Request(
            url + "/api/v1/leads", data=body, method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        tally.timed(functools.partial(_status, urllib.request.urlopen, request))
        time.sleep(max(every - (time.monotonic() - started), 0))


FLOOR_PAGES = ["/static/app.css"]


def _run(url: str, token: str, args: argparse.Namespace, writers: int,
         floor: bool = False) -> tuple[Tally, Tally]:
    opener = _signed_in_opener(url)
    pages = _pages(url, opener)
    channels = sorted({int(p.rsplit("/", 1)[1]) for p in pages if p.startswith("/channels/")})
    _warm(url, opener, pages)
    pages = FLOOR_PAGES if floor else pages
    browsing, writing = Tally(), Tally()
    users = [_signed_in_opener(url) for _ in range(args.users)]  # signing in is slow (argon2)
    until = time.monotonic() + args.seconds
    threads = [threading.Thread(target=_browse, args=(url, user, pages, i * 3, until,
                                                      args.think, browsing))
               for i, user in enumerate(users)]
    threads += [threading.Thread(target=_write, args=(url, token, w, channels, args.batch,
                                                      args.every, until, writing))
                for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 2 * REQUEST_TIMEOUT)
    return browsing, writing


def _report(name: str, tally: Tally, seconds: float, floor_p95: float | None = None) -> float:
    """Print one row (with its p95 as a multiple of the floor's); return the p95 in seconds."""
    samples = sorted(tally.latencies)
    if len(samples) < 2:
        print(f"  {name}: {len(samples)} requests, {len(tally.errors)} errors")
        return float("nan")
    cuts = statistics.quantiles(samples, n=100)
    ratio = f" ({cuts[94] / floor_p95:.1f}x the floor's p95)" if floor_p95 else ""
    print(f"  {name}: {len(samples) / seconds:.1f} requests/s, p50 {cuts[49] * 1000:.0f} ms, "
          f"p95 {cuts[94] * 1000:.0f} ms{ratio}, p99 {cuts[98] * 1000:.0f} ms, "
          f"{len(tally.errors)} errors{' (' + tally.errors[0] + ')' if tally.errors else ''}")
    return cuts[94]


def _backend(kind: str, env: dict[str, str], args: argparse.Namespace, log: Path) -> None:
    print(f"{kind} ({'SQLite' if kind == 'waitress' else 'PostgreSQL'}), {args.leads:,} leads:")
    token = _prepare(env, args.leads)
    port = _free_port()
    servers = _servers(kind, env, port, log)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, timeout=60)
        for writers in (0, args.writers):  # without writers first: writers grow the data
            label = f"{args.users} browsing + {writers} writers"
            floor_p95 = None
            if not args.no_floor:
                floor, _ = _run(url, token, args, writers, floor=True)
                floor_p95 = _report(f"{label}, floor (a static file)", floor, args.seconds)
            browsing, writing = _run(url, token, args, writers)
            _report(f"{label}, browsing", browsing, args.seconds, floor_p95)
            if writers:
                _report(f"{label}, API writes", writing, args.seconds)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    """Run the load test on SQLite (waitress) and, if a URL is given, PostgreSQL (gunicorn)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--every", type=float, default=5.0,
                        help="seconds between a writer's batches")
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the reference runs against a static file")
    parser.add_argument("--server-log", default="", help="keep the servers' output in this file")
    args = parser.parse_args(argv)
    if args.postgres_url and not re.match(r"postgresql://[^@/]*@(127\.0\.0\.1|localhost)[:/]",
                                          args.postgres_url):
        parser.error("--postgres-url must point at 127.0.0.1 or localhost")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = os.environ | {"BULLSEYE_INSTANCE": str(folder), "SECRET_KEY": "bench",
                             "LOGIN_ATTEMPTS": "1000"}
        log = Path(args.server_log) if args.server_log else folder / "servers.log"
        if not args.skip_sqlite:
            env = base | {"DATABASE_URL": f"sqlite:///{folder / 'load.db'}"}
            _backend("waitress", env, args, log)
        if args.postgres_url:
            _wipe_postgres(args.postgres_url)
            _backend("gunicorn", base | {"DATABASE_URL": args.postgres_url}, args, log)
        _summarise_log(log)


def _summarise_log(log: Path) -> None:
    """Print how many errors the servers logged and the exceptions behind them."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    errors = [i for i, line in enumerate(lines) if "Traceback" in line or "ERROR" in line]
    causes = sorted({line for line in lines if re.match(r"[\w.]+(Error|Exception)\b", line)})
    print(f"server log: {len(errors)} error lines" + "".join(f"\n  {c[:200]}" for c in causes))


if __name__ == "__main__":
    main()
