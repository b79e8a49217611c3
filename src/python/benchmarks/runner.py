"""The system benchmark: start the stack from docker-compose.yml as a Compose project of its
own (stack.py), run the fixed workloads and their baselines with wrk and redis-benchmark, write
docs/benchmarks.md and docs/benchmarks.json.

    make bench [BENCH_ARGS="--quick | --duration 20 --rounds 3 | --only ID,ID | ..."]
    make bench BENCH_ARGS="--worker-models [--rounds 3]"

`make bench` builds the images (./pants package of the stack's images and of
src/python/benchmarks:image, the baselines) and this program (src/python/benchmarks:bench),
then runs dist/src.python.benchmarks/bench.pex from the repository's root. The second form
measures the services' worker models instead (worker_models.py) and writes
docs/benchmarks-worker-models.md.

Needs a Docker engine with docker-compose and the database images (MYSQL_IMAGE, REDIS_IMAGE:
make's environment chooses them, as for `make test`), and wrk (apt-get install wrk).

Exit status: 0 when the figures were written (missed targets included, unless --strict),
1 on failure, 2 when something it needs is missing, 3 with --strict when a target was missed
or a workload had errors, 128+N when stopped by signal N. Whatever happens, every container,
network and volume it started is removed.
"""

# Runs fixed local tools (docker, wrk) with built arguments.
# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks import machine, redisbench, report, stack, worker_models, wrk
from benchmarks.report import ENTRY, FASTAPI, FLASK, REDIS
from benchmarks.stack import log
from benchmarks.workloads import (
    SEARCH_SHAPES,
    BookingFeed,
    Catalog,
    discover,
    search_paths,
    split_for_bookings,
)
from systemtests.stack import Stack

REPO = Path.cwd()  # `make bench` runs it from the repository's root
# The bearer tokens of the booking workloads: the stack's dev issuer (docker-compose.yml)
# signs one per customer before any load; the API layer verifies them against its JWKS.
ISSUER = "http://devissuer:8090"
AUDIENCE = "flightres-api"
CUSTOMERS = 500
# Short names for wrk runs (in flight and customer ids).
RUN_PREFIX = {
    FLASK: "mf",
    FASTAPI: "ma",
    "reservations_booking": "rb",
    "api_booking_1_seat": "b1",
    "api_booking_unverified": "bu",
    "api_booking_3_seats": "b3",
}
# Seats each successful request reserves (and logs one event for).
SEATS = {
    "reservations_booking": 1,
    "api_booking_1_seat": 1,
    "api_booking_unverified": 1,
    "api_booking_3_seats": 3,
}
API_BOOKINGS = ("api_booking_1_seat", "api_booking_3_seats")  # each on flights of its own
# Takes its seats from the same flights as the first (one feed: never the same seat twice).
SHARED_FEEDS = {"api_booking_unverified": "api_booking_1_seat"}
# Search workloads: (service, search shape).
SEARCHES = {
    "flights_search_route": ("flights", "route"),
    "flights_search_flight_no": ("flights", "flight_no"),
    "flights_search_route_uncached": ("flights", "route"),
    "api_search_route": ("api", "route"),
    "api_search_flight_no": ("api", "flight_no"),
}


