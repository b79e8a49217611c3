"""The machine: what it is (for the report) and who used its CPUs during a run (Linux /proc).

The figures are only comparable when the benchmark had the machine to itself, so each run
records the share of all cores that processes other than the benchmark's own (the stack's
containers, the Docker engine, wrk) used meanwhile."""

# Version probes run fixed local tools by name.
# ruff: noqa: S603, S607

from __future__ import annotations

import contextlib
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


def process_cpu(pids: Iterable[int]) -> float:
    """CPU seconds used so far by these processes (gone ones count 0)."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / TICK


def cgroup_cpu_file(proc_cgroup: str, root: Path = Path("/sys/fs/cgroup")) -> Path:
    """Where the kernel counts the CPU of a process' cgroup (and so of a container), from its
    /proc/PID/cgroup: cgroup v1's cpuacct.usage when it has that controller, else cgroup
    v2's cpu.stat."""
    unified = None
    for line in proc_cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        if "cpuacct" in controllers.split(","):
            return root / controllers / path.lstrip("/") / "cpuacct.usage"
        if not controllers:
            unified = root / path.lstrip("/") / "cpu.stat"
    if unified is None:
        raise ValueError(f"no CPU accounting cgroup in {proc_cgroup!r}")
    return unified


def cgroup_cpu(file: Path) -> float:
    """CPU seconds a cgroup has used: cpuacct.usage counts nanoseconds, cpu.stat's usage_usec
    microseconds."""
    text = file.read_text()
    if file.name == "cpuacct.usage":
        return int(text) / 1e9
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "usage_usec":
            return int(value) / 1e6
    raise ValueError(f"{file}: no usage_usec")


def engine_pids(ports: set[int], containers: Iterable[int]) -> list[int]:
    """The Docker engine's processes that work for these containers (their main pids):
    dockerd and containerd (the API, the containers' logs), each container's shim (the parent
    of its main process) and the docker-proxy processes that publish these host ports."""
    stats = (Path(f"/proc/{pid}/stat").read_text() for pid in containers)
    found = [int(stat.rsplit(")", 1)[1].split()[1]) for stat in stats]  # the parents: shims
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0") if entry.name.isdigit() else []
        except OSError:
            continue
        name = argv[0].rsplit(b"/", 1)[-1] if argv else b""
        if name in (b"dockerd", b"containerd"):
            found.append(int(entry.name))
        elif name == b"docker-proxy" and b"-host-port" in argv:
            with contextlib.suppress(ValueError, IndexError):
                if int(argv[argv.index(b"-host-port") + 1]) in ports:
                    found.append(int(entry.name))
    return found


@dataclass
class CpuMeter:
    """CPU used between start() and stop(): by the servers (the cgroups of their containers,
    and the Docker engine's processes), by this process and its children (wrk), and by
    everything else on the machine."""

    cgroups: list[Path]
    pids: list[int]

    def _servers(self) -> float:
        return sum(cgroup_cpu(file) for file in self.cgroups) + process_cpu(self.pids)

    def start(self) -> None:
        self._began = self._servers()
        self._own = children_cpu()
        self._busy = machine_busy_cpu()
        self._wall = time.monotonic()

    def stop(self) -> dict[str, float]:
        servers = self._servers() - self._began
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
