"""The whole system as containers, for tests: MySQL-compatible and Redis servers plus the three
service images on a Docker network created for the run, the flights database migrated and
seeded by the flights image itself. The three services publish their ports on 127.0.0.1 (tests
book through the API and check state directly at the services); the databases publish none.

Service images come from Pants: a test that lists the images in ``runtime_package_dependencies``
finds ``<target>.docker-info.json`` files in its sandbox, which name the image just built.
Database images: MYSQL_IMAGE / REDIS_IMAGE (as for the other integration tests).

Everything a stack starts carries the label ``flightres.stack=<run id>`` and is removed on
exit, whether the test passed or not.

Faults: ``stack.stopped(name)`` stops a container (its processes get SIGTERM, then SIGKILL)
and starts it again; ``stack.partitioned(name)`` takes it off the network, so connections to it
time out, while it keeps running with its data.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import docker
import httpx
from docker.models.containers import Container
from docker.models.networks import Network

SERVICES = ("flights", "reservations", "api")
PORTS = {"flights": 8081, "reservations": 8082, "api": 8080}
DEFAULT_MYSQL_IMAGE = "mysql:8.4"
DEFAULT_REDIS_IMAGE = "redis:7.4"
# Local-only credentials of a database that lives on this run's private network.
DB_PASSWORD = "stack-test"  # noqa: S105
LABEL = "flightres.stack"


def service_image(service: str) -> str:
    """The image Pants built for SERVICE in this test's sandbox (its docker-info.json)."""
    info_file = Path(f"src.python.{service}/image.docker-info.json")
    if not info_file.exists():
        raise RuntimeError(
            f"{info_file} is missing: list src/python/{service}:image in the test's "
            "runtime_package_dependencies so Pants builds the image first"
        )
    info = json.loads(info_file.read_text())
    return str(info["image_id"])


@dataclass
class Stack:
    """A running stack: ``url(service)`` is where a service answers on 127.0.0.1."""

    client: docker.DockerClient
    network: Network
    run_id: str
    containers: dict[str, Container] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return self.url("api")

    def url(self, service: str) -> str:
        # Read afresh: a restarted container gets a new host port.
        container = self.containers[service]
        container.reload()
        host_port = container.attrs["NetworkSettings"]["Ports"][f"{PORTS[service]}/tcp"][0]
        return f"http://127.0.0.1:{host_port['HostPort']}"

    def container(self, name: str) -> Container:
        return self.containers[name]

    def restore(self, timeout: float = 60) -> None:
        """Undo whatever a test left broken (paused, stopped, off the network), then wait
        until the stack is healthy again."""
        self.network.reload()
        attached = {c.id for c in self.network.containers}
        for name, container in self.containers.items():
            if name.startswith("flights-"):  # the one-off migrate and seed jobs
                continue
            container.reload()
            if container.status == "paused":
                container.unpause()
            elif container.status != "running":
                container.start()
            if container.id not in attached:
                self.network.connect(container, aliases=[name])
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
        self.network.disconnect(container)
        try:
            yield
        finally:
            self.network.connect(container, aliases=[name])

    def logs(self, name: str, tail: int = 40) -> str:
        return bytes(self.containers[name].logs(tail=tail)).decode(errors="replace")

    def all_logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.logs(name)}" for name in self.containers)


@contextmanager
def running_stack(ready_timeout: float = 90.0) -> Iterator[Stack]:
    """Start the stack, wait until the API's /health passes, yield it, tear it all down."""
    client = docker.from_env()
    run_id = secrets.token_hex(4)
    labels = {LABEL: run_id}
    network = client.networks.create(f"flightres-stack-{run_id}", labels=labels)
    stack = Stack(client=client, network=network, run_id=run_id)
    try:
        _start(stack, labels, ready_timeout)
        yield stack
    finally:
        for container in stack.containers.values():
            container.remove(force=True, v=True)
        network.remove()
        client.close()


def _start(stack: Stack, labels: dict[str, str], ready_timeout: float) -> None:
    mysql_image = os.environ.get("MYSQL_IMAGE", DEFAULT_MYSQL_IMAGE)
    redis_image = os.environ.get("REDIS_IMAGE", DEFAULT_REDIS_IMAGE)
    images = {service: service_image(service) for service in SERVICES}
    database_url = f"mysql://flights:{DB_PASSWORD}@mysql:3306/flights"

    def run(name: str, image: str, **kwargs: object) -> Container:
        container = stack.client.containers.run(
            image,
            name=f"flightres-{name}-{stack.run_id}",
            detach=True,
            labels=labels,
            network=stack.network.name,
            # Services find each other by these names on the run's network.
            networking_config={
                stack.network.name: stack.client.api.create_endpoint_config(aliases=[name])
            },
            **kwargs,
        )
        stack.containers[name] = container
        return container

    run(
        "mysql",
        mysql_image,
        environment={
            "MYSQL_ROOT_PASSWORD": DB_PASSWORD,
            "MYSQL_DATABASE": "flights",
            "MYSQL_USER": "flights",
            "MYSQL_PASSWORD": DB_PASSWORD,
        },
    )
    run("redis", redis_image)
    # One-off jobs from the flights image, as a deployment would run them.
    for job in (["migrate", "--wait", "60"], ["seed", "--days", "3"]):
        container = run(
            f"flights-{job[0]}",
            images["flights"],
            command=job,
            environment={"FLIGHTS_DATABASE_URL": database_url},
        )
        status = container.wait(timeout=120)
        if status["StatusCode"] != 0:
            raise RuntimeError(f"flights {job[0]} failed:\n{stack.logs(f'flights-{job[0]}')}")
    environments = {
        "flights": {"FLIGHTS_DATABASE_URL": database_url},
        "reservations": {"RESERVATIONS_REDIS_URL": "redis://redis:6379/0"},
        "api": {"FLIGHTS_URL": "http://flights:8081", "RESERVATIONS_URL": "http://reservations:8082"},
    }
    for service in SERVICES:
        run(
            service,
            images[service],
            environment=environments[service],
            ports={f"{PORTS[service]}/tcp": ("127.0.0.1", None)},
        )
    wait_until_healthy(stack, ready_timeout)


def wait_until_healthy(stack: Stack, timeout: float) -> None:
    """Wait until the API's /health passes (so both services and their databases answer)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{stack.url('api')}/health", timeout=2)
            if response.status_code == 200 and response.json()["status"] == "pass":
                return
            last = f"{response.status_code} {response.text}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.5)
    raise RuntimeError(
        f"the stack's API was not healthy after {timeout}s ({last}):\n{stack.all_logs()}"
    )
