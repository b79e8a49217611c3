"""Seeding a migrated database: counts, idempotence, upserts by natural key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from flights import seed
from flights.migrate import query, run
from flights.model import SeatMap, build_seat_map
from flights.repository import Connection, connect
from flights.seed import Counts
from flights.settings import DatabaseConfig

from .conftest import SEED_START, twice_at_once


@pytest.fixture()
def connection(migrated: DatabaseConfig) -> Iterator[Connection]:
    with closing(connect(migrated)) as conn:
        yield conn


def count(connection: Connection, table: str) -> int:
    return int(query(connection, f"SELECT COUNT(*) FROM {table}")[0][0])  # noqa: S608 - fixed names


def test_seeding_an_empty_database_loads_everything(connection: Connection) -> None:
    report = seed.seed(connection, SEED_START)
    expected = len(
        seed.schedule(
            seed.timetable(seed.routes(), seed.airports()), seed.airports(), SEED_START, 30
        )
    )
    assert report.airports == Counts(inserted=len(seed.airports()))
    assert report.configurations == Counts(inserted=3)
    assert report.flights == Counts(inserted=expected)
    assert count(connection, "flights") == expected >= 200
    assert count(connection, "airports") >= 10
    endpoints = query(
        connection, "SELECT COUNT(DISTINCT origin), COUNT(DISTINCT destination) FROM flights"
    )[0]
    assert min(endpoints) >= 10


def test_seeding_again_changes_nothing(connection: Connection) -> None:
    seed.seed(connection, SEED_START)
    snapshot = query(connection, "SELECT * FROM flights ORDER BY id")
    report = seed.seed(connection, SEED_START)
    assert (report.airports.inserted, report.configurations.inserted, report.flights.inserted) == (
        0,
        0,
        0,
    )
    assert (report.airports.updated, report.configurations.updated, report.flights.updated) == (
        0,
        0,
        0,
    )
    assert query(connection, "SELECT * FROM flights ORDER BY id") == snapshot


def test_a_later_start_adds_only_the_new_days(connection: Connection) -> None:
    first = seed.seed(connection, SEED_START, days=10)
    later = seed.seed(connection, SEED_START + timedelta(days=5), days=10)
    assert later.flights.updated == 0
    assert 0 < later.flights.inserted < first.flights.inserted
    assert later.flights.unchanged > 0
    assert count(connection, "flights") == first.flights.inserted + later.flights.inserted


def test_stored_times_are_utc_and_departure_date_follows_them(connection: Connection) -> None:
    seed.seed(connection, SEED_START, days=1)
    # JFK (UTC-5 in the seed's standard time) local departures land on these UTC times.
    wanted = {
        (f.flight_no, f.departure_time.replace(tzinfo=None), f.departure_time.date())
        for f in seed.schedule(
            seed.timetable(seed.routes(), seed.airports()), seed.airports(), SEED_START, 1
        )
    }
    stored = set(query(connection, "SELECT flight_no, departure_time, departure_date FROM flights"))
    assert stored == wanted
    # Session time zone must not matter: DATETIME is not converted by the server.
    run(connection, "SET time_zone = '+09:00'")
    assert {
        row[1] for row in query(connection, "SELECT flight_no, departure_time FROM flights")
    } == {departs for _, departs, _ in wanted}


def test_a_changed_layout_bumps_the_configuration_version(connection: Connection) -> None:
    seed.seed(connection, SEED_START, days=1)
    run(
        connection,
        "UPDATE aircraft_configurations SET seat_map = %s, content_hash = %s WHERE code = %s",
        (json.dumps({"stale": True}), "0" * 64, "E175-F12Y64"),
    )
    report = seed.seed(connection, SEED_START, days=1)
    assert report.configurations == Counts(updated=1, unchanged=2)
    ((version, document),) = query(
        connection,
        "SELECT version, seat_map FROM aircraft_configurations WHERE code = 'E175-F12Y64'",
    )
    assert version == 2
    e175 = next(layout for layout in seed.layouts() if layout.configuration == "E175-F12Y64")
    assert SeatMap.from_document(json.loads(document)) == build_seat_map(e175)


def test_a_moved_flight_is_updated_in_place(connection: Connection) -> None:
    seed.seed(connection, SEED_START, days=1)
    ((flight_id, flight_no, departs),) = query(
        connection, "SELECT id, flight_no, departure_time FROM flights ORDER BY id LIMIT 1"
    )
    run(
        connection,
        "UPDATE flights SET departure_time = %s, arrival_time = %s WHERE id = %s",
        (departs + timedelta(minutes=5), departs + timedelta(hours=20), flight_id),
    )
    report = seed.seed(connection, SEED_START, days=1)
    assert (report.flights.updated, report.flights.inserted) == (1, 0)
    assert query(connection, "SELECT departure_time FROM flights WHERE id = %s", (flight_id,)) == [
        (departs,)
    ]


def test_two_seeds_at_once_load_everything_once(migrated: DatabaseConfig) -> None:
    reports = twice_at_once(migrated, lambda conn: seed.seed(conn, SEED_START, days=3))
    inserted = sorted(r.flights.inserted for r in reports)
    assert inserted[0] == 0 < inserted[1]
    with closing(connect(migrated)) as conn:
        assert count(conn, "flights") == inserted[1]


def test_seed_timestamps_are_recent_utc(connection: Connection) -> None:
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    seed.seed(connection, SEED_START, days=1)
    (updated_at,), *_ = query(connection, "SELECT updated_at FROM aircraft_configurations")
    assert before - timedelta(seconds=1) <= updated_at <= before + timedelta(minutes=1)
