"""The MySQL repository against seeded data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flights import seed
from flights.model import Cursor, SearchCriteria, build_seat_map
from flights.repository import AircraftTypes, MySqlFlightRepository, search_statement

from .conftest import SEED_START


def test_search_orders_by_departure_then_id_and_applies_every_filter(
    repo: MySqlFlightRepository,
) -> None:
    flights = repo.search(SearchCriteria(origin="JFK", destination="LAX", limit=100), None)
    assert len(flights) > 30
    assert all((f.origin, f.destination) == ("JFK", "LAX") for f in flights)
    keys = [(f.departure_time, f.id) for f in flights]
    assert keys == sorted(keys)
    day = repo.search(
        SearchCriteria(origin="JFK", departure_date=SEED_START + timedelta(days=3), limit=100), None
    )
    assert day
    assert {f.departure_date for f in day} == {SEED_START + timedelta(days=3)}
    assert {f.origin for f in day} == {"JFK"}


def test_search_returns_one_more_than_the_limit_to_signal_another_page(
    repo: MySqlFlightRepository,
) -> None:
    assert len(repo.search(SearchCriteria(limit=5), None)) == 6


def test_keyset_pagination_continues_strictly_after_the_cursor(repo: MySqlFlightRepository) -> None:
    everything = repo.search(SearchCriteria(origin="DFW", limit=100), None)
    middle = everything[10]
    after = repo.search(
        SearchCriteria(origin="DFW", limit=100), Cursor(middle.departure_time, middle.id)
    )
    assert after[: len(everything) - 11] == everything[11:]
    assert len(everything) == 101  # so the comparison above spans a full page boundary


def test_flight_no_and_date_find_exactly_one_flight(repo: MySqlFlightRepository) -> None:
    entry = next(e for e in seed.timetable(seed.routes(), seed.airports()) if e.origin == "JFK")
    found = repo.search(
        SearchCriteria(flight_no=entry.flight_no, departure_date=SEED_START + timedelta(days=1)),
        None,
    )
    assert len(found) == 1
    flight = found[0]
    assert flight.flight_no == entry.flight_no
    assert flight.departure_time.tzinfo is UTC
    # The seed's JFK is UTC-5: local time + 5 h is the stored UTC time.
    local = datetime.combine(SEED_START + timedelta(days=1), entry.local_departure, UTC)
    assert flight.departure_time == local + timedelta(hours=5)
    assert flight.arrival_time - flight.departure_time == timedelta(minutes=entry.block_minutes)


def test_get_returns_a_flight_with_its_aircraft_or_none(repo: MySqlFlightRepository) -> None:
    first = repo.search(SearchCriteria(limit=1), None)[0]
    assert repo.get(first.id) == first
    assert first.aircraft_type in {layout.aircraft_type for layout in seed.layouts()}
    assert repo.get(10**12) is None


def test_the_stored_seat_map_is_the_built_one(repo: MySqlFlightRepository) -> None:
    flight = repo.search(SearchCriteria(origin="JFK", destination="LHR", limit=1), None)[0]
    seat_map = repo.seat_map(flight.configuration_id)
    b789 = next(layout for layout in seed.layouts() if layout.configuration == "B789-J28W21Y213")
    assert seat_map == build_seat_map(b789)
    assert repo.seat_map(10**6) is None


def test_ping_answers(repo: MySqlFlightRepository) -> None:
    repo.ping()
    assert repo.search(SearchCriteria(limit=1), None)  # the pooled connection is reusable


def test_get_finds_every_flight_a_search_finds_with_the_same_aircraft(
    repo: MySqlFlightRepository,
) -> None:
    found = repo.search(SearchCriteria(origin="DFW", limit=100), None)
    assert {f.aircraft_type for f in found} >= {"Boeing 787-9", "Airbus A320-200"}
    assert [repo.get(f.id) for f in found[:10]] == found[:10]


# --- the statements and the aircraft types (no database) -----------------------------------


def test_a_lookup_selects_the_day_by_the_unique_keys_column_and_a_route_by_time() -> None:
    day = date(2026, 12, 3)
    lookup, params = search_statement(SearchCriteria(flight_no="AA1", departure_date=day), None)
    assert "departure_date = %s" in lookup
    assert "departure_time >=" not in lookup
    assert params == ("AA1", day, 21)
    route, params = search_statement(
        SearchCriteria(origin="JFK", destination="LHR", departure_date=day, limit=5), None
    )
    assert "departure_date" not in route
    start = datetime(2026, 12, 3)
    assert params == ("JFK", "LHR", start, start + timedelta(days=1), 6)
    assert "JOIN" not in route.upper()
    assert route.rstrip().endswith("ORDER BY departure_time, id LIMIT %s")


def test_the_next_page_seeks_to_the_cursor() -> None:
    after = Cursor(datetime(2026, 12, 3, 15, 45, tzinfo=UTC), 63)
    sql, params = search_statement(SearchCriteria(origin="JFK"), after)
    assert "departure_time >= %s AND (departure_time > %s OR id > %s)" in sql
    at = datetime(2026, 12, 3, 15, 45)
    assert params == ("JFK", at, at, 63, 21)


class Loads:
    def __init__(self, *tables: dict[int, str]) -> None:
        self.tables = list(tables)
        self.count = 0

    def __call__(self) -> dict[int, str]:
        self.count += 1
        return self.tables[min(self.count, len(self.tables)) - 1]


def test_aircraft_types_are_read_once_until_they_expire_or_a_new_one_appears() -> None:
    now = [0.0]
    loads = Loads({1: "A320"}, {1: "A320", 2: "B789"}, {1: "A321", 2: "B789"})
    types = AircraftTypes(loads, ttl=300, clock=lambda: now[0])
    assert types.of([1])[1] == "A320"
    assert types.of([1, 1])[1] == "A320"
    assert loads.count == 1
    assert types.of([2])[2] == "B789"  # not read yet: read again
    assert loads.count == 2
    now[0] = 300.0
    assert types.of([1])[1] == "A321"  # expired
    assert loads.count == 3
    assert types.of([])[2] == "B789"
    assert loads.count == 3


def test_an_aircraft_type_missing_after_reading_again_is_an_error() -> None:
    types = AircraftTypes(Loads({1: "A320"}), ttl=300)
    with pytest.raises(LookupError, match=r"\[7\]"):
        types.of([1, 7])