class Interrupted(Exception):  # what happened, not a failure
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, help="seconds per workload (default 20)")
    parser.add_argument("--warmup", type=int, help="seconds of load before each (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 3 s per workload, 1 s warm-up"
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat all; report medians")
    parser.add_argument("--concurrency", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--seed-days", type=int, default=30, help="days of flights to seed")
    parser.add_argument("--booking-window", type=int, default=50, help="flights booked at once")
    parser.add_argument(
        "--redis-benchmark-requests", type=int, help="HSETNX commands (default 200000)"
    )
    parser.add_argument(
        "--only",
        type=lambda text: text.split(","),
        default=None,
        metavar="ID,ID",
        help=f"run only these workloads: {', '.join(w.id for w in report.WORKLOADS)}",
    )
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="what Pants built")
    parser.add_argument(
        "--worker-models",
        action="store_true",
        help="measure the services' worker models instead (docs/benchmarks-worker-models.md)",
    )
    parser.add_argument("--md", type=Path, help="default docs/benchmarks.md (or -worker-models)")
    parser.add_argument("--json", type=Path, default=REPO / "docs" / "benchmarks.json")
    parser.add_argument(
        "--strict", action="store_true", help="exit 3 when a target is missed or errors occur"
    )
    args = parser.parse_args(argv)
    default_duration = 3 if args.quick else (10 if args.worker_models else 20)
    args.duration = args.duration if args.duration is not None else default_duration
    if args.md is None:
        page = "benchmarks-worker-models.md" if args.worker_models else "benchmarks.md"
        args.md = REPO / "docs" / page
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 3)
    if args.redis_benchmark_requests is None:
        args.redis_benchmark_requests = 50_000 if args.quick else 200_000
    known = {w.id for w in report.WORKLOADS}
    if args.only and not set(args.only) <= known:
        parser.error(f"--only: unknown {sorted(set(args.only) - known)}")
    if args.duration < 1 or args.warmup < 0 or args.rounds < 1 or args.wrk_threads < 1:
        parser.error("--duration and --rounds must be >= 1, --warmup >= 0")
    if args.concurrency < args.wrk_threads:
        parser.error("--concurrency must be at least --wrk-threads")
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = preflight(args)
    if missing:
        for problem in missing:
            log(problem)
        return 2
    previous = install_signal_handlers()
    started = time.monotonic()
    try:
        if args.worker_models:
            return write_worker_models(args)
        doc = run(args, started)
    except Interrupted as exc:
        log(f"stopped by {exc}; everything it started has been stopped and removed")
        return 128 + exc.signum
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
        log(f"FAILED: {exc}")
        log("everything it started has been stopped and removed")
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2) + "\n")
    markdown = report.render_markdown(doc)
    args.md.parent.mkdir(parents=True, exist_ok=True)
    args.md.write_text(markdown)
    print(report.results_table(doc["workloads"]))
    verify_us = doc["settings"]["auth"]["verify_us"]
    lines = report.targets_list(doc["workloads"])
    lines += report.comparison_lines(doc["comparisons"], verify_us)
    print("\n".join(["", *lines, *doc["notes"]]))
    log(f"wrote {args.md} and {args.json} in {doc['durations_s']['total']:.0f} s")
    targets = [w["target"] for w in doc["workloads"]] + [c["target"] for c in doc["comparisons"]]
    missed = any(target and not target["met"] for target in targets)
    errors = any(w["errors"] for w in doc["workloads"])
    return 3 if args.strict and (missed or errors) else 0


def preflight(args: argparse.Namespace) -> list[str]:
    problems = []
    for tool, package in (("wrk", "wrk"), ("docker-compose", "docker-compose")):
        if shutil.which(tool) is None:
            problems.append(f"{tool} not found (apt-get install {package})")
    if not stack.BENCH_FILE.is_file():
        problems.append(f"no {stack.BENCH_FILE} here: run it from the repository's root")
    try:
        stack.images(args.dist)
    except RuntimeError as exc:
        problems.append(f"{exc} (`make bench` builds the images first)")
    probe = subprocess.run(["docker", "info"], capture_output=True, check=False)
    if probe.returncode != 0:
        problems.append("no Docker engine answers (build-support/docker-engine.sh starts one)")
    return problems


