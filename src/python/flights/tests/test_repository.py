"""The MySQL repository against seeded data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flights import seed
from flights.model import Cursor, SearchCriteria, build_seat_map
from flights.repository import MySqlFlightRepository

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
