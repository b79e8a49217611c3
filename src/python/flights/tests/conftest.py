"""Fixtures: a migrated (and optionally seeded) database per test, and the app on top of it,
with a client that checks every response against the committed spec.

The server comes from testsupport (a MariaDB/MySQL container for the session, or
TEST_MYSQL_URL); every test gets its own database, so tests never see each other's data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date
from typing import TypeVar

import pytest
from fastapi.testclient import TestClient

from flights import migrate, seed
from flights.app import create_app
from flights.repository import Connection, MySqlFlightRepository, connect
from flights.settings import DatabaseConfig, Settings
from testsupport.fixtures import mysql_server, mysql_url  # noqa: F401
from testsupport.openapi import Spec

# Seed data is relative to a start date; a fixed one keeps ids, dates and counts stable.
SEED_START = date(2026, 12, 1)
SPEC = Spec("flights")

T = TypeVar("T")


@pytest.fixture()
def database(mysql_url: str) -> DatabaseConfig:  # noqa: F811 - the fixture, not the import
    return DatabaseConfig.from_url(mysql_url)


@pytest.fixture()
def migrated(database: DatabaseConfig) -> DatabaseConfig:
    with closing(connect(database)) as connection:
        migrate.migrate(connection)
    return database


@pytest.fixture()
def seeded(migrated: DatabaseConfig) -> DatabaseConfig:
    with closing(connect(migrated)) as connection:
        seed.seed(connection, SEED_START)
    return migrated


@pytest.fixture()
def settings(seeded: DatabaseConfig) -> Settings:
    # Short timeouts: outage tests measure how fast a down database becomes a 503.
    return Settings(database=seeded, pool_size=4, connect_timeout=1, read_timeout=2)


@pytest.fixture()
def repo(settings: Settings) -> Iterator[MySqlFlightRepository]:
    repository = MySqlFlightRepository.create(
        settings.database,
        size=settings.pool_size,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    try:
        yield repository
    finally:
        repository.close()


@pytest.fixture()
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        test_client.event_hooks["response"].append(SPEC.check_httpx)
        yield test_client


def twice_at_once(database: DatabaseConfig, work: Callable[[Connection], T]) -> list[T]:
    """Runs WORK in two threads, each on its own connection to DATABASE, released together so
    the two really overlap; returns both results in the order they finished. Fails the test
    if either raised."""
    barrier = threading.Barrier(2)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with closing(connect(database)) as conn:
                barrier.wait()
                results.append(work(conn))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results
