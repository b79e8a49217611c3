"""Seed data: airports, aircraft configurations with their seat maps, and a timetable flown
for ``days`` days from a start date.

Deterministic: the timetable (flight numbers, departure times, days off) comes from a fixed
RNG seed and the JSON files in ``seed_data/``, and a day's flights depend only on the
timetable and the date. Idempotent: rows are upserted by natural key (airport code,
configuration code, (flight_no, departure_date)), so seeding again, or from a later start date,
changes nothing that is already right. Seeding never deletes.

Departure times are picked in local time and converted with each airport's standard UTC offset
(``utc_offset_minutes``), which is an hour off during daylight saving time: good enough for
sample data, and it keeps ``zoneinfo``/tzdata out of the runtime image.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Any

from flights.migrate import named_lock, query
from flights.model import AircraftLayout, CabinClass, CabinLayout, SeatMap, build_seat_map
from flights.repository import Connection, from_db, to_db

log = logging.getLogger(__name__)

RNG_SEED = 20_240_503
AIRLINE = "AA"
DEFAULT_DAYS = 30
# Flight number blocks by kind of flying, as airlines number them.
_NUMBER_BLOCKS = {"B789": (100, 200), "A320": (200, 3000), "E175": (3000, 6000)}


@dataclass(frozen=True)
class Airport:
    code: str
    name: str
    city: str
    country_code: str
    time_zone: str
    utc_offset_minutes: int


@dataclass(frozen=True)
class Route:
    origin: str
    destination: str
    configuration: str
    block_minutes: tuple[int, int]  # out, back: winds make them differ
    daily: int


@dataclass(frozen=True)
class TimetableEntry:
    flight_no: str
    origin: str
    destination: str
    configuration: str
    local_departure: time
    block_minutes: int
    day_off: int | None  # ISO weekday the flight does not operate, if any


@dataclass(frozen=True)
class ScheduledFlight:
    flight_no: str
    origin: str
    destination: str
    departure_time: datetime
    arrival_time: datetime
    configuration: str


def _load(name: str) -> Any:
    return json.loads((resources.files("flights") / "seed_data" / name).read_text("utf-8"))


def airports() -> list[Airport]:
    return [Airport(**entry) for entry in _load("airports.json")]


def layouts() -> list[AircraftLayout]:
    return [
        AircraftLayout(
            configuration=entry["configuration"],
            aircraft_type=entry["aircraft_type"],
            cabins=tuple(
                CabinLayout(
                    cabin_class=CabinClass(cabin["cabin_class"]),
                    first_row=cabin["first_row"],
                    last_row=cabin["last_row"],
                    layout=cabin["layout"],
                    exit_rows=frozenset(cabin.get("exit_rows", ())),
                    extra_legroom_rows=frozenset(cabin.get("extra_legroom_rows", ())),
                    skipped_rows=frozenset(cabin.get("skipped_rows", ())),
                    missing_seats=frozenset(cabin.get("missing_seats", ())),
                )
                for cabin in entry["cabins"]
            ),
        )
        for entry in _load("aircraft_configurations.json")
    ]


def routes() -> list[Route]:
    return [
        Route(
            origin=entry["origin"],
            destination=entry["destination"],
            configuration=entry["configuration"],
            block_minutes=(entry["block_minutes"][0], entry["block_minutes"][1]),
            daily=entry["daily"],
        )
        for entry in _load("routes.json")
    ]


def timetable(
    route_list: Sequence[Route], airport_list: Iterable[Airport], seed: int = RNG_SEED
) -> list[TimetableEntry]:
    """Each route flown ``daily`` times each way; the return leaves 1-3 hours after the
    outbound lands. Regional and mainline frequencies may take a weekday off (schedules thin
    out on Tuesdays and Saturdays); wide-body flying is daily."""
    offset = {airport.code: airport.utc_offset_minutes for airport in airport_list}
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    used: set[int] = set()
    entries = []
    for route in route_list:
        kind = route.configuration.split("-")[0]
        low, high = _NUMBER_BLOCKS[kind]
        for _ in range(route.daily):
            # Even numbers out, the next odd number back, as airlines pair them.
            number = rng.choice([n for n in range(low, high, 2) if n not in used])
            used.add(number)
            departs = time(rng.randrange(6, 21), rng.choice(range(0, 60, 5)))
            day_off = rng.choice([None, None, 2, 6]) if kind != "B789" else None
            turnaround = rng.randrange(60, 181, 5)
            time_zones = offset[route.destination] - offset[route.origin]
            back = (
                departs.hour * 60
                + departs.minute
                + route.block_minutes[0]
                + turnaround
                + time_zones
            )
            returns = time(back % 1440 // 60, back % 60)
            for flight_no, origin, destination, local, block in (
                (number, route.origin, route.destination, departs, route.block_minutes[0]),
                (number + 1, route.destination, route.origin, returns, route.block_minutes[1]),
            ):
                entries.append(
                    TimetableEntry(
                        f"{AIRLINE}{flight_no}",
                        origin,
                        destination,
                        route.configuration,
                        local,
                        block,
                        day_off,
                    )
                )
    return entries


def schedule(
    entries: Sequence[TimetableEntry], airport_list: Iterable[Airport], start: date, days: int
) -> list[ScheduledFlight]:
    """Flights departing (by local date at the origin) on ``start`` .. ``start + days - 1``."""
    offsets = {
        airport.code: timedelta(minutes=airport.utc_offset_minutes) for airport in airport_list
    }
    flights = []
    for day in (start + timedelta(days=n) for n in range(days)):
        for entry in entries:
            if entry.day_off == day.isoweekday():
                continue
            local = datetime.combine(day, entry.local_departure, UTC)
            departs = local - offsets[entry.origin]
            flights.append(
                ScheduledFlight(
                    entry.flight_no,
                    entry.origin,
                    entry.destination,
                    departs,
                    departs + timedelta(minutes=entry.block_minutes),
                    entry.configuration,
                )
            )
    return flights


@dataclass(frozen=True)
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class SeedReport:
    airports: Counts
    configurations: Counts
    flights: Counts


def seed(connection: Connection, start: date, days: int = DEFAULT_DAYS) -> SeedReport:
    """Upsert everything in one transaction, under a lock so concurrent seeds serialise."""
    airport_list = airports()
    seat_maps = [build_seat_map(layout) for layout in layouts()]
    flights = schedule(timetable(routes(), airport_list), airport_list, start, days)
    connection.autocommit = True
    with named_lock(connection, "seed", timeout=120):
        connection.start_transaction()
        try:
            report = SeedReport(
                _upsert_airports(connection, airport_list),
                _upsert_configurations(connection, seat_maps),
                _upsert_flights(connection, flights),
            )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    log.info("seeded %s", report)
    return report


def _upsert_airports(connection: Connection, airport_list: list[Airport]) -> Counts:
    existing = {
        row[0]: row[1:]
        for row in query(
            connection, "SELECT code, name, city, country_code, time_zone FROM airports"
        )
    }
    wanted = {a.code: (a.name, a.city, a.country_code, a.time_zone) for a in airport_list}
    return _apply(
        connection,
        existing,
        wanted,
        insert="INSERT INTO airports (name, city, country_code, time_zone, code)"
        " VALUES (%s, %s, %s, %s, %s)",
        update="UPDATE airports SET name = %s, city = %s, country_code = %s, time_zone = %s"
        " WHERE code = %s",
    )


def _upsert_configurations(connection: Connection, seat_maps: list[SeatMap]) -> Counts:
    existing = {
        row[0]: row[1:]
        for row in query(
            connection, "SELECT code, aircraft_type, content_hash FROM aircraft_configurations"
        )
    }
    wanted = {m.configuration: (m.aircraft_type, m.content_hash()) for m in seat_maps}
    documents = {m.configuration: json.dumps(m.to_document()) for m in seat_maps}
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    inserts, updates, unchanged = _diff(existing, wanted)
    with connection.cursor() as cursor:
        if inserts:
            cursor.executemany(
                "INSERT INTO aircraft_configurations"
                " (code, aircraft_type, content_hash, seat_map, version, updated_at)"
                " VALUES (%s, %s, %s, %s, 1, %s)",
                [(code, *wanted[code], documents[code], now) for code in inserts],
            )
        for code in updates:
            aircraft_type, content_hash = wanted[code]
            cursor.execute(
                "UPDATE aircraft_configurations SET aircraft_type = %s, seat_map = %s,"
                " content_hash = %s, version = version + 1, updated_at = %s WHERE code = %s",
                (aircraft_type, documents[code], content_hash, now, code),
            )
    return Counts(len(inserts), len(updates), unchanged)


def _upsert_flights(connection: Connection, flights: list[ScheduledFlight]) -> Counts:
    if not flights:
        return Counts()
    configuration_ids = dict(query(connection, "SELECT code, id FROM aircraft_configurations"))
    first = min(f.departure_time for f in flights).date()
    last = max(f.departure_time for f in flights).date()
    rows = query(
        connection,
        "SELECT flight_no, departure_date, origin, destination, departure_time, arrival_time,"
        " aircraft_configuration_id FROM flights WHERE departure_date BETWEEN %s AND %s",
        (first, last),
    )
    existing = {
        (flight_no, departure_date): (
            origin,
            destination,
            from_db(departs),
            from_db(arrives),
            config,
        )
        for flight_no, departure_date, origin, destination, departs, arrives, config in rows
    }
    wanted: dict[tuple[Any, ...], tuple[Any, ...]] = {
        (f.flight_no, f.departure_time.date()): (
            f.origin,
            f.destination,
            f.departure_time,
            f.arrival_time,
            configuration_ids[f.configuration],
        )
        for f in flights
    }
    inserts, updates, unchanged = _diff(existing, wanted)

    def db_row(key: tuple[Any, ...]) -> tuple[Any, ...]:
        origin, destination, departs, arrives, config = wanted[key]
        return (origin, destination, to_db(departs), to_db(arrives), config, key[0])

    with connection.cursor() as cursor:
        if inserts:
            cursor.executemany(
                "INSERT INTO flights (origin, destination, departure_time, arrival_time,"
                " aircraft_configuration_id, flight_no) VALUES (%s, %s, %s, %s, %s, %s)",
                [db_row(key) for key in inserts],
            )
        if updates:
            cursor.executemany(
                "UPDATE flights SET origin = %s, destination = %s, departure_time = %s,"
                " arrival_time = %s, aircraft_configuration_id = %s"
                " WHERE flight_no = %s AND departure_date = %s",
                [(*db_row(key), key[1]) for key in updates],
            )
    return Counts(len(inserts), len(updates), unchanged)


def _apply(
    connection: Connection,
    existing: dict[Any, tuple[Any, ...]],
    wanted: dict[Any, tuple[Any, ...]],
    *,
    insert: str,
    update: str,
) -> Counts:
    """Insert/update rows whose statements take the values, then the key, as parameters."""
    inserts, updates, unchanged = _diff(existing, wanted)
    with connection.cursor() as cursor:
        if inserts:
            cursor.executemany(insert, [(*wanted[key], key) for key in inserts])
        if updates:
            cursor.executemany(update, [(*wanted[key], key) for key in updates])
    return Counts(len(inserts), len(updates), unchanged)


def _diff(
    existing: dict[Any, tuple[Any, ...]], wanted: dict[Any, tuple[Any, ...]]
) -> tuple[list[Any], list[Any], int]:
    inserts = [key for key in wanted if key not in existing]
    updates = [key for key in wanted if key in existing and tuple(existing[key]) != wanted[key]]
    return inserts, updates, len(wanted) - len(inserts) - len(updates)
