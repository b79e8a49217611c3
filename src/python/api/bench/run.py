# This script exists to start tools (docker, the services, wrk) with arguments it builds itself.
# ruff: noqa: S603, S607
"""Benchmark: GET /flights/{id}/seats and POST /bookings through the API layer at concurrency
32, with both services running for real, measured with wrk.

Starts MariaDB and Redis as containers (local images, ports on 127.0.0.1), migrates and seeds
the flights database with the flights service's own commands, starts flights (uvicorn),
reservations (gunicorn, 2 workers) and the API layer (uvicorn) as processes on 127.0.0.1
with their production settings, then drives each scenario with wrk for a fixed time and
prints throughput, p50, p99 and the status counts as a Markdown table. Everything it starts
it stops again. Not a test: the figures depend on the machine.

    PYTHONPATH=src/python python3 src/python/api/bench/run.py [--duration 20]

Bookings: every request books two seats of an A320 flight for a new customer, pairs split
between wrk's threads so they never compete; 201s show the saga's cost, not conflicts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent
MARIADB_IMAGE = os.environ.get("MYSQL_IMAGE", "flightres/mariadb:10.11")
REDIS_IMAGE = os.environ.get("REDIS_IMAGE", "flightres/redis:7.0")
CONNECTIONS = 32
# Routes flown with the A320 (flights seed data): 162 seats per flight.
A320_ROUTES = [("JFK", "LAX"), ("JFK", "SFO"), ("DFW", "LAX"), ("DFW", "ORD"), ("ATL", "BOS")]


@dataclass(frozen=True)
class Result:
    scenario: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    statuses: dict[str, int]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for tool in ("wrk", "docker"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found")
    python = [sys.executable, "-m"]
    with contextlib.ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="api-bench-")))
        database_url = stack.enter_context(_container_mariadb())
        redis_url = stack.enter_context(_container_redis())
        ports = {name: _free_port() for name in ("flights", "reservations", "api")}
        base_env = {**os.environ, "HOST": HOST, "LOG_LEVEL": "INFO"}
        flights_env = {**base_env, "FLIGHTS_DATABASE_URL": database_url}
        _run([*python, "flights.cli", "migrate"], flights_env)
        _run([*python, "flights.cli", "seed", "--days", str(args.days)], flights_env)
        services = [
            ("flights", [*python, "flights.cli", "serve"], flights_env),
            (
                "reservations",
                [*python, "reservations"],
                {**base_env, "RESERVATIONS_REDIS_URL": redis_url},
            ),
            (
                "api",
                [*python, "api.cli"],
                {
                    **base_env,
                    "FLIGHTS_URL": f"http://{HOST}:{ports['flights']}",
                    "RESERVATIONS_URL": f"http://{HOST}:{ports['reservations']}",
                },
            ),
        ]
        for name, command, env in services:
            stack.enter_context(_service(name, command, {**env, "PORT": str(ports[name])}, logs))
        api = f"http://{HOST}:{ports['api']}"
        flights = _a320_flights(api, args.days)
        pairs = [(flight, *seats) for flight in flights for seats in _seat_pairs(api, flight)]
        print(
            f"bench: {len(flights)} flights, {len(pairs)} seat pairs; {args.duration}s per "
            f"scenario, {CONNECTIONS} connections, {args.threads} wrk threads",
            file=sys.stderr,
        )
        results = [
            _wrk("GET /flights/{id}/seats", "seats.lua", {"FLIGHTS": flights}, api, args),
            _wrk("POST /bookings (2 seats)", "bookings.lua", {"PAIRS": pairs}, api, args),
        ]
    print(_table(results))
    return 0 if all(r.socket_errors == 0 for r in results) else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--days", type=int, default=30, help="days of flights to seed")
    return parser


# --- infrastructure -------------------------------------------------------------------------


@contextlib.contextmanager
def _container(image: str, port: int, *env: str) -> Iterator[int]:
    host_port = _free_port()
    name = f"api-bench-{secrets.token_hex(4)}"
    environment = [arg for pair in env for arg in ("-e", pair)]
    subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--rm",
            "--name",
            name,
            "-p",
            f"{HOST}:{host_port}:{port}",
            *environment,
            image,
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield host_port
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


@contextlib.contextmanager
def _container_mariadb() -> Iterator[str]:
    password = secrets.token_hex(8)
    with _container(
        MARIADB_IMAGE, 3306, f"MYSQL_ROOT_PASSWORD={password}", "MYSQL_DATABASE=flights"
    ) as port:
        yield f"mysql://root:{password}@{HOST}:{port}/flights"  # `migrate` waits for it


@contextlib.contextmanager
def _container_redis() -> Iterator[str]:
    with _container(REDIS_IMAGE, 6379) as port:
        yield f"redis://{HOST}:{port}/0"


@contextlib.contextmanager
def _service(name: str, command: list[str], env: dict[str, str], logs: Path) -> Iterator[None]:
    log = (logs / f"{name}.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(f"http://{HOST}:{env['PORT']}/health", name, process, logs / f"{name}.log")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait(url: str, name: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench: {name} exited:\n{log.read_text()[-2000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url, timeout=2) as response,  # noqa: S310 - our URL
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    sys.exit(f"bench: {name} not healthy after 60s:\n{log.read_text()[-2000:]}")


def _run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- workload ---------------------------------------------------------------------------------


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our URL
        return json.load(response)


def _a320_flights(api: str, days: int) -> list[int]:
    today = datetime.now(UTC).date()
    ids: list[int] = []
    for day in (today + timedelta(days=n) for n in range(days)):
        for origin, destination in A320_ROUTES:
            for a, b in ((origin, destination), (destination, origin)):
                page = _get(f"{api}/flights?origin={a}&destination={b}&departure_date={day}")
                ids.extend(flight["id"] for flight in page["items"])
    return ids


def _seat_pairs(api: str, flight_id: int) -> list[tuple[str, str]]:
    document = _get(f"{api}/flights/{flight_id}/seats")
    seats = [
        seat["number"]
        for cabin in document["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
    ]
    return list(zip(seats[::2], seats[1::2], strict=False))


def _lua_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "{" + ",".join(_lua_value(item) for item in value) + "}"
    return json.dumps(value)  # numbers and strings read the same in Lua


def _wrk(
    scenario: str, script: str, data: dict[str, Any], api: str, args: argparse.Namespace
) -> Result:
    lines = [f"THREADS = {args.threads}"]
    lines += [f"{name} = {_lua_value(value)}" for name, value in data.items()]
    source = (
        "\n".join(lines) + "\n" + (HERE / "report.lua").read_text() + (HERE / script).read_text()
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as generated:
        generated.write(source)
        generated.flush()
        output = subprocess.run(
            [
                "wrk",
                f"-t{args.threads}",
                f"-c{CONNECTIONS}",
                f"-d{args.duration}s",
                "-s",
                generated.name,
                api,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    return Result(scenario, **json.loads(line.removeprefix("BENCH ")))


def _table(results: list[Result]) -> str:
    rows = [
        "| Scenario (concurrency 32) | Requests/s | p50 ms | p99 ms | Statuses |",
        "|---|---:|---:|---:|---|",
    ]
    for r in results:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(r.statuses.items()))
        rows.append(
            f"| {r.scenario} | {r.throughput:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {statuses} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
