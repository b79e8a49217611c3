"""wrk: the Lua script for a workload, the run, and the parsing of what it prints."""

# wrk is a fixed local tool, run by name with arguments built here.
# ruff: noqa: S603, S607

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
MARKER = "BENCH_RESULT "
# Lua values the bench can hand to a script: numbers, strings, and (nested) lists of them.
LuaValue = int | float | str | Sequence["LuaValue"]


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured (lua/common.lua's done() prints it)."""

    requests: int  # completed requests
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx_3xx: int  # wrk counts every status >= 400 here
    socket_errors: dict[str, int]  # connect, read, write, timeout
    max_thread_requests: int  # requests the busiest wrk thread generated (sent or not)

    @property
    def throughput(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    def errors(self, expected_status: int) -> int:
        """Responses that are neither 2xx/3xx nor the expected status, plus socket errors.
        wrk cannot tell statuses >= 400 apart, so an expected status >= 400 would hide them
        all: the workloads here all expect 2xx."""
        if expected_status >= 400:
            raise ValueError("wrk's counters cannot separate an expected 4xx/5xx status")
        return self.non_2xx_3xx + sum(self.socket_errors.values())


def parse(output: str) -> WrkResult:
    """The BENCH_RESULT line of wrk's output (there must be exactly one)."""
    lines = [line for line in output.splitlines() if line.startswith(MARKER)]
    if len(lines) != 1:
        raise ValueError(f"expected one {MARKER.strip()} line in wrk's output, got:\n{output}")
    raw = json.loads(lines[0].removeprefix(MARKER))
    duration_s = raw["duration_us"] / 1e6
    if raw["requests"] < 0 or duration_s <= 0:
        raise ValueError(f"implausible wrk result: {lines[0]}")
    return WrkResult(
        requests=int(raw["requests"]),
        duration_s=duration_s,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        non_2xx_3xx=int(raw["non_2xx_3xx"]),
        socket_errors={kind: int(raw[kind]) for kind in ("connect", "read", "write", "timeout")},
        max_thread_requests=int(raw["max_thread_requests"]),
    )


def lua_value(value: LuaValue) -> str:
    """A Lua literal. Lists become (1-based) tables."""
    if isinstance(value, bool):  # a bool is an int to Python; nothing here needs one
        raise TypeError("no booleans")
    if isinstance(value, str | int | float):
        return json.dumps(value)  # numbers and double-quoted strings read the same in Lua
    return "{" + ",".join(lua_value(item) for item in value) + "}"


def script(workload_lua: str | None, variables: Mapping[str, LuaValue]) -> str:
    """The script wrk runs: the variables, lua/common.lua, then the workload's own file
    (None: wrk sends the same request every time, its fastest path)."""
    lines = [f"{name} = {lua_value(value)}" for name, value in variables.items()]
    parts = ["\n".join(lines), (LUA_DIR / "common.lua").read_text()]
    if workload_lua is not None:
        parts.append((LUA_DIR / workload_lua).read_text())
    return "\n".join(parts)


def command(
    url: str, script_path: Path, *, seconds: float, connections: int, threads: int
) -> list[str]:
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script_path),
        url,
    ]


def run(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int,
    workload_lua: str | None = None,
    variables: Mapping[str, LuaValue] | None = None,
) -> tuple[WrkResult, str]:
    """Run wrk against url; returns the result and wrk's own text summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-") as file:
        file.write(script(workload_lua, variables or {}))
        file.flush()
        argv = command(
            url, Path(file.name), seconds=seconds, connections=connections, threads=threads
        )
        completed = subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=seconds + 120
        )
    if completed.returncode != 0:
        raise RuntimeError(
            f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}"
        )
    return parse(completed.stdout), completed.stdout
