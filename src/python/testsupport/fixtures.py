"""Pytest fixtures: MySQL and Redis servers for the whole session, a fresh database / an
empty Redis db for each test.

Servers come from TEST_MYSQL_URL / TEST_REDIS_URL when set; otherwise they are started as
containers from MYSQL_IMAGE / REDIS_IMAGE (defaults: the official mysql:8.4 / redis:7.4;
here, where no registry is reachable, use the images build-support/images/build.sh makes).
Containers publish their port on 127.0.0.1 only and are removed at the end of the session.

Per-test isolation:
* ``mysql_url``: a database created for the test (``t_<test name>_<random>``) and dropped
  after it; the URL carries the server's administrator credentials.
* ``redis_url``: the server's db index (0, or TEST_REDIS_URL's) flushed before and after
  each test. One db per session keeps services free to use any key names, and FLUSHDB
  touches nothing outside it. Tests of one session run one at a time, so sharing is safe;
  two sessions must not share one TEST_REDIS_URL db.

Outages mid-test: ``mysql_server`` / ``redis_server`` offer stop()/start() (connections
refused) and pause()/unpause() (connections hang); see testsupport.servers. Teardown brings
a server a test left down back up.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from testsupport.servers import (
    MysqlServer,
    RedisServer,
    ServerUnavailable,
    start_mysql_container,
    start_redis_container,
)
from testsupport.urls import MysqlUrl, RedisUrl

DEFAULT_MYSQL_IMAGE = "mysql:8.4"
DEFAULT_REDIS_IMAGE = "redis:7.4"

__all__ = ["mysql_server", "mysql_url", "redis_server", "redis_url"]

_S = TypeVar("_S", MysqlServer, RedisServer)


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[MysqlServer]:
    yield from _session_server(_mysql_server_from_env)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    yield from _session_server(_redis_server_from_env)


@pytest.fixture()
def mysql_url(mysql_server: MysqlServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """mysql://USER:PASSWORD@HOST:PORT/DB for a database that exists only for this test
    (administrator credentials: root for containers, TEST_MYSQL_URL's user otherwise)."""
    with mysql_server.temporary_database(_database_name(request.node.name)) as url:
        yield url


@pytest.fixture()
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """redis://127.0.0.1:PORT/DB for a db that is empty when the test starts."""
    redis_server.ensure_running()
    with redis_server.client() as client:
        client.flushdb()
    try:
        yield str(redis_server.url)
    finally:
        redis_server.ensure_running()
        with redis_server.client() as client:
            client.flushdb()


def _database_name(test_name: str) -> str:
    # Readable in SHOW DATABASES, unique per test, within MySQL's 64-character limit.
    slug = re.sub(r"[^a-z0-9]+", "_", test_name.lower()).strip("_")[:40]
    return f"t_{slug}_{secrets.token_hex(4)}"


def _session_server(provide: Callable[[], _S]) -> Iterator[_S]:
    try:
        server = provide()
    except ServerUnavailable as exc:
        message = str(exc)
    else:
        try:
            yield server
        finally:
            server.remove()
        return
    # One readable message: no Docker stack trace (pytrace=False), and raised outside the
    # except block so that pytest shows no exception chain either.
    pytest.fail(message, pytrace=False)


def _mysql_server_from_env() -> MysqlServer:
    url = os.environ.get("TEST_MYSQL_URL")
    if not url:
        return start_mysql_container(os.environ.get("MYSQL_IMAGE", DEFAULT_MYSQL_IMAGE))
    return _external(
        "TEST_MYSQL_URL",
        lambda: MysqlServer(MysqlUrl.parse(url)),
        "mysql://USER:PASSWORD@HOST:PORT/",
    )


def _redis_server_from_env() -> RedisServer:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        return start_redis_container(os.environ.get("REDIS_IMAGE", DEFAULT_REDIS_IMAGE))
    return _external(
        "TEST_REDIS_URL", lambda: RedisServer(RedisUrl.parse(url)), "redis://HOST:PORT/DB"
    )


def _external(url_env_var: str, connect: Callable[[], _S], url_shape: str) -> _S:
    """The server that ``url_env_var`` names, once it answers."""
    # Messages name the variable, not its value: the URL may hold a password.
    try:
        server = connect()
    except ValueError:
        raise ServerUnavailable(f"{url_env_var} is not a {url_shape} URL") from None
    try:
        server.wait_ready(timeout=10)
    except ServerUnavailable as exc:
        raise ServerUnavailable(f"{url_env_var} is set, but: {exc}") from None
    return server
