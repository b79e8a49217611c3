"""The real flights service for the API layer's tests, on a database of the caller's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flights import migrate, seed
from flights.app import create_app
from flights.repository import connect
from flights.settings import DatabaseConfig, Settings
from testsupport.serving import serving_asgi


@contextmanager
def serving_flights(database: DatabaseConfig, day: date) -> Iterator[str]:
    """Migrate DATABASE, seed one day of flights from DAY, and serve the flights app on it
    (uvicorn, 127.0.0.1): its base URL."""
    connection = connect(database)
    try:
        migrate.migrate(connection)
        seed.seed(connection, day, days=1)
    finally:
        connection.close()
    settings = Settings(database=database, pool_size=4, connect_timeout=1, read_timeout=2)
    with serving_asgi(create_app(settings)) as url:
        yield url
