"""The real loadgen against the real system: the stack of containers (systemtests.stack, API
and development issuer published on 127.0.0.1), loadgen in a subprocess so that Locust's gevent
monkey-patching never touches pytest. Then, through the API, every seat map must agree with
what loadgen's answers say is held."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from systemtests.stack import running_stack

RUN = ["--users", "8", "--spawn-rate", "8", "--run-time", "10s", "--seed", "7"]
# Half the journeys fight over two seats, so a 10 s run sees 409s for sure.
CONTENTION = ["--contention", "0.5", "--hot-seats", "2"]


def run_loadgen(
    api_url: str, issuer_url: str, report_file: Path
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    urls = ["--host", api_url, "--issuer", issuer_url]
    command = [sys.executable, "-m", "loadgen", *urls, *RUN, *CONTENTION]
    return subprocess.run(
        [*command, "--json", str(report_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def unavailable_seats(api: httpx.Client, flight_id: int) -> set[str]:
    response = api.get(f"/flights/{flight_id}/seats")
    assert response.status_code == 200, response.text
    return {
        seat["number"]
        for cabin in response.json()["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
        if not seat["available"]
    }


def test_loadgen_runs_clean_against_the_stack(tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    with running_stack() as stack:
        api_url = stack.api_url
        result = run_loadgen(api_url, stack.issuer_url, report_file)
        print(result.stdout, result.stderr)  # shown when the test fails
        assert result.returncode == 0, result.stdout + result.stderr
        report: dict[str, Any] = json.loads(report_file.read_text())

        rows = {row["name"]: row for row in report["rows"]}
        statuses: Counter[str] = Counter()
        for row in report["rows"]:
            statuses.update(row["statuses"])
        assert report["ok"]
        assert report["total"]["failures"] == 0
        assert not [code for code in statuses if code.startswith("5") or code == "0"]
        assert statuses["201"] > 0
        assert rows["POST /bookings"]["requests"] > 0
        # The contended 409s happened and were counted as expected outcomes.
        contended = rows["POST /bookings [contended]"]
        assert contended["requests"] > 0
        assert contended["failures"] == 0
        assert contended["statuses"] == {"409": contended["requests"]}
        for name in ("GET /flights", "GET /flights/{id}/seats", "DELETE /bookings/{id}/{seat}"):
            assert rows[name]["requests"] > 0
        # Every customer signed in at the development issuer, once.
        assert rows["POST /token"]["requests"] == rows["POST /token"]["statuses"]["200"] == 8
        assert "Aggregated" in result.stdout

        # No seat with two holders, and every seat map says exactly what the answers said:
        # the seats held are taken, every other seat (released by cancels and by refused
        # all-or-nothing bookings) is free.
        assert report["double_booked"] == []
        held: dict[int, set[str]] = {flight_id: set() for flight_id in report["flights_booked"]}
        for flight_id, seat, _customer in report["holdings"]:
            held[flight_id].add(seat)
        assert held
        with httpx.Client(base_url=api_url, timeout=10) as api:
            for flight_id, seats in held.items():
                assert unavailable_seats(api, flight_id) == seats, f"flight {flight_id}"
