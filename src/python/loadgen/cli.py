"""``loadgen`` (``python -m loadgen``, the PEX entry point): run the journeys against the API
layer headless for a bounded time, print a summary table, exit 1 on any failure.

    loadgen --host http://127.0.0.1:8080 --users 20 --spawn-rate 10 --run-time 30s [--seed N]
            [--issuer http://127.0.0.1:8090]

Each simulated customer gets its bearer token from the local development issuer (`make
start` runs it on :8090): ``POST <issuer>/token`` with the form field ``customer=<id>``.

Bounds: at most 500 users, 100 spawned per second, 10 minutes. Only 127.0.0.1, localhost and
::1 are accepted as --host and --issuer unless --allow-remote is given: a load generator
pointed at the wrong URL is a denial-of-service attack on someone else's system (a shared
staging API, a production endpoint, a third party), so aiming it anywhere but this machine
has to be a deliberate choice. Containers a test started publish their ports on 127.0.0.1.

Arguments are checked before Locust is imported: importing Locust monkey-patches the process
with gevent (runner.py), which a usage error should not pay for.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from loadgen.journeys import JourneyOptions

MAX_USERS = 500
MAX_SPAWN_RATE = 100.0  # Locust warns above this
MAX_RUN_TIME = 600.0  # seconds
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_ISSUER = "http://127.0.0.1:8090"  # `make start`'s development-only issuer
_TIMESPAN = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


class UsageError(ValueError):
    pass


def parse_run_time(text: str) -> float:
    """Seconds of ``30``, ``30s``, ``2m``, ``1m30s`` or ``1h``; at most 10 minutes."""
    text = text.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        match = _TIMESPAN.match(text)
        if not text or match is None:
            raise UsageError(f"--run-time {text!r}: use e.g. 30s, 2m or 1m30s")
        h, m, s = (int(match[unit] or 0) for unit in "hms")
        seconds = float(h * 3600 + m * 60 + s)
    if not 0 < seconds <= MAX_RUN_TIME:
        raise UsageError(f"--run-time {text!r}: must be more than 0 and at most 10 minutes")
    return seconds


def check_host(
    host: str, *, allow_remote: bool, option: str = "--host", what: str = "the API"
) -> str:
    """The base URL without a trailing slash; refuses hosts other than this machine's
    loopback addresses unless ``allow_remote``."""
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option} {host!r}: expected a URL like http://127.0.0.1:8080")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise UsageError(f"{option} {host!r}: give {what}'s base URL, without a path")
    if parts.hostname not in LOCAL_HOSTS and not allow_remote:
        raise UsageError(
            f"{option} {host!r} is not this machine (127.0.0.1, localhost, ::1); load against "
            "another host needs --allow-remote, and the permission of whoever runs it"
        )
    return host.rstrip("/")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loadgen",
        description="Load the flight reservations API with realistic customer journeys.",
    )
    parser.add_argument("--host", default="http://127.0.0.1:8080", help="the API's base URL")
    parser.add_argument(
        "--issuer",
        default=DEFAULT_ISSUER,
        help="the development token issuer's base URL (POST <issuer>/token)",
    )
    parser.add_argument("--users", type=int, default=20, help=f"concurrent users (<= {MAX_USERS})")
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second")
    parser.add_argument("--run-time", default="30s", help="e.g. 30s, 2m (<= 10m)")
    parser.add_argument("--seed", type=int, help="make each user's choices reproducible")
    parser.add_argument(
        "--days",
        type=int,
        default=JourneyOptions.days,
        help="search dates today .. today+days-1 UTC (systemtests seed 3 days, `flights seed` 30)",
    )
    parser.add_argument(
        "--contention",
        type=float,
        default=JourneyOptions.contention,
        help="share of journeys that go for the hot flight's front seats (0..0.85)",
    )
    parser.add_argument(
        "--hot-seats",
        type=int,
        default=JourneyOptions.hot_seats,
        help="how many front seats of the hot flight contended journeys fight over (1..9)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than 127.0.0.1/localhost/::1 (see README)",
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        args.host = check_host(args.host, allow_remote=args.allow_remote)
        args.issuer = check_host(
            args.issuer, allow_remote=args.allow_remote, option="--issuer", what="the issuer"
        )
        args.run_time = parse_run_time(args.run_time)
        if not 1 <= args.users <= MAX_USERS:
            raise UsageError(f"--users {args.users}: between 1 and {MAX_USERS}")
        if not 0 < args.spawn_rate <= MAX_SPAWN_RATE:
            raise UsageError(f"--spawn-rate {args.spawn_rate}: more than 0, at most 100")
        if not 1 <= args.days <= 365:
            raise UsageError(f"--days {args.days}: between 1 and 365")
        if not 1 <= args.hot_seats <= 9:
            raise UsageError(f"--hot-seats {args.hot_seats}: between 1 and 9")
        if not 0 <= args.contention <= 1 - JourneyOptions.browse:
            raise UsageError(f"--contention {args.contention}: between 0 and 0.85")
    except UsageError as exc:
        parser.error(str(exc))  # exits 2
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from loadgen import report, runner  # imports Locust: gevent patches this process from here

    settings = runner.RunSettings(
        host=args.host,
        issuer=args.issuer,
        users=args.users,
        spawn_rate=args.spawn_rate,
        run_time=args.run_time,
        seed=args.seed,
        options=JourneyOptions(
            days=args.days, contention=args.contention, hot_seats=args.hot_seats
        ),
    )
    print(
        f"loadgen: {settings.users} users ({settings.spawn_rate:g}/s) against {settings.host} "
        f"for {settings.run_time:g} s, tokens from {settings.issuer}",
        flush=True,
    )
    result = runner.run(settings)
    print(report.format_table(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
