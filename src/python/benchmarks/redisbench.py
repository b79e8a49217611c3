"""redis-benchmark HSETNX: the command line and the parsing of its output (CSV or -q)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

KEY = "bench:hsetnx"


@dataclass(frozen=True)
class RedisBenchResult:
    test: str
    requests_per_s: float
    p50_ms: float | None  # None: this redis-benchmark does not print it
    p99_ms: float | None


def command(host: str, port: int, *, clients: int, requests: int, password: str) -> list[str]:
    """HSETNX of a new random field each time (-r), so every command writes, as a fresh seat
    does; --csv gives p50 and p99 besides the throughput."""
    return [
        "redis-benchmark",
        "-h",
        host,
        "-p",
        str(port),
        "-a",
        password,
        "-c",
        str(clients),
        "-n",
        str(requests),
        "-r",
        "100000000",
        "--csv",
        "HSETNX",
        KEY,
        "__rand_int__",
        "v",
    ]


_QUIET = re.compile(
    r"^(?P<test>[^\r\n]+?): (?P<rps>[\d.]+) requests per second"
    r"(?:, p50=(?P<p50>[\d.]+) msec)?"
)


def parse(output: str) -> RedisBenchResult:
    """The last test's figures from `redis-benchmark --csv` or `-q` output."""
    text = output.strip()
    if text.startswith('"test"'):
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows:
            raise ValueError(f"redis-benchmark printed a CSV header but no result:\n{output}")
        row = rows[-1]
        return RedisBenchResult(
            row["test"],
            float(row["rps"]),
            _optional(row.get("p50_latency_ms")),
            _optional(row.get("p99_latency_ms")),
        )
    # -q: progress lines end in \r and are overwritten; the final line has the figure.
    for line in reversed(re.split(r"[\r\n]+", text)):
        match = _QUIET.match(line.strip())
        if match:
            return RedisBenchResult(
                match["test"], float(match["rps"]), _optional(match["p50"]), None
            )
    raise ValueError(f"no result in redis-benchmark's output:\n{output}")


def _optional(value: str | None) -> float | None:
    return float(value) if value else None
