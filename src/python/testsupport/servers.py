"""MySQL and Redis servers for tests: containers started through Testcontainers, or
external servers named by a URL.

A server started here can be taken down in the middle of a test, in two ways:

* ``stop()`` / ``start()`` (or ``with server.stopped():``) -- a hard outage. The container
  is stopped, so nothing listens on the port: new connections are refused at once and open
  ones are closed. ``start()`` brings it back on the same 127.0.0.1 port. MySQL keeps its
  data; Redis (no persistence) comes back empty.
* ``pause()`` / ``unpause()`` (or ``with server.paused():``) -- an unresponsive server. The
  container's processes are frozen: connections are still accepted (by Docker's port proxy
  and the kernel) but never answered, so clients run into their timeouts. Data is kept.
* ``with server.on_private_network() as link:`` then ``with link.partitioned():`` -- the
  network between client and server fails: the server keeps running, packets to it are
  dropped, and what a client's kernel still has to send is retransmitted once the network is
  back. Clients reach the server at ``link.host`` on a Docker network this run creates (not
  through the published port, whose proxy would hold the connection itself).

Servers named by TEST_MYSQL_URL / TEST_REDIS_URL cannot be controlled; those methods skip
the calling test (``controllable`` tells in advance).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import mysql.connector
import pytest
import redis
from docker.models.containers import Container
from docker.models.networks import Network
from mysql.connector.abstracts import MySQLConnectionAbstract
from mysql.connector.pooling import PooledMySQLConnection
from testcontainers.community.mysql import MySqlContainer
from testcontainers.community.redis import RedisContainer
from testcontainers.core.container import DockerContainer
from testcontainers.core.docker_client import DockerClient
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

from testsupport.urls import MysqlUrl, RedisUrl

# Ryuk, Testcontainers' clean-up container, cannot be pulled here (no registry); the
# fixtures remove their containers themselves. Testcontainers reads this at the first start.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

MysqlConnection = PooledMySQLConnection | MySQLConnectionAbstract
ER_ACCESS_DENIED = 1045

HOW_TO_FIX = """\
Either run the servers as containers: start a Docker engine and build the local images
    build-support/images/build.sh
    export MYSQL_IMAGE=flightres/mariadb:10.11 REDIS_IMAGE=flightres/redis:7.0
or point the tests at servers you run yourself:
    export TEST_MYSQL_URL=mysql://USER:PASSWORD@127.0.0.1:3306/  (USER may CREATE DATABASE)
    export TEST_REDIS_URL=redis://127.0.0.1:6379/0  (this db index is flushed by the tests)"""


class ServerUnavailable(Exception):
    """No server can be provided; the message says why and what to do."""


class _Server:
    """Readiness probing and outage simulation shared by the MySQL and Redis servers."""

    kind: ClassVar[str]
    url_env_var: ClassVar[str]

    def __init__(self, container: DockerContainer | None) -> None:
        self._container = container

    def probe(self) -> str | None:
        """None if the server answers a real request now, else the error (one line)."""
        raise NotImplementedError

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while (error := self.probe()) is not None:
            if time.monotonic() > deadline:
                raise ServerUnavailable(
                    f"{self.kind} server not ready after {timeout:.0f}s: {error}"
                )
            time.sleep(0.1)

    @property
    def controllable(self) -> bool:
        """True if this test run started the server and can stop/pause it."""
        return self._container is not None

    def _docker_container(self) -> Container:
        if self._container is None:
            pytest.skip(
                f"needs a {self.kind} container that this test run controls, "
                f"but {self.url_env_var} names an external server"
            )
        return self._container.get_wrapped_container()

    def stop(self) -> None:
        """Hard outage: connections are refused until start()."""
        self._docker_container().stop(timeout=10)

    def start(self, timeout: float = 60.0) -> None:
        """Undo stop(): same port; returns once the server answers."""
        self._docker_container().start()
        self.wait_ready(timeout)

    def pause(self) -> None:
        """Unresponsive server: connections hang until unpause()."""
        self._docker_container().pause()

    def unpause(self, timeout: float = 60.0) -> None:
        self._docker_container().unpause()
        self.wait_ready(timeout)

    def stopped(self) -> contextlib.AbstractContextManager[None]:
        return _outage(self.stop, self.start)

    def paused(self) -> contextlib.AbstractContextManager[None]:
        return _outage(self.pause, self.unpause)

    @contextlib.contextmanager
    def on_private_network(self) -> Iterator[NetworkLink]:
        """Attach the container to a Docker network created for the caller; removed after."""
        container = self._docker_container()
        network = container.client.networks.create(f"flightres-test-{secrets.token_hex(4)}")
        try:
            network.connect(container)
            try:
                yield NetworkLink(network, container)
            finally:
                with contextlib.suppress(Exception):
                    network.disconnect(container, force=True)
        finally:
            network.remove()

    def ensure_running(self) -> None:
        """Bring back a server that a test left stopped or paused (used in teardown)."""
        if self._container is None:
            return
        container = self._container.get_wrapped_container()
        container.reload()
        if container.status == "running":
            return
        if container.status == "paused":
            container.unpause()
        else:
            container.start()
        self.wait_ready()

    def remove(self) -> None:
        """Remove the container (and its anonymous volumes); no-op for external servers."""
        if self._container is not None:
            self._container.stop()


