"""Fixtures: a migrated (and optionally seeded) database per test, and the app on top of it,
with a client that checks every response against the committed spec.

The server comes from testsupport (a MariaDB/MySQL container for the session, or
TEST_MYSQL_URL); every test gets its own database, so tests never see each other's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from flights import migrate, seed
from flights.app import create_app
from flights.repository import MySqlFlightRepository, connect
from flights.settings import DatabaseConfig, Settings
from testsupport.fixtures import mysql_server, mysql_url  # noqa: F401
from testsupport.openapi import Spec

# Seed data is relative to a start date; a fixed one keeps ids, dates and counts stable.
SEED_START = date(2026, 12, 1)
SPEC = Spec("flights")


@pytest.fixture()
def database(mysql_url: str) -> DatabaseConfig:  # noqa: F811 - the fixture, not the import
    return DatabaseConfig.from_url(mysql_url)


@pytest.fixture()
def migrated(database: DatabaseConfig) -> DatabaseConfig:
    connection = connect(database)
    try:
        migrate.migrate(connection)
    finally:
        connection.close()
    return database


@pytest.fixture()
def seeded(migrated: DatabaseConfig) -> DatabaseConfig:
    connection = connect(migrated)
    try:
        seed.seed(connection, SEED_START)
    finally:
        connection.close()
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
