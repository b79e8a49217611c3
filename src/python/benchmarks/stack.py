"""What the benchmark runs against: docker-compose.yml, as `make start` runs it, started the
way the system tests start it (systemtests/stack.py) as a Compose project of the run's own,
``flightres-bench-<run id>``: free ports on 127.0.0.1, secrets made for the run, the images
`./pants package` just built (dist/) under a tag of the run's own, plus
docker-compose.debug.yml (flights, reservations and the databases published on 127.0.0.1)
and docker-compose.bench.yml (the baselines, the seed's days). Everything is removed when the
block ends, however it ends (an exception, Ctrl-C, or SIGTERM, which runner.py turns into an
exception).

Servers of their own for one workload (a baseline, the flights service without its search
cache, a worker model) are ``docker-compose run`` containers of the same project: the same
images, networks and settings, published on a free port of 127.0.0.1 like the stack's."""

from __future__ import annotations

import contextlib
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors
from docker.models.containers import Container

from benchmarks import machine
from systemtests.stack import IMAGES, PORTS, Stack, free_port, running_stack, service_image

HOST = "127.0.0.1"
BENCH_FILE = Path("docker-compose.bench.yml")
BASELINE_PORT = 8090  # where the baselines image (src/python/benchmarks:image) listens
REDIS_EVENTS = "reservations:events"


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def images(dist: Path) -> dict[str, str]:
    """Image id by flightres/<name>: what `./pants package` built into dist/."""
    found = {name: service_image(name, dist) for name in IMAGES}
    return {**found, "baselines": service_image("benchmarks", dist)}


def running(dist: Path, seed_days: int) -> contextlib.AbstractContextManager[Stack]:
    return running_stack(
        kind="bench",
        images=images(dist),
        overrides=(BENCH_FILE,),
        env={"BENCH_SEED_DAYS": str(seed_days)},
        ready_timeout=600,  # migrations and the seed come first
    )


@dataclass(frozen=True)
class Server:
    url: str
    container: Container


@contextlib.contextmanager
def variant(
    stack: Stack, service: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> Iterator[Server]:
    """A container of SERVICE (docker-compose.yml's or docker-compose.bench.yml's) with ENV
    added, on its networks, published on a free port; removed at the end."""
    port = free_port()
    name = f"{stack.project}-{service}-{port}"
    inner = PORTS[service][0] if service in PORTS else BASELINE_PORT
    settings = [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
    try:
        started = stack.compose(
            *("run", "-d", "--no-deps", "--name", name, "-p", f"{HOST}:{port}:{inner}"),
            *settings,
            service,
        )
        if started.returncode != 0:
            raise RuntimeError(f"docker-compose run {service} failed:\n{started.stderr}")
        container = stack.client.containers.get(name)
        url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + timeout
        while http_status(f"{url}/health") is None:  # any answer: baselines have no /health
            container.reload()
            if container.status != "running" or time.monotonic() > deadline:
                logs = bytes(container.logs(tail=40)).decode(errors="replace")
                raise RuntimeError(f"{service} ({container.status}) did not answer:\n{logs}")
            time.sleep(0.2)
        yield Server(url, container)
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            stack.client.containers.get(name).remove(force=True, v=True)


def tool(stack: Stack, *argv: str) -> str:
    """The baselines image's command line (`describe`, `tokens`) in a container of the
    project's minimal Flask service (its environment), removed when done: its stdout."""
    done = stack.compose("run", "--rm", "-T", "--no-deps", "minimal-flask", *argv)
    if done.returncode != 0:
        raise RuntimeError(f"baselines {argv[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def redis(stack: Stack, argv: Sequence[str], timeout: int = 600) -> str:
    """A Redis command-line tool inside the stack's Redis container, with its password."""
    container = stack.containers["redis"]
    env = {"REDISCLI_AUTH": stack.env["REDIS_PASSWORD"]}
    code, (out, err) = container.exec_run(list(argv), environment=env, demux=True)
    if code != 0:
        raise RuntimeError(f"{argv[0]} failed ({code}): {(err or out or b'').decode()[-2000:]}")
    return (out or b"").decode()


def events(stack: Stack) -> int:
    return int(redis(stack, ["redis-cli", "XLEN", REDIS_EVENTS]).strip())


def meter(stack: Stack) -> machine.CpuMeter:
    """The CPU of every running container of the project (its cgroup: the servers, the
    databases, the variant of the moment, their health checks) and of the Docker engine's
    processes that serve them: dockerd and containerd (their logs), their shims, and the
    docker-proxy processes that carry their published ports from 127.0.0.1."""
    label = f"com.docker.compose.project={stack.project}"
    files: list[Path] = []
    pids: list[int] = []
    ports: set[int] = set()
    for container in stack.client.containers.list(filters={"label": label}):
        pids.append(container.attrs["State"]["Pid"])
        files.append(machine.cgroup_cpu_file(Path(f"/proc/{pids[-1]}/cgroup").read_text()))
        for bindings in (container.attrs["NetworkSettings"]["Ports"] or {}).values():
            ports.update(int(b["HostPort"]) for b in bindings or ())
    return machine.CpuMeter(files, machine.engine_pids(ports, pids))


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
