"""The machine: what it is (for the report) and who used its CPUs during a run (Linux /proc).

The figures are only comparable when the benchmark had the machine to itself, so each run
records the share of all cores that processes other than the benchmark's own (servers,
database containers, wrk) used meanwhile."""

# Version probes run fixed local tools by name.
# ruff: noqa: S603, S607

from __future__ import annotations

import os
import platform
import resource
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_cpu() -> float:
    """CPU seconds all processes have used since boot, idle and iowait excluded."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICK


def children_cpu() -> float:
    """CPU seconds of this process' finished children (wrk, redis-benchmark, docker) and its
    own."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def tree_cpu(pids: Iterable[int]) -> float:
    """CPU seconds used so far by these processes and their live descendants (gunicorn's
    workers, a container's processes). Descendants that exited meanwhile are not counted."""
    ticks = 0
    stack, seen = [pid for pid in pids if pid > 0], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue  # it exited
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        stack += [int(child) for child in children]
    return ticks / TICK


@dataclass
class CpuMeter:
    """CPU used between start() and stop(): by the servers (pids), by this process and its
    children (wrk), and by everything else on the machine."""

    pids: list[int]

    def start(self) -> None:
        self._servers = tree_cpu(self.pids)
        self._own = children_cpu()
        self._busy = machine_busy_cpu()
        self._wall = time.monotonic()

    def stop(self) -> dict[str, float]:
        servers = tree_cpu(self.pids) - self._servers
        own = children_cpu() - self._own
        busy = machine_busy_cpu() - self._busy
        wall = time.monotonic() - self._wall
        cores = os.cpu_count() or 1
        other = max(0.0, busy - servers - own)
        return {
            "servers_cpu_s": servers,
            "wrk_cpu_s": own,
            "other_cpu_share": other / (wall * cores) if wall > 0 else 0.0,
        }


def info() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "os": _os_name(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "docker_server": _first_line(["docker", "version", "-f", "{{.Server.Version}}"]),
        "wrk": (_first_line(["wrk", "-v"]) or "").split(" Copyright")[0] or None,
        "redis_benchmark": _first_line(["redis-benchmark", "--version"]),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def git() -> dict[str, Any]:
    sha = _first_line(["git", "rev-parse", "HEAD"])
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    )
    return {"sha": sha, "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _os_name() -> str | None:
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME")
    except OSError:
        return None


def _first_line(argv: list[str]) -> str | None:
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (completed.stdout or completed.stderr).strip().splitlines()
    return lines[0].strip() if lines else None