def install_signal_handlers() -> dict[int, Any]:
    """SIGINT, SIGTERM and SIGHUP unwind the run like an exception, so every context manager
    stops what it started. Once: a second Ctrl-C must not interrupt that cleanup."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def stop(signum: int, frame: FrameType | None) -> None:
        for s in signals:
            signal.signal(s, signal.SIG_IGN)
        log(f"{signal.Signals(signum).name}: stopping everything it started")
        raise Interrupted(signum)

    return {s: signal.signal(s, stop) for s in signals}


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """What every mode starts first: the stack (seeded flights, the services with their
    default settings) and what the workloads need from it."""

    stack: Stack
    urls: dict[str, str]  # the services' base URLs on 127.0.0.1, by service name
    described: dict[str, Any]  # `baselines describe`: the default server settings
    catalog: Catalog
    tokens: list[str]  # one bearer token per customer, minted before any load
    verify_us: float  # the API layer's verifier on one token, in process (median)


def start(args: argparse.Namespace, exits: contextlib.ExitStack) -> Setup:
    """Start what Setup holds; exits takes it all down again."""
    log(f"starting docker-compose.yml as a project of its own (seeding {args.seed_days} days)")
    running = exits.enter_context(stack.running(args.dist, args.seed_days))
    log(f"{running.project} is up")
    described = json.loads(stack.tool(running, "describe"))
    # The verifier alone, timed in a baselines container on tokens of a key of its own.
    timed = stack.tool(running, "tokens", "/tmp", "200", ISSUER, AUDIENCE, "3600")  # noqa: S108
    verify_us = float(json.loads(timed)["verify_us"])
    tokens = [running.token(f"bench-c{n}") for n in range(CUSTOMERS)]
    log(f"{len(tokens)} bearer tokens from the dev issuer ({verify_us:.0f} µs to verify one)")
    urls = {name: running.url(name) for name in ("flights", "reservations", "api", "web")}
    catalog = discover(stack.get_json, urls["flights"])
    log(
        f"{len(catalog.flights):,} flights; wide-body: flight {catalog.wide_body} "
        f"({catalog.wide_body_type}, {len(catalog.layouts[catalog.wide_body_type])} seats)"
    )
    return Setup(running, urls, described, catalog, tokens, verify_us)


def run(args: argparse.Namespace, started: float) -> dict[str, Any]:
    chosen = [w for w in report.WORKLOADS if not args.only or w.id in args.only]
    about = machine.info()  # before the run: its load average says how quiet the machine was
    with contextlib.ExitStack() as exits:
        setup = start(args, exits)
        setup_s = time.monotonic() - started
        bench = Bench(args, setup)
        runs: dict[str, list[dict[str, Any]]] = {w.id: [] for w in chosen}
        for round_no in range(1, args.rounds + 1):
            for workload in chosen:
                log(f"round {round_no}/{args.rounds}: {workload.id}")
                measured = bench.execute(workload, str(round_no), setup.urls)
                runs[workload.id].append({"round": round_no, **measured})
        workloads_s = time.monotonic() - started - setup_s
    log("stopped everything it started")
    catalog = setup.catalog
    entries = report.evaluate(_aggregated(runs))
    requests = args.redis_benchmark_requests
    # The report shows the command with a placeholder for the run's password.
    placeholder = "PASSWORD"
    redis_argv = redisbench.command(
        "redis", 6379, clients=args.concurrency, requests=requests, password=placeholder
    )
    return {
        "schema_version": report.SCHEMA_VERSION,
        "generated_at": machine.now(),
        "git": machine.git(),
        "machine": about,
        "settings": {
            **_settings(args),
            "redis_benchmark": "`{}`".format(" ".join(redis_argv)),
            "redis_benchmark_requests": args.redis_benchmark_requests,
            "seed_days": args.seed_days,
            "flights_seeded": len(catalog.flights),
            "booking_window_flights": args.booking_window,
            "wide_body": {
                "flight_id": catalog.wide_body,
                "aircraft_type": catalog.wide_body_type,
                "seats": len(catalog.layouts[catalog.wide_body_type]),
            },
            "images": {db: setup.stack.env[f"{db.upper()}_IMAGE"] for db in ("mysql", "redis")},
            "auth": {
                "issuer": ISSUER,
                "audience": AUDIENCE,
                "customers": len(setup.tokens),
                "verify_us": setup.verify_us,
            },
            "servers": _servers(setup.described),
            "service_python": setup.described["python"],
            "service_images": stack.images(args.dist),
        },
        "durations_s": {
            "setup": round(setup_s, 1),
            "workloads": round(workloads_s, 1),
            "total": round(time.monotonic() - started, 1),
        },
        "workloads": entries,
        "comparisons": report.compare(entries),
        "notes": bench.notes,
    }


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "command": f"{ENTRY} BENCH_ARGS={shlex.quote(shlex.join(args.argv))}"
        if args.argv
        else ENTRY,
        "quick": args.quick,
        "concurrency": args.concurrency,
        "wrk_threads": args.wrk_threads,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
    }


def _aggregated(runs: Mapping[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    results = {}
    for key, measured in runs.items():
        results[key] = {**report.aggregate(measured), "runs": measured}
        details = [r["detail"] for r in measured if r.get("detail")]
        if details:
            results[key]["detail"] = details[0]
    return results


def write_worker_models(args: argparse.Namespace) -> int:
    doc = measure_worker_models(args)
    args.md.parent.mkdir(parents=True, exist_ok=True)
    args.md.write_text(worker_models.render_markdown(doc))
    print(worker_models.render_markdown(doc))
    for note in doc["notes"]:
        log(note)
    log(f"wrote {args.md}")
    return 0


def measure_worker_models(args: argparse.Namespace) -> dict[str, Any]:
    """Every model of worker_models.MODELS once per round, in turn: a server of its service
    started with its settings, the service's workload against it, the server stopped."""
    with contextlib.ExitStack() as exits:
        setup = start(args, exits)
        bench = Bench(args, setup)
        runs: dict[str, list[dict[str, Any]]] = {m.name: [] for m in worker_models.MODELS}
        for round_no in range(1, args.rounds + 1):
            for index, model in enumerate(worker_models.MODELS):
                log(f"round {round_no}/{args.rounds}: {model.service}, {model.name}")
                measured = bench.with_model(model, f"{round_no}s{index}")
                runs[model.name].append({"round": round_no, **measured})
    log("stopped everything it started")
    results = _aggregated(runs)
    return {
        "generated_at": machine.now(),
        "git_sha": (machine.git()["sha"] or "unknown")[:12],
        "cores": os.cpu_count(),
        "settings": _settings(args),
        "models": [
            {
                "service": model.service,
                "name": model.name,
                "default": worker_models.is_default(model, setup.described),
                **results[model.name],
            }
            for model in worker_models.MODELS
        ],
        "notes": bench.notes,
    }


