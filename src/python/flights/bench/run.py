# This script exists to start tools (docker, mariadbd, wrk) with arguments it builds itself.
# ruff: noqa: S603, S607
"""Benchmark: the flights service under concurrency 32, measured with wrk.

Starts MariaDB on 127.0.0.1 (a container from the local image, or Debian's mariadbd in a
temporary datadir), migrates and seeds it and starts ``flights serve`` with production
settings, all through the same ``flights`` command the PEX runs, then drives each scenario
with wrk for a fixed time and prints throughput, p50, p99 and errors as a Markdown table.
Everything it starts it stops again. Not a test: the figures depend on the machine.

    PYTHONPATH=src/python python3 src/python/flights/bench/run.py [--duration 20]
    ... --flights-cmd dist/src.python.flights/flights.pex   # benchmark the built PEX
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
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
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
MARIADB_IMAGE = "flightres/mariadb:10.11"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found (apt-get install wrk)")
    flights_cmd = (
        args.flights_cmd.split() if args.flights_cmd else [sys.executable, "-m", "flights.cli"]
    )
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="flights-bench-")))
        if args.database_url:
            database_url = args.database_url
        elif args.mysql == "docker" or (args.mysql == "auto" and _have_image(MARIADB_IMAGE)):
            database_url = stack.enter_context(_mariadb_container())
        else:
            database_url = stack.enter_context(_mariadb_local(workdir))
        port = _free_port()
        env = {
            **os.environ,
            "FLIGHTS_DATABASE_URL": database_url,
            "PORT": str(port),
            "HOST": HOST,
            "LOG_LEVEL": "INFO",
        }
        _run([*flights_cmd, "migrate"], env)
        _run([*flights_cmd, "seed"], env)
        base, pid = stack.enter_context(_service([*flights_cmd, "serve"], env, port, workdir))
        print(
            f"bench: service on {base}; {args.duration}s per scenario, 32 connections",
            file=sys.stderr,
        )
        results = [
            _wrk(scenario, base, pid, args.duration, args.threads) for scenario in _scenarios(base)
        ]
    print(_table(results))
    return 0 if all(r.errors == 0 for r in results) else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=int, default=20, help="seconds per scenario (default 20)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--mysql", choices=["auto", "docker", "local"], default="auto")
    parser.add_argument("--database-url", help="use this (empty) database instead of starting one")
    parser.add_argument("--flights-cmd", help="command that runs `flights` (default: this Python)")
    return parser


# --- MariaDB --------------------------------------------------------------------------------


def _have_image(image: str) -> bool:
    result = subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False)
    return result.returncode == 0


@contextlib.contextmanager
def _mariadb_container() -> Iterator[str]:
    password = secrets.token_hex(8)
    port = _free_port()
    name = f"flights-bench-{secrets.token_hex(4)}"
    subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--rm",
            "--name",
            name,
            "-p",
            f"{HOST}:{port}:3306",
            "-e",
            f"MYSQL_ROOT_PASSWORD={password}",
            "-e",
            "MYSQL_DATABASE=flights",
            MARIADB_IMAGE,
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield _wait_for_mysql(f"mysql://root:{password}@{HOST}:{port}/flights")
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


@contextlib.contextmanager
def _mariadb_local(workdir: Path) -> Iterator[str]:
    datadir, socket_path, port = workdir / "data", workdir / "mysqld.sock", _free_port()
    user = ["--user=mysql"] if os.geteuid() == 0 else []
    if user:
        shutil.chown(workdir, "mysql", "mysql")
    subprocess.run(
        [
            "mariadb-install-db",
            f"--datadir={datadir}",
            *user,
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [
            "mariadbd",
            "--no-defaults",
            f"--datadir={datadir}",
            *user,
            f"--port={port}",
            f"--bind-address={HOST}",
            f"--socket={socket_path}",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--innodb-buffer-pool-size=256M",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "mariadb.log").open("w"),
    )
    try:
        password = secrets.token_hex(8)
        _wait(lambda: socket_path.exists(), "mariadbd socket")
        subprocess.run(
            [
                "mariadb",
                f"--socket={socket_path}",
                "-uroot",
                "-e",
                f"CREATE DATABASE flights; CREATE USER 'bench'@'%' IDENTIFIED BY '{password}';"
                " GRANT ALL ON flights.* TO 'bench'@'%';",
            ],
            check=True,
        )
        yield _wait_for_mysql(f"mysql://bench:{password}@{HOST}:{port}/flights")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_mysql(url: str) -> str:
    import mysql.connector  # only this helper needs the driver directly

    from flights.settings import DatabaseConfig

    config = DatabaseConfig.from_url(url)

    def ready() -> bool:
        try:
            mysql.connector.connect(
                host=config.host,
                port=config.port,
                user=config.user,
                password=config.password,
                database=config.database,
                connection_timeout=2,
            ).close()
        except mysql.connector.Error:
            return False
        return True

    _wait(ready, "MariaDB")
    return url


# --- the service ----------------------------------------------------------------------------


def _run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def _service(
    command: list[str], env: dict[str, str], port: int, workdir: Path
) -> Iterator[tuple[str, int]]:
    log = (workdir / "service.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        _wait(lambda: _status(f"{base}/health") == 200, "flights serve", process=server)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http URL
            return int(response.status)
    except OSError:
        return None


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own http URL
        return json.load(response)


# --- load -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_us_per_request: float  # the service process's user + system CPU time
    load_average: float  # 1-minute load average after the run: other work on the machine


def _scenarios(base: str) -> list[Scenario]:
    flight = _get_json(f"{base}/flights?origin=JFK&destination=LHR&limit=1")["items"][0]
    with urllib.request.urlopen(f"{base}/flights/{flight['id']}/seat_map") as response:  # noqa: S310
        etag = response.headers["ETag"]
    lookup = f"/flights?flight_no={flight['flight_no']}&departure_date={flight['departure_date']}"
    return [
        Scenario(
            "GET /flights/{id}/seat_map (B787-9, 262 seats)", f"/flights/{flight['id']}/seat_map"
        ),
        Scenario(
            "GET /flights/{id}/seat_map, If-None-Match (304)",
            f"/flights/{flight['id']}/seat_map",
            (f"If-None-Match: {etag}",),
        ),
        Scenario("GET /flights?flight_no=..&departure_date=..", lookup),
    ]


def _wrk(scenario: Scenario, base: str, pid: int, duration: int, threads: int) -> Result:
    headers = [arg for header in scenario.headers for arg in ("-H", header)]
    command = [
        "wrk",
        f"-t{threads}",
        "-c32",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        *headers,
        base + scenario.path,
    ]
    subprocess.run([*command[:3], "-d3s", *command[4:]], check=True, capture_output=True)  # warm-up
    cpu_before = _cpu_seconds(pid)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    cpu = _cpu_seconds(pid) - cpu_before
    print(output, file=sys.stderr)
    return _parse(scenario, output, cpu, os.getloadavg()[0])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), which, unlike throughput, hardly
    depends on what else the machine is doing."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _parse(scenario: Scenario, output: str, cpu_seconds: float, load: float) -> Result:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        assert match, f"no {percent}% latency in wrk output"
        return float(match[1]) * _UNITS_MS[match[2]]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    if rps is None or total is None:
        raise ValueError(f"unexpected wrk output:\n{output}")
    non_2xx_3xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non_2xx_3xx[1]) if non_2xx_3xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    requests = int(total[1])
    return Result(
        scenario,
        float(rps[1]),
        latency("50"),
        latency("99"),
        requests,
        errors,
        cpu_seconds / requests * 1e6,
        load,
    )


def _table(results: list[Result]) -> str:
    lines = [
        "| Scenario | Requests/s | p50 | p99 | Errors | Service CPU/request | Load avg |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.scenario.name} | {r.requests_per_second:,.0f} | {r.p50_ms:.1f} ms |"
            f" {r.p99_ms:.1f} ms | {r.errors} of {r.requests:,} |"
            f" {r.cpu_us_per_request:,.0f} µs | {r.load_average:.1f} |"
        )
    return "\n".join(lines)


# --- helpers --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait(
    ready: Any, what: str, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process is not None and process.poll() is not None:
            sys.exit(f"bench: {what} exited with {process.returncode}")
        if time.monotonic() > deadline:
            sys.exit(f"bench: {what} not ready after {timeout:.0f}s")
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
