"""MySQL adapter: flights and seat maps through a small connection pool of our own.

Why not ``mysql.connector.pooling``: it raises at once when every connection is busy (we want
to wait a bounded time) and hands out connections that died while idle (after a MySQL restart
or failover every one of them is dead). Here a request that fails on a reused connection
drops the idle ones and retries once on a fresh connection, so the service recovers by itself
the moment MySQL is back; failures to connect become ``DependencyUnavailable`` (503) within
the connect timeout.

DATETIME columns hold UTC wall-clock times; conversion is explicit at this boundary, so the
server's and the session's time zones never matter.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

import mysql.connector
from mysql.connector.abstracts import MySQLConnectionAbstract, MySQLCursorAbstract

from chassis.problems import DependencyUnavailable
from flights.model import Cursor, Flight, SearchCriteria, SeatMap, utc
from flights.settings import DatabaseConfig

Connection = MySQLConnectionAbstract
DbCursor = MySQLCursorAbstract

_errors = mysql.connector.errors
_UNAVAILABLE_TYPES = (
    _errors.InterfaceError,
    _errors.OperationalError,
    _errors.ConnectionTimeoutError,
    _errors.ReadTimeoutError,
    _errors.WriteTimeoutError,
)
# Server-side refusals that mean "not now": too many connections, shutdown in progress,
# connection killed (MariaDB), disconnected for inactivity (MySQL 8).
_UNAVAILABLE_ERRNOS = frozenset({1040, 1053, 1927, 4031})


def is_unavailable(exc: mysql.connector.Error) -> bool:
    """True if the server or the network is gone, as opposed to bad SQL or data. Client-side
    error numbers (2000-2999: can't connect, lost connection, gone away) arrive under
    different classes from the C extension and the pure-Python driver, so check them too."""
    return (
        isinstance(exc, _UNAVAILABLE_TYPES)
        or 2000 <= exc.errno < 3000
        or exc.errno in _UNAVAILABLE_ERRNOS
    )


def to_db(moment: datetime) -> datetime:
    return utc(moment).replace(tzinfo=None)


def from_db(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def connect(
    config: DatabaseConfig, *, connect_timeout: int = 2, read_timeout: int | None = None
) -> Connection:
    """One new connection. Autocommit, so a pooled connection never sits in an old
    REPEATABLE READ snapshot and keeps seeing data from before the last seed."""
    connection = mysql.connector.connect(
        host=config.host,
        port=config.port,
        user=config.user,
        password=config.password,
        database=config.database,
        connection_timeout=connect_timeout,
        read_timeout=read_timeout,
        write_timeout=read_timeout,
        autocommit=True,
        charset="utf8mb4",
        time_zone="+00:00",
    )
    assert isinstance(connection, MySQLConnectionAbstract)
    return connection


class ConnectionPool:
    """At most ``size`` connections, opened lazily; waiting for a free one is bounded too.

    Hands out a cursor kept with each connection: ``connection.cursor()`` pings the server
    every time, a round trip that cost a third of a lookup's time."""

    def __init__(self, open_connection: Callable[[], Connection], size: int, wait: float) -> None:
        self._open = open_connection
        self._wait = wait
        self._slots = threading.BoundedSemaphore(size)
        # LIFO: the most recently used connections are the least likely to have timed out.
        self._idle: queue.LifoQueue[tuple[Connection, DbCursor]] = queue.LifoQueue()

    @contextlib.contextmanager
    def cursor(self) -> Iterator[tuple[DbCursor, bool]]:
        """Yields (cursor, reused). A connection whose use raised is closed, not kept."""
        if not self._slots.acquire(timeout=self._wait):
            raise DependencyUnavailable("mysql", "all database connections are busy")
        try:
            session, reused = self._take()
            try:
                yield session[1], reused
            except BaseException:
                _close_quietly(session[0])
                raise
            self._idle.put(session)
        finally:
            self._slots.release()

    def drop_idle(self) -> None:
        while True:
            try:
                _close_quietly(self._idle.get_nowait()[0])
            except queue.Empty:
                return

    close = drop_idle

    def _take(self) -> tuple[tuple[Connection, DbCursor], bool]:
        try:
            return self._idle.get_nowait(), True
        except queue.Empty:
            pass
        try:
            connection = self._open()
            return (connection, connection.cursor()), False
        except mysql.connector.Error as exc:
            if is_unavailable(exc):
                raise DependencyUnavailable("mysql") from exc
            raise


def _close_quietly(connection: Connection) -> None:
    # Closing a dead connection may fail; it is gone either way.
    with contextlib.suppress(Exception):
        connection.close()


# No join with aircraft_configurations: the aircraft type comes from AircraftTypes (a
# handful of rows, read once), so the flights table alone answers a search in index order.
# Joined, MariaDB read the small configurations table into a join buffer, which made every
# search without a date sort its rows in a temporary table.
_FLIGHTS = """
    SELECT id, flight_no, origin, destination, departure_time, arrival_time,
           aircraft_configuration_id
    FROM flights
"""


def search_statement(criteria: SearchCriteria, after: Cursor | None) -> tuple[str, tuple[Any, ...]]:
    """The SELECT for a search and its parameters: up to ``limit + 1`` flights in keyset
    order. Each shape has an index that serves it in that order (tests/test_query_plans.py
    runs EXPLAIN on them): ``(flight_no, departure_date)`` answers a lookup in one row,
    ``(origin, destination, departure_time)`` a route and ``(departure_time)`` a date."""
    conditions: list[str] = []
    params: list[Any] = []
    for column in ("flight_no", "origin", "destination"):
        value = getattr(criteria, column)
        if value is not None:
            conditions.append(f"{column} = %s")
            params.append(value)
    window = criteria.departure_window
    if window is not None and criteria.flight_no is not None:
        # departure_date is generated from departure_time, so either condition alone
        # selects the same day: this one is the unique key's second column.
        conditions.append("departure_date = %s")
        params.append(criteria.departure_date)
    elif window is not None:
        # A time range, which the route and departure indexes serve in keyset order.
        conditions.append("departure_time >= %s AND departure_time < %s")
        params += [to_db(window[0]), to_db(window[1])]
    if after is not None:
        # (departure_time, id) > (t, i), spelled with a range on departure_time that an
        # index can seek to.
        departed = to_db(after.departure_time)
        conditions.append("departure_time >= %s AND (departure_time > %s OR id > %s)")
        params += [departed, departed, after.flight_id]
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"{_FLIGHTS} {where} ORDER BY departure_time, id LIMIT %s"
    return sql, (*params, criteria.limit + 1)


class AircraftTypes:
    """Aircraft type by configuration id, as aircraft_configurations has them: read all at
    once (there are a handful), again after ``ttl`` seconds or when a flight names a
    configuration not read yet. A configuration's type is part of its seat map, which the
    service caches for as long (``FLIGHTS_SEAT_MAP_CACHE_TTL``): staleness stays the same.
    Thread-safe: the MySQL threads share it."""

    def __init__(
        self,
        load: Callable[[], dict[int, str]],
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._types: dict[int, str] = {}
        self._expires = float("-inf")
        self._lock = threading.Lock()

    def of(self, configuration_ids: Iterable[int]) -> dict[int, str]:
        """A mapping with every one of ``configuration_ids`` (LookupError if one is
        missing even after reading the table again: a broken foreign key)."""
        wanted = set(configuration_ids)
        types = self._types
        if wanted <= types.keys() and self._clock() < self._expires:
            return types
        with self._lock:
            types = self._types
            if not wanted <= types.keys() or self._clock() >= self._expires:
                types = self._load()
                self._types, self._expires = types, self._clock() + self._ttl
        missing = wanted - types.keys()
        if missing:
            raise LookupError(f"aircraft configurations {sorted(missing)} are missing")
        return types


class MySqlFlightRepository:
    def __init__(self, pool: ConnectionPool, *, aircraft_types_ttl: float = 300.0) -> None:
        self._pool = pool
        self._aircraft_types = AircraftTypes(self._read_aircraft_types, aircraft_types_ttl)

    @classmethod
    def create(
        cls,
        config: DatabaseConfig,
        *,
        size: int,
        connect_timeout: int,
        read_timeout: int,
        aircraft_types_ttl: float = 300.0,
    ) -> MySqlFlightRepository:
        def open_connection() -> Connection:
            return connect(config, connect_timeout=connect_timeout, read_timeout=read_timeout)

        pool = ConnectionPool(open_connection, size, wait=float(connect_timeout))
        return cls(pool, aircraft_types_ttl=aircraft_types_ttl)

    def close(self) -> None:
        self._pool.close()

    def ping(self) -> None:
        self._query("SELECT 1", ())

    def search(self, criteria: SearchCriteria, after: Cursor | None) -> list[Flight]:
        return self._flights(*search_statement(criteria, after))

    def get(self, flight_id: int) -> Flight | None:
        flights = self._flights(f"{_FLIGHTS} WHERE id = %s", (flight_id,))
        return flights[0] if flights else None

    def seat_map(self, configuration_id: int) -> SeatMap | None:
        rows = self._query(
            "SELECT seat_map FROM aircraft_configurations WHERE id = %s", (configuration_id,)
        )
        return SeatMap.from_document(_json(rows[0][0])) if rows else None

    def _flights(self, sql: str, params: tuple[Any, ...]) -> list[Flight]:
        rows = self._query(sql, params)
        if not rows:
            return []
        types = self._aircraft_types.of(row[6] for row in rows)
        return [_flight(row, types[row[6]]) for row in rows]

    def _read_aircraft_types(self) -> dict[int, str]:
        rows = self._query("SELECT id, aircraft_type FROM aircraft_configurations", ())
        return {int(configuration_id): str(kind) for configuration_id, kind in rows}

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        # Reads only, so retrying on a fresh connection cannot apply anything twice.
        for attempt in (1, 2):
            reused = False
            try:
                with self._pool.cursor() as (cursor, reused):
                    cursor.execute(sql, params)
                    return cast(list[tuple[Any, ...]], cursor.fetchall())
            except mysql.connector.Error as exc:
                if not is_unavailable(exc):
                    raise
                if attempt == 1 and reused:
                    # Likely a connection that died while idle: so did its idle siblings.
                    self._pool.drop_idle()
                    continue
                raise DependencyUnavailable("mysql") from exc
        raise AssertionError("unreachable")


def _flight(row: tuple[Any, ...], aircraft_type: str) -> Flight:
    flight_id, flight_no, origin, destination, departs, arrives, configuration = row
    return Flight(
        id=flight_id,
        flight_no=flight_no,
        origin=origin,
        destination=destination,
        departure_time=from_db(departs),
        arrival_time=from_db(arrives),
        aircraft_type=aircraft_type,
        configuration_id=configuration,
    )


def _json(value: str | bytes | dict[str, Any]) -> dict[str, Any]:
    # MySQL's JSON type may arrive decoded or as bytes; MariaDB's JSON is LONGTEXT.
    if isinstance(value, dict):
        return value
    document = json.loads(value)
    assert isinstance(document, dict)
    return document
