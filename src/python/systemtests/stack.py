"""The whole system as containers, for tests: docker-compose.yml itself, the one definition
`make start` runs too, as a Compose project of the test run's own
(``flightres-systest-<run id>``) so that it never meets a developer's stack or another run's.

What a run changes, all through the variables the compose file reads: the images (the ones
Pants built for the test, tagged ``systest-<run id>``), free host ports instead of the
defaults, and secrets generated for the run (as `make start` generates .local/secrets.env).
``running_stack(publish_all=True)`` adds docker-compose.debug.yml, so that tests can also check
state directly at the flights and reservations services (on 127.0.0.1 only, like everything).

Service images come from Pants: a test that lists the images in ``runtime_package_dependencies``
finds ``<target>.docker-info.json`` files in its sandbox, which name the image just built.
Database images: MYSQL_IMAGE / REDIS_IMAGE (as for the other integration tests).

Customers authenticate with bearer tokens (docs/adr/0015): ``stack.token(customer)`` asks the
stack's development-only issuer for one, as a developer does with `make token`.

The project is taken down (containers, networks, volumes) and the run's image tags removed on
exit, whether the test passed or not; a project whose test process was killed before it could
do that (its pid is in the name) is removed by the next run.

`make bench` runs the same way (``kind="bench"``: ``flightres-bench-<run id>``, images
from dist/, its own override file): src/python/benchmarks/stack.py.

Faults: ``stack.stopped(name)`` stops a container (its processes get SIGTERM, then SIGKILL)
and starts it again; ``stack.partitioned(name)`` takes it off every network, so connections to
it time out, while it keeps running with its data.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors
import httpx
from docker.models.containers import Container

COMPOSE_FILE = Path("docker-compose.yml")
DEBUG_FILE = Path("docker-compose.debug.yml")
IMAGES = ("flights", "reservations", "api", "devissuer", "web")
# Service -> (its port in the container, the variable that sets its host port).
PORTS = {
    "web": (8000, "WEB_PORT"),
    "api": (8080, "API_PORT"),
    "devissuer": (8090, "ISSUER_PORT"),
    "flights": (8081, "FLIGHTS_PORT"),
    "reservations": (8082, "RESERVATIONS_PORT"),
    "mysql": (3306, "STACK_MYSQL_PORT"),
    "redis": (6379, "STACK_REDIS_PORT"),
}
SECRETS = ("REDIS_PASSWORD", "MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD", "WEB_SECRET_KEY")
ONE_OFF_JOBS = ("flights-migrate", "flights-seed")
DEFAULT_MYSQL_IMAGE = "mysql:8.4"
DEFAULT_REDIS_IMAGE = "redis:7.4"


def service_image(service: str, root: Path = Path()) -> str:
    """The image Pants built for SERVICE in this test's sandbox (its docker-info.json), or
    under ``root`` (dist/ after `./pants package`)."""
    info_file = root / f"src.python.{service}/image.docker-info.json"
    if not info_file.exists():
        raise RuntimeError(
            f"{info_file} is missing: list src/python/{service}:image in the test's "
            "runtime_package_dependencies so Pants builds the image first"
        )
    info = json.loads(info_file.read_text())
    return str(info["image_id"])


class NotRunning(RuntimeError):
    """The container is not running, so it has no address on the host."""


@dataclass
class Stack:
    """A running Compose project: ``url(service)`` is where a service answers on 127.0.0.1,
    ``containers`` its containers by service name (the one-off jobs included)."""

    client: docker.DockerClient
    project: str
    env: dict[str, str]  # what docker-compose runs with: ports, image tag, secrets
    files: tuple[Path, ...]
    containers: dict[str, Container] = field(default_factory=dict)
    # Service -> the networks (full names) it is on when whole.
    networks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return self.url("api")

    @property
    def issuer_url(self) -> str:
        return self.url("devissuer")

    def url(self, service: str) -> str:
        """Raises NotRunning while the container is down (it has no host port then)."""
        # Read afresh: where a container publishes is only known while it runs.
        container = self.containers[service]
        container.reload()
        published = container.attrs["NetworkSettings"]["Ports"] or {}
        bindings = published.get(f"{PORTS[service][0]}/tcp")
        if not bindings:
            raise NotRunning(f"{service} is not running or publishes no port")
        return f"http://127.0.0.1:{bindings[0]['HostPort']}"

    def container(self, name: str) -> Container:
        return self.containers[name]

    def token(self, customer: str) -> str:
        """A bearer token for ``customer`` from the stack's dev issuer (one per customer:
        they last an hour, longer than any run)."""
        with self._lock:
            known = self._tokens.get(customer)
        if known is not None:
            return known
        response = httpx.post(f"{self.issuer_url}/token", data={"customer": customer}, timeout=10)
        response.raise_for_status()
        token = str(response.json()["access_token"])
        with self._lock:
            self._tokens[customer] = token
        return token

    def auth(self, customer: str) -> dict[str, str]:
        """The ``Authorization`` header of ``customer``'s requests."""
        return {"Authorization": f"Bearer {self.token(customer)}"}

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        binary = shutil.which("docker-compose") or "/usr/bin/docker-compose"
        files = [argument for file in self.files for argument in ("-f", str(file))]
        return subprocess.run(
            [binary, *files, *args],  # noqa: S603 - a fixed command on the committed files
            capture_output=True,
            text=True,
            check=False,
            env=self.env,
            timeout=timeout,
            # Its own session: a Ctrl-C in the terminal reaches the caller only, which then
            # takes the project down (a second one must not stop that `down` halfway).
            start_new_session=True,
        )

    def restore(self, timeout: float = 60) -> None:
        """Undo whatever a test left broken (paused, stopped, off the network), then wait
        until the stack is healthy again."""
        for name, container in self.containers.items():
            if name in ONE_OFF_JOBS:
                continue
            container.reload()
            if container.status == "paused":
                container.unpause()
            elif container.status != "running":
                container.start()
            self._connect(name)
        wait_until_healthy(self, timeout)

    @contextmanager
    def stopped(self, name: str, timeout: int = 10) -> Iterator[None]:
        container = self.containers[name]
        container.stop(timeout=timeout)
        try:
            yield
        finally:
            container.start()

    @contextmanager
    def partitioned(self, name: str) -> Iterator[None]:
        container = self.containers[name]
        for network in self.networks[name]:
            self.client.networks.get(network).disconnect(container)
        try:
            yield
        finally:
            self._connect(name)

    def _connect(self, name: str) -> None:
        """Back on every network of its own, found by its service name as Compose does."""
        container = self.containers[name]
        container.reload()
        attached = container.attrs["NetworkSettings"]["Networks"] or {}
        for network in self.networks[name]:
            if network not in attached:
                self.client.networks.get(network).connect(container, aliases=[name])

    def logs(self, name: str, tail: int = 40) -> str:
        return bytes(self.containers[name].logs(tail=tail)).decode(errors="replace")

    def all_logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.logs(name)}" for name in self.containers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(project: str, tag: str) -> dict[str, str]:
    """What docker-compose runs with: the project, the run's images, free ports, new secrets."""
    passthrough = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST")}
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        **passthrough,
        "COMPOSE_PROJECT_NAME": project,
        "TAG": tag,
        **{variable: str(free_port()) for _, variable in PORTS.values()},
        "MYSQL_IMAGE": os.environ.get("MYSQL_IMAGE", DEFAULT_MYSQL_IMAGE),
        "REDIS_IMAGE": os.environ.get("REDIS_IMAGE", DEFAULT_REDIS_IMAGE),
        # What `make start` generates into .local/secrets.env.
        **{name: secrets.token_hex(24) for name in SECRETS},
    }


