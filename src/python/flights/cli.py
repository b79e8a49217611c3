"""``flights [serve] | migrate | seed``: the PEX entry point. Configuration comes from the
environment (settings.py); the flags only shape one run."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime

import mysql.connector

from chassis import logs
from chassis.config import ConfigError
from flights import migrate, seed
from flights.repository import Connection, connect, is_unavailable
from flights.settings import Settings

log = logging.getLogger("flights.cli")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"flights: configuration error: {exc}", file=sys.stderr)
        return 2
    logs.configure("flights", settings.log_level)
    if args.command == "migrate":
        return _migrate(settings, args.wait)
    if args.command == "seed":
        return _seed(settings, args.wait, args.start_date, args.days)
    return _serve(settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flights", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="{serve,migrate,seed}")
    commands.add_parser("serve", help="run the HTTP service (the default)")
    for name, text in (("migrate", "apply pending schema migrations"), ("seed", "load seed data")):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--wait",
            type=float,
            default=30.0,
            metavar="SECONDS",
            help="keep trying to reach MySQL this long (default 30: it may still be starting)",
        )
    seeder = commands.choices["seed"]
    seeder.add_argument(
        "--start-date",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="first day of flights (default: today, UTC)",
    )
    seeder.add_argument(
        "--days", type=int, default=seed.DEFAULT_DAYS, help="days of flights (default 30)"
    )
    return parser


def _migrate(settings: Settings, wait: float) -> int:
    connection = _connect(settings, wait)
    try:
        applied = migrate.migrate(connection)
    except migrate.MigrationError as exc:
        log.error("migration failed: %s", exc)
        return 1
    finally:
        connection.close()
    log.info("schema up to date (%d migration(s) applied now)", len(applied))
    return 0


def _seed(settings: Settings, wait: float, start: date | None, days: int) -> int:
    connection = _connect(settings, wait)
    try:
        seed.seed(connection, start or datetime.now(UTC).date(), days)
    finally:
        connection.close()
    return 0


def _connect(settings: Settings, wait: float) -> Connection:
    deadline = time.monotonic() + wait
    while True:
        try:
            return connect(settings.database, connect_timeout=settings.connect_timeout)
        except mysql.connector.Error as exc:
            if not is_unavailable(exc) or time.monotonic() >= deadline:
                raise SystemExit(f"flights: cannot reach MySQL: {exc}") from exc
            log.info("waiting for MySQL: %s", exc)
            time.sleep(1)


def _serve(settings: Settings) -> int:
    import uvicorn  # here, so that migrate and seed do not pay for importing the server

    from flights.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,  # the chassis already routes uvicorn's loggers into JSON logs
        access_log=False,  # the chassis logs each request, with its request id
        server_header=False,
        proxy_headers=False,  # behind the API layer, not a trusted proxy chain
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
