"""What the benchmark starts: database containers and server processes, all on 127.0.0.1,
each a context manager that stops what it started however the block ends (an exception, a
Ctrl-C, or SIGTERM, which run.py turns into SystemExit)."""

# This module exists to start docker and the services with arguments it builds itself.
# ruff: noqa: S603, S607

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
LABEL = "flightres.benchmark"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- containers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Container:
    name: str
    port: int  # published on 127.0.0.1
    # The container's main process as this machine sees it, and Docker's userland proxy
    # for the published port, which carries every byte from 127.0.0.1 (empty: not visible).
    pids: tuple[int, ...]


@contextlib.contextmanager
def container(
    image: str, container_port: int, env: Mapping[str, str], *, run_id: str
) -> Iterator[Container]:
    port = free_port()
    name = f"flightres-bench-{run_id}-{secrets.token_hex(3)}"
    environment = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    argv = ["docker", "run", "-d", "--rm", "--name", name, "--label", f"{LABEL}={run_id}"]
    argv += ["-p", f"{HOST}:{port}:{container_port}", *environment, image]
    try:
        try:
            subprocess.run(argv, check=True, capture_output=True, text=True, timeout=120)
            inspected = subprocess.run(
                ["docker", "inspect", "-f", "{{.State.Pid}}", name],
                check=True,
                capture_output=True,
                text=True,
                timeout=30,
            )
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"docker failed: {' '.join(exc.cmd)}\n{exc.stderr}") from exc
        pid = int(inspected.stdout.strip() or 0)
        visible = (pid,) if pid and Path(f"/proc/{pid}").exists() else ()
        yield Container(name, port, visible + docker_proxies(port))
    finally:
        # Also when `docker run` itself was interrupted: the container may exist already.
        subprocess.run(
            ["docker", "rm", "-f", "-v", name], capture_output=True, check=False, timeout=60
        )


def docker_proxies(port: int) -> tuple[int, ...]:
    """The docker-proxy processes that publish this host port (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"docker-proxy") and _after(argv, b"-host-port") == port:
            found.append(int(entry.name))
    return tuple(found)


def _after(argv: list[bytes], flag: bytes) -> int | None:
    try:
        return int(argv[argv.index(flag) + 1])
    except (ValueError, IndexError):
        return None


def docker_exec(name: str, *argv: str) -> str:
    return subprocess.run(
        ["docker", "exec", name, *argv], check=True, capture_output=True, text=True, timeout=60
    ).stdout


# --- processes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    pid: int
    log: Path


@contextlib.contextmanager
def server(
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    port: int,
    logs: Path,
    ready_path: str = "/health",
    timeout: float = 180,
) -> Iterator[Server]:
    """Start argv in its own session (a Ctrl-C in the terminal reaches only run.py, which then
    stops it in order), wait until GET ready_path answers 200 (any HTTP answer for ""), and
    stop the whole process group at the end: SIGTERM, then SIGKILL after 20 s."""
    log_path = logs / f"{name}.log"
    url = f"http://{HOST}:{port}"
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            list(argv), env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for_http(url + ready_path, name, process, log_path, timeout, any_status=not ready_path)
        yield Server(name, url, process.pid, log_path)
    finally:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    for sig, grace in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; gunicorn's workers may linger a moment longer.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def wait_for_http(
    url: str,
    name: str,
    process: subprocess.Popen[bytes],
    log_path: Path,
    timeout: float,
    *,
    any_status: bool = False,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail(log_path)}")
        status = http_status(url)
        if status == 200 or (any_status and status is not None):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} not ready after {timeout:.0f} s:\n{tail(log_path)}")
        time.sleep(0.2)


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def get_json(url: str, timeout: float = 30) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - 127.0.0.1
        return json.load(response)


def run_checked(argv: Sequence[str], env: Mapping[str, str], what: str, timeout: float) -> None:
    completed = subprocess.run(
        list(argv), env=dict(env), capture_output=True, text=True, check=False, timeout=timeout
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{what} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")


def tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return "(no log)"


def wait_until(probe: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(0.5)