@contextmanager
def running_stack(
    *,
    publish_all: bool = True,
    ready_timeout: float = 180,
    kind: str = "systest",
    images: Mapping[str, str] | None = None,
    overrides: tuple[Path, ...] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """Start docker-compose.yml (and with ``publish_all`` docker-compose.debug.yml, then
    ``overrides``) as project ``flightres-<kind>-<run id>``, wait until the API's /health
    passes, yield it, take it all down. ``images``: image id by flightres/<name> (default:
    the test sandbox's); ``env``: more variables for the compose files."""
    client = docker.from_env()
    chosen = dict(images) if images is not None else {n: service_image(n) for n in IMAGES}
    remove_abandoned(client, kind, chosen)
    # The pid names the process that owns the project (remove_abandoned).
    run_id = f"{os.getpid()}-{secrets.token_hex(3)}"
    tag = f"{kind}-{run_id}"
    project = f"flightres-{tag}"
    # The images Pants built for this run, under a tag of its own: `latest` may be rebuilt
    # meanwhile by a developer's `make start`.
    for name, image in chosen.items():
        client.images.get(image).tag(f"flightres/{name}", tag)
    files = (COMPOSE_FILE, DEBUG_FILE, *overrides) if publish_all else (COMPOSE_FILE,)
    stack = Stack(client, project, {**environment(project, tag), **(env or {})}, files)
    try:
        started = stack.compose("up", "-d")
        if started.returncode != 0:
            raise RuntimeError(f"docker-compose up failed:\n{started.stderr}")
        label = f"com.docker.compose.project={project}"
        for container in client.containers.list(all=True, filters={"label": label}):
            service = container.labels["com.docker.compose.service"]
            stack.containers[service] = container
            stack.networks[service] = tuple(container.attrs["NetworkSettings"]["Networks"])
        wait_until_healthy(stack, ready_timeout)
        yield stack
    finally:
        stack.compose("down", "--volumes", "--remove-orphans", timeout=180)
        for name in chosen:
            client.images.remove(f"flightres/{name}:{tag}", noprune=True)
        client.close()


def remove_abandoned(client: docker.DockerClient, kind: str, images: Iterable[str]) -> None:
    """Remove the projects of ``kind`` whose processes are gone without taking theirs down
    (Pants kills a test run when files change under it, and cleanup never runs)."""
    label = "com.docker.compose.project"
    projects = {
        c.labels[label] for c in client.containers.list(all=True, filters={"label": label})
    }
    for project in projects:
        match = re.fullmatch(rf"flightres-({kind}-(\d+)-[0-9a-f]+)", project)
        if match is None or _alive(int(match[2])):
            continue
        for container in client.containers.list(all=True, filters={"label": f"{label}={project}"}):
            container.remove(force=True, v=True)
        for network in client.networks.list(filters={"label": f"{label}={project}"}):
            network.remove()
        for volume in client.volumes.list(filters={"label": f"{label}={project}"}):
            volume.remove(force=True)
        for name in images:
            with contextlib.suppress(docker.errors.ImageNotFound):
                client.images.remove(f"flightres/{name}:{match[1]}", noprune=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until_healthy(stack: Stack, timeout: float) -> None:
    """Wait until the API's /health passes (so both services and their databases answer) and
    the web front end answers."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{stack.api_url}/health", timeout=2)
            web = httpx.get(f"{stack.url('web')}/ping", timeout=2)
            if response.status_code == web.status_code == 200 and (
                response.json()["status"] == "pass"
            ):
                return
            last = f"{response.status_code} {response.text}"
        except (httpx.HTTPError, NotRunning) as exc:
            last = repr(exc)
        time.sleep(0.5)
    raise RuntimeError(
        f"the stack's API was not healthy after {timeout}s ({last}):\n{stack.all_logs()}"
    )
