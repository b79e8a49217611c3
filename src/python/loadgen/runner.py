"""Runs the users headless with Locust's library API (Environment + local runner) and turns
its statistics into a report.Report.

Importing this module imports Locust, which monkey-patches the whole process with gevent:
only the CLI imports it, after it has checked its arguments, in the process that generates load.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from locust.env import Environment
from locust.stats import StatsEntry

from loadgen.journeys import JourneyOptions, Ledger
from loadgen.report import Report, Row
from loadgen.users import BookingUser

# How long users get to finish the journey they are in when the run time is up (a journey
# killed mid-request would leave the ledger unsure of what it holds).
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class RunSettings:
    host: str
    issuer: str  # the development issuer's base URL: POST <issuer>/token
    users: int
    spawn_rate: float
    run_time: float  # seconds
    seed: int | None
    options: JourneyOptions


def _row(entry: StatsEntry, seconds: float, statuses: Counter[int]) -> Row:
    def ms(percentile: float) -> float:
        return float(entry.get_response_time_percentile(percentile) or 0)

    return Row(
        name=entry.name,
        requests=entry.num_requests,
        failures=entry.num_failures,
        rps=entry.num_requests / seconds if seconds else 0.0,
        p50=ms(0.5),
        p95=ms(0.95),
        p99=ms(0.99),
        statuses={str(code): count for code, count in sorted(statuses.items())},
    )


def run(settings: RunSettings) -> Report:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ledger = Ledger()
    user_class = type(
        "BookingUser",
        (BookingUser,),
        {
            "host": settings.host,
            "options": settings.options,
            "ledger": ledger,
            "seed": settings.seed,
            "run_tag": secrets.token_hex(3),
            "issuer": settings.issuer,
            "numbers": itertools.count(),
        },
    )
    env = Environment(user_classes=[user_class], host=settings.host, stop_timeout=STOP_TIMEOUT)

    statuses: defaultdict[str, Counter[int]] = defaultdict(Counter)

    def count_status(name: str, response: Any = None, **_: Any) -> None:
        statuses[name][getattr(response, "status_code", 0) or 0] += 1

    env.events.request.add_listener(count_status)  # type: ignore[no-untyped-call]
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(settings.users, spawn_rate=settings.spawn_rate)
    time.sleep(settings.run_time)  # gevent's sleep (monkey-patched): the users run meanwhile
    runner.quit()  # graceful: users finish their journey (up to STOP_TIMEOUT)
    seconds = time.monotonic() - started

    stats = env.stats
    # Request names already start with the method: "POST /bookings: 500 server error".
    failures = {
        error.to_name().removeprefix(f"{error.method} "): error.occurrences
        for error in stats.errors.values()
    }
    return Report(
        rows=[_row(entry, seconds, statuses[entry.name]) for entry in stats.entries.values()],
        total=_row(stats.total, seconds, sum(statuses.values(), Counter())),
        seconds=seconds,
        failures=failures,
        exceptions=[f"{e['count']}x {e['msg']}" for e in runner.exceptions.values()],
        holdings=ledger.holdings(),
        double_booked=ledger.double_booked(),
        flights_booked=sorted(ledger.flights),
    )
