"""The searches' query plans on a real server: EXPLAIN of the exact SELECT the repository
runs (``repository.search_statement``), failing when the flights table would be read in full
(``type`` ALL, or no key) or its rows sorted afterwards (filesort): each search shape must
stay an index lookup in keyset order.

The database holds 60 days of the seed timetable (about 4,000 flights), with fresh index
statistics: enough that a full scan is never the optimizer's cheaper choice for a search
that selects a few rows, so a plan that scans means the index cannot serve the query.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from flights import migrate, seed
from flights.model import Cursor, SearchCriteria
from flights.repository import Connection, connect, search_statement
from flights.settings import DatabaseConfig
from testsupport.servers import MysqlServer

from .conftest import SEED_START

DAYS = 60
DAY = SEED_START + timedelta(days=20)


@pytest.fixture(scope="module")
def connection(mysql_server: MysqlServer) -> Iterator[Connection]:
    """One database for the module, seeded once (the plans only read)."""
    with mysql_server.temporary_database(f"t_flights_plans_{secrets.token_hex(4)}") as url:
        session = connect(DatabaseConfig.from_url(url))
        try:
            migrate.migrate(session)
            seed.seed(session, SEED_START, DAYS)
            _rows(session, "ANALYZE TABLE flights", ())  # statistics as of the seed
            yield session
        finally:
            session.close()


def _rows(connection: Connection, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def scans(connection: Connection, sql: str, params: tuple[Any, ...]) -> list[str]:
    """What is wrong with the plan of ``sql`` for the flights table (empty: nothing)."""
    plan = _rows(connection, f"EXPLAIN {sql}", params)
    flights = [row for row in plan if row["table"] == "flights"]
    assert flights, f"no flights table in the plan: {plan}"
    problems = []
    for row in flights:
        if str(row["type"]).upper() == "ALL" or row["key"] is None:
            problems.append(f"full scan (type {row['type']}, key {row['key']})")
        if "filesort" in str(row.get("Extra") or ""):
            problems.append(f"sorts its rows ({row['Extra']})")
    return problems


def test_the_database_has_enough_flights_for_the_plans_to_mean_something(
    connection: Connection,
) -> None:
    [row] = _rows(connection, "SELECT COUNT(*) AS n FROM flights", ())
    assert row["n"] > 3_500


def shapes(connection: Connection) -> dict[str, SearchCriteria]:
    """Searches that find flights: a lookup of a flight that does not exist is answered
    from the unique key before any plan is made, which would show no plan at all."""
    [flight] = _rows(
        connection,
        "SELECT flight_no FROM flights WHERE origin = 'JFK' AND departure_date = %s "
        "ORDER BY id LIMIT 1",
        (DAY,),
    )
    return {
        "route and date": SearchCriteria(origin="JFK", destination="LHR", departure_date=DAY),
        "flight number and date": SearchCriteria(
            flight_no=flight["flight_no"], departure_date=DAY
        ),
        "route": SearchCriteria(origin="JFK", destination="LHR"),
        "date": SearchCriteria(departure_date=DAY),
    }


SHAPES = ["route and date", "flight number and date", "route", "date"]
# The next page of a search: keyset pagination must seek, not scan past the earlier pages.
# Before the day's first flight, so that the lookup's one flight is on it.
AFTER = Cursor(datetime.combine(DAY, time(0), UTC), 1)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("page", ["first page", "next page"])
def test_every_search_shape_reads_through_an_index_in_keyset_order(
    connection: Connection, shape: str, page: str
) -> None:
    after = None if page == "first page" else AFTER
    sql, params = search_statement(shapes(connection)[shape], after)
    assert scans(connection, sql, params) == []


@pytest.mark.parametrize(
    ("shape", "key"),
    [
        ("route and date", "ix_flights_route_departure"),
        ("flight number and date", "uq_flights_flight_no_departure_date"),
    ],
)
def test_the_two_searches_the_api_layer_sends_use_their_own_index(
    connection: Connection, shape: str, key: str
) -> None:
    sql, params = search_statement(shapes(connection)[shape], None)
    plan = _rows(connection, f"EXPLAIN {sql}", params)
    assert [row["key"] for row in plan if row["table"] == "flights"] == [key]


def test_the_check_sees_a_full_scan(connection: Connection) -> None:
    """The same route search with its indexes hidden: what a lost index would look like."""
    sql, params = search_statement(shapes(connection)["route and date"], None)
    hidden = sql.replace("FROM flights", "FROM flights USE INDEX ()")  # no index at all
    assert hidden != sql
    assert any(problem.startswith("full scan") for problem in scans(connection, hidden, params))