def _servers(described: Mapping[str, Any]) -> dict[str, str]:
    r = described["reservations"]
    pool = f"Redis pool {r['redis_pool_size']} per worker"
    if r["worker_class"] == "gthread":
        gunicorn = f"gunicorn, {r['workers']} workers x {r['threads']} gthreads, {pool}"
    else:
        gunicorn = f"gunicorn, {r['workers']} {r['worker_class']} workers, {pool}"
    options = dict(described["uvicorn_options"])
    workers = options.pop("workers")
    processes = "one process" if workers == 1 else f"{workers} worker processes"
    uvicorn = f"uvicorn, {processes}, " + ", ".join(f"{k}={v}" for k, v in options.items())
    return {
        "flights": "uvicorn, one process, its default settings",
        "reservations": gunicorn,
        "api": uvicorn,
        "web": "gunicorn, its default settings (2 workers x 4 gthreads)",
        "minimal_flask": gunicorn,
        "minimal_fastapi": uvicorn,
    }


class Bench:
    def __init__(self, args: argparse.Namespace, setup: Setup) -> None:
        self.args, self.setup = args, setup
        self.notes: list[str] = []
        catalog = setup.catalog
        self.feeds = {
            workload_id: BookingFeed(
                flights, catalog.layouts, SEATS[workload_id], args.booking_window, args.wrk_threads
            )
            for workload_id, flights in zip(
                API_BOOKINGS, split_for_bookings(catalog, len(API_BOOKINGS)), strict=True
            )
        }
        for workload_id, shared in SHARED_FEEDS.items():
            self.feeds[workload_id] = self.feeds[shared]
        self.searches = {shape: search_paths(catalog, shape) for shape in SEARCH_SHAPES}

    def execute(
        self, workload: report.Workload, tag: str, urls: Mapping[str, str]
    ) -> dict[str, Any]:
        """One measured run of workload against the services at urls; tag tells its wrk runs
        apart."""
        catalog = self.setup.catalog
        wide = catalog.wide_body
        wide_seats = len(catalog.layouts[catalog.wide_body_type])
        wide_detail = f"{catalog.wide_body_type}, {wide_seats} seats"
        if workload.id == REDIS:
            return self.redis_benchmark()
        if workload.id in (FLASK, FASTAPI):
            name = "minimal-flask" if workload.id == FLASK else "minimal-fastapi"
            with stack.variant(self.setup.stack, name) as app:
                return self.http(workload, app.url, tag, lua="put_reservation.lua")
        if workload.id == "reservations_booking":
            return self.http(workload, urls["reservations"], tag, lua="reservations_booking.lua")
        if workload.id == "flights_seat_map":
            url = f"{urls['flights']}/flights/{wide}/seat_map"
            return {**self.http(workload, url, tag), "detail": wide_detail}
        if workload.id == "api_get_seats":
            url = f"{urls['api']}/flights/{wide}/seats"
            return {**self.http(workload, url, tag), "detail": wide_detail}
        if workload.id == "web_cabin":
            url = f"{urls['web']}/flights/{wide}"
            return {**self.http(workload, url, tag), "detail": wide_detail}
        if workload.id == "flights_search_route_uncached":
            # A flights container of its own for this run, keeping no search pages.
            uncached = {"FLIGHTS_SEARCH_CACHE_TTL": "0"}
            with stack.variant(self.setup.stack, "flights", uncached) as server:
                return self.search(workload, server.url, tag)
        if workload.id in SEARCHES:
            return self.search(workload, urls[SEARCHES[workload.id][0]], tag)
        if workload.id == "api_booking_unverified":
            # The bench-only API layer that reads tokens without verifying them, started for
            # this run like the minimal baselines, with the API layer's settings.
            with stack.variant(self.setup.stack, "api-unverified") as app:
                return self.booking(workload, app.url, tag)
        if workload.id in self.feeds:
            return self.booking(workload, urls["api"], tag)
        raise ValueError(f"unknown workload {workload.id}")

    def search(self, workload: report.Workload, url: str, tag: str) -> dict[str, Any]:
        paths = self.searches[SEARCHES[workload.id][1]]
        measured = self.http(
            workload,
            url,
            tag,
            lua="search.lua",
            variables={"PATHS": paths, "THREADS": self.args.wrk_threads},
        )
        return {**measured, "detail": f"{len(paths):,} different searches in turn"}

    def booking(self, workload: report.Workload, url: str, tag: str) -> dict[str, Any]:
        return self.http(
            workload,
            url,
            tag,
            lua="booking.lua",
            feed=self.feeds[workload.id],
            variables={"TOKENS": self.setup.tokens},
        )

    def with_model(self, model: worker_models.Model, tag: str) -> dict[str, Any]:
        """The model's workload against a container of its service started with its settings
        (the other services at their defaults)."""
        with stack.variant(self.setup.stack, model.service, model.env) as server:
            workload = report.BY_ID[worker_models.WORKLOAD[model.service]]
            return self.execute(workload, tag, {**self.setup.urls, model.service: server.url})

    def redis_benchmark(self) -> dict[str, Any]:
        """redis-benchmark in a container of its own on the Redis network, as the minimal
        Flask app reaches Redis; not metered as a server (its CPU counts as other)."""
        requests = self.args.redis_benchmark_requests
        password = self.setup.stack.env["REDIS_PASSWORD"]
        argv = redisbench.command(
            "redis", 6379, clients=self.args.concurrency, requests=requests, password=password
        )
        meter = stack.meter(self.setup.stack)
        meter.start()
        began = time.monotonic()
        completed = self.setup.stack.compose("run", "--rm", "-T", "--no-deps", "redis", *argv)
        elapsed = time.monotonic() - began
        cpu = meter.stop()
        if completed.returncode != 0:
            raise RuntimeError(f"redis-benchmark failed: {completed.stderr[-2000:]}")
        result = redisbench.parse(completed.stdout)
        log(f"  redis-benchmark: {result.requests_per_s:,.0f} req/s")
        return {
            "throughput_rps": round(result.requests_per_s, 1),
            "p50_ms": result.p50_ms,
            "p99_ms": result.p99_ms,
            "requests": requests,
            "errors": 0,  # redis-benchmark stops at the first error reply
            "duration_s": round(elapsed, 2),
            "other_cpu_share": round(cpu["other_cpu_share"], 3),
            "cpu_ms_per_request": round(cpu["servers_cpu_s"] * 1000 / requests, 4),
        }

    def http(
        self,
        workload: report.Workload,
        url: str,
        tag: str,
        *,
        lua: str | None = None,
        feed: BookingFeed | None = None,
        variables: Mapping[str, wrk.LuaValue] | None = None,
    ) -> dict[str, Any]:
        """One workload's wrk runs (warm-up, then measured) against url. The Lua script gets
        RUN (a name of its own for each run), the feed's variables and ``variables``."""
        assert workload.expected_status is not None
        prefix = RUN_PREFIX.get(workload.id, "x")

        def lua_variables(phase: str) -> dict[str, wrk.LuaValue]:
            run = f"{prefix}{tag}{phase}"
            return {**(feed.variables(run) if feed else {"RUN": run}), **(variables or {})}

        def load(seconds: int, phase: str) -> wrk.WrkResult:
            result, text = wrk.run(
                url,
                seconds=seconds,
                connections=self.args.concurrency,
                threads=self.args.wrk_threads,
                workload_lua=lua,
                variables=lua_variables(phase),
            )
            if feed:
                feed.advance(result)
            return result

        if self.args.warmup:
            warm = load(self.args.warmup, "w")
            self._check_warmup(workload, warm)
        seats = SEATS.get(workload.id, 0)
        events_before = stack.events(self.setup.stack) if seats else 0
        meter = stack.meter(self.setup.stack)
        meter.start()
        result = load(self.args.duration, "m")
        cpu = meter.stop()
        errors = result.errors(workload.expected_status)
        measured: dict[str, Any] = {
            "throughput_rps": round(result.throughput, 1),
            "p50_ms": round(result.p50_ms, 3),
            "p99_ms": round(result.p99_ms, 3),
            "max_ms": round(result.max_ms, 3),
            "requests": result.requests,
            "errors": errors,
            "error_detail": {"non_2xx_3xx": result.non_2xx_3xx, **result.socket_errors},
            "duration_s": round(result.duration_s, 2),
            "other_cpu_share": round(cpu["other_cpu_share"], 3),
            "cpu_ms_per_request": round(cpu["servers_cpu_s"] * 1000 / max(1, result.requests), 3),
        }
        if seats:
            # Every seat reserved logs one event: proof that the 2xx answers reserved seats.
            logged = stack.events(self.setup.stack) - events_before
            wanted = (result.requests - errors) * seats
            measured["seats_reserved"] = logged
            if logged < wanted:
                self.notes.append(
                    f"{workload.id} run {tag}: {logged} seats reserved for "
                    f"{result.requests - errors} successful requests of {seats} seat(s)"
                )
        if feed and feed.exhausted:
            self.notes.append(
                f"{workload.id}: the seeded seats ran out ({feed.capacity:,} bookings); later "
                "requests conflicted (seed more days with --seed-days)"
            )
        log(
            f"  {result.throughput:,.1f} req/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, {errors} errors, other CPU "
            f"{cpu['other_cpu_share']:.0%}"
        )
        return measured

    def _check_warmup(self, workload: report.Workload, warm: wrk.WrkResult) -> None:
        assert workload.expected_status is not None
        failed = warm.errors(workload.expected_status)
        if warm.requests == 0 or failed * 2 > warm.requests:
            raise RuntimeError(
                f"{workload.id}: {failed} of {warm.requests} warm-up requests failed; "
                f"servers' logs:\n{self.setup.stack.all_logs()}"
            )


def guard(call: Callable[[], int]) -> int:
    """Run call; a KeyboardInterrupt that arrives before the handlers are installed still
    exits quietly."""
    try:
        return call()
    except KeyboardInterrupt:
        return 130