@contextlib.contextmanager
def _outage(begin: Callable[[], None], end: Callable[[], None]) -> Iterator[None]:
    begin()
    try:
        yield
    finally:
        end()


class NetworkLink:
    """A server container's place on a network of its own; ``host`` is its address there."""

    def __init__(self, network: Network, container: Container) -> None:
        self._network = network
        self._container = container
        self.host = self._address()

    def _address(self) -> str:
        self._container.reload()
        networks = self._container.attrs["NetworkSettings"]["Networks"]
        return str(networks[self._network.name]["IPAddress"])

    @contextlib.contextmanager
    def partitioned(self) -> Iterator[None]:
        """Cut the server off the network, then reconnect it at the same address."""
        self._network.disconnect(self._container)
        try:
            yield
        finally:
            self._network.connect(self._container)
            # Docker hands out the lowest free address, the one just released; a new one
            # would silently turn "delayed" into "lost" for every open connection.
            assert self._address() == self.host, "the server came back at another address"


class MysqlServer(_Server):
    """A MySQL-compatible server; ``url`` has administrator credentials and no database."""

    kind = "MySQL"
    url_env_var = "TEST_MYSQL_URL"

    def __init__(self, url: MysqlUrl, container: DockerContainer | None = None) -> None:
        super().__init__(container)
        self.url = url.with_database(None)

    def connect(self, database: str | None = None, **kwargs: Any) -> MysqlConnection:
        options = {"connection_timeout": 5, **self.url.with_database(database).connect_kwargs()}
        return mysql.connector.connect(**{**options, **kwargs})

    def probe(self) -> str | None:
        try:
            conn = self.connect(connection_timeout=2)
            try:
                cursor = conn.cursor()
                cursor.execute("SELECT 1")
                cursor.fetchall()
            finally:
                conn.close()
        except mysql.connector.Error as exc:
            if exc.errno == ER_ACCESS_DENIED:  # wrong credentials do not fix themselves
                raise ServerUnavailable(f"MySQL server refuses the credentials: {exc}") from None
            return f"{type(exc).__name__}: {exc}"
        return None

    def create_database(self, name: str) -> None:
        self._admin(f"CREATE DATABASE {_ident(name)} CHARACTER SET utf8mb4")

    @contextlib.contextmanager
    def temporary_database(self, name: str) -> Iterator[str]:
        """The URL of database ``name``, made now and dropped afterwards (also when the
        server was stopped meanwhile by an outage test)."""
        self.ensure_running()
        self.create_database(name)
        try:
            yield str(self.url.with_database(name))
        finally:
            self.ensure_running()
            self.drop_database(name)

    def drop_database(self, name: str) -> None:
        # Connections a service left open (e.g. a pool holding a transaction) would block
        # DROP DATABASE on metadata locks: end them first.
        conn = self.connect()
        try:
            cursor = conn.cursor()
            cursor.execute(
                "SELECT id FROM information_schema.processlist"
                " WHERE db = %s AND id <> CONNECTION_ID()",
                (name,),
            )
            for (thread_id,) in cursor.fetchall():
                with contextlib.suppress(mysql.connector.Error):  # it may have ended already
                    cursor.execute(f"KILL {int(thread_id)}")  # type: ignore[arg-type]  # ids are ints
            cursor.execute("SET SESSION lock_wait_timeout = 30")
            cursor.execute(f"DROP DATABASE IF EXISTS {_ident(name)}")
        finally:
            conn.close()

    def _admin(self, statement: str) -> None:
        conn = self.connect()
        try:
            conn.cursor().execute(statement)
        finally:
            conn.close()


class RedisServer(_Server):
    """A Redis server; ``url`` names db 0 (or TEST_REDIS_URL's db)."""

    kind = "Redis"
    url_env_var = "TEST_REDIS_URL"

    def __init__(self, url: RedisUrl, container: DockerContainer | None = None) -> None:
        super().__init__(container)
        self.url = url

    def client(self, db: int | None = None, **kwargs: Any) -> redis.Redis:
        options: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 5, **kwargs}
        return redis.Redis(
            host=self.url.host,
            port=self.url.port,
            db=self.url.db if db is None else db,
            password=self.url.password,
            **options,
        )

    def probe(self) -> str | None:
        try:
            with self.client(socket_timeout=2, socket_connect_timeout=2) as client:
                client.ping()
        except redis.RedisError as exc:
            return f"{type(exc).__name__}: {exc}"
        return None


def _ident(name: str) -> str:
    # Only names this package generates reach SQL; refuse anything else outright.
    if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", name):
        raise ValueError(f"unsafe database name {name!r}")
    return f"`{name}`"


# --- Docker ------------------------------------------------------------------------------


def docker_engine_problem() -> str | None:
    """None if a Docker engine answers, else why not (one line)."""
    try:
        DockerClient(timeout=10).client.ping()
    except Exception as exc:  # noqa: BLE001 - whatever fails, there is no usable engine
        return f"{type(exc).__name__}: {exc}"
    return None


def _require_image(server: type[_Server], image: str, image_env_var: str) -> None:
    problem = docker_engine_problem()
    if problem is not None:
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise ServerUnavailable(
            f"No {server.kind} server for the tests: {server.url_env_var} is not set and no"
            f" Docker engine answers at {where} ({problem}).\n{HOW_TO_FIX}"
        )
    # Tests never pull: no registry is reachable here, and tests may only talk to this host.
    if not DockerClient(timeout=10).client.images.list(name=image):
        raise ServerUnavailable(
            f"No {server.kind} server for the tests: image {image} ({image_env_var}) is not in"
            f" the local Docker engine, and tests do not pull images.\n{HOW_TO_FIX}"
        )


def _free_loopback_port() -> int:
    # Fixed up front rather than left to Docker, which picks a new ephemeral port on every
    # start: a stopped-and-restarted server must come back where the service expects it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(make: Callable[[], DockerContainer], container_port: int) -> tuple[DockerContainer, int]:
    """Start a container with container_port published on 127.0.0.1 only; return it and
    the host port. Raises ServerUnavailable with the container's last log lines."""
    for attempt in range(3):
        host_port = _free_loopback_port()
        container = make()
        # docker-py accepts (host_ip, host_port); Testcontainers' own with_bind_ports would
        # publish on every interface.
        container.ports[str(container_port)] = ("127.0.0.1", host_port)  # type: ignore[assignment]
        try:
            container.start()
        except Exception as exc:  # noqa: BLE001 - reported with the logs, as one message
            logs = _last_log_lines(container)
            with contextlib.suppress(Exception):
                container.stop()
            error = str(exc)
            port_taken = "port is already allocated" in error or "address already in use" in error
            if port_taken and attempt < 2:  # taken since _free_loopback_port(): pick another
                continue
            raise ServerUnavailable(
                f"Container {container.image} did not start: {type(exc).__name__}: {exc}\n"
                f"Last log lines:\n{logs}"
            ) from None
        return container, host_port
    raise AssertionError("unreachable")


def _last_log_lines(container: DockerContainer, count: int = 30) -> str:
    try:
        stdout, stderr = container.get_logs()
    except Exception as exc:  # noqa: BLE001 - logs are a courtesy in an error message
        return f"(no logs: {exc})"
    lines = (stdout + stderr).decode(errors="replace").splitlines()
    return "\n".join(lines[-count:])


class _MySqlContainer(MySqlContainer):
    """MySqlContainer waiting for its log lines every 0.1 s instead of every second."""

    def _connect(self) -> None:
        pattern = re.compile(self.wait_strategy_check_string, flags=re.DOTALL | re.MULTILINE)
        LogMessageWaitStrategy(pattern).with_poll_interval(0.1).wait_until_ready(self)


def start_mysql_container(image: str) -> MysqlServer:
    _require_image(MysqlServer, image, "MYSQL_IMAGE")
    password = secrets.token_urlsafe(12)
    container, port = _start(
        lambda: _MySqlContainer(image, root_password=password, password=password), 3306
    )
    # MySqlContainer waits for "ready for connections" in the logs, never for an address.
    # Administrator credentials: tests create and drop a database each.
    server = MysqlServer(MysqlUrl("127.0.0.1", port, "root", password), container)
    _ready_or_remove(server)
    return server


def start_redis_container(image: str) -> RedisServer:
    _require_image(RedisServer, image, "REDIS_IMAGE")
    # RedisContainer's own wait pings the address Testcontainers guesses for the Docker host,
    # which is the bridge gateway (172.17.0.1) wherever /.dockerenv exists, as on these
    # machines; wait for the log line instead and probe 127.0.0.1 ourselves.
    container, port = _start(
        lambda: RedisContainer(image).waiting_for(
            LogMessageWaitStrategy("Ready to accept connections").with_poll_interval(0.1)
        ),
        6379,
    )
    server = RedisServer(RedisUrl("127.0.0.1", port), container)
    _ready_or_remove(server)
    return server


def _ready_or_remove(server: _Server) -> None:
    try:
        server.wait_ready()
    except ServerUnavailable:
        server.remove()
        raise
