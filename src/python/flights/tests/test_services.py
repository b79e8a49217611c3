"""Use cases against an in-memory repository: pagination, not-found, seat map caching."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from flights.model import (
    AircraftLayout,
    CabinClass,
    CabinLayout,
    Cursor,
    Flight,
    InvalidInputError,
    SearchCriteria,
    SeatMap,
    build_seat_map,
)
from flights.services import FlightNotFoundError, FlightsService, PublishedSeatMap, TtlCache

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def seat_map(plan: str) -> SeatMap:
    return build_seat_map(
        AircraftLayout("E175-X", "Embraer E175", (CabinLayout(CabinClass.ECONOMY, 1, 2, plan),))
    )


class FakeRepository:
    """Flights and seat maps in dicts; counts the calls that would hit MySQL."""

    def __init__(self) -> None:
        self.flights = {
            n: Flight(
                n,
                f"AA{n}",
                "JFK",
                "BOS",
                T0 + timedelta(hours=n // 2),
                T0 + timedelta(hours=n // 2 + 1),
                "Embraer E175",
                7,
            )
            for n in range(1, 8)
        }
        self.seat_maps = {7: seat_map("AB CD"), 8: seat_map("ABC DEF")}
        self.calls: list[str] = []

    def search(self, criteria: SearchCriteria, after: Cursor | None) -> list[Flight]:
        self.calls.append("search")
        ordered = sorted(self.flights.values(), key=lambda f: (f.departure_time, f.id))
        if after is not None:
            ordered = [
                f
                for f in ordered
                if (f.departure_time, f.id) > (after.departure_time, after.flight_id)
            ]
        return ordered[: criteria.limit + 1]

    def get(self, flight_id: int) -> Flight | None:
        self.calls.append("get")
        return self.flights.get(flight_id)

    def seat_map(self, configuration_id: int) -> SeatMap | None:
        self.calls.append("seat_map")
        return self.seat_maps.get(configuration_id)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def service(repo: FakeRepository, clock: Clock) -> FlightsService:
    return FlightsService(repo, seat_map_ttl=300, flight_ttl=30, clock=clock)


def test_search_pages_through_every_flight_once(service: FlightsService) -> None:
    criteria = SearchCriteria(limit=3)
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = service.search(criteria, cursor)
        seen += [f.id for f in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [1, 2, 3, 4, 5, 6, 7]


def test_search_refuses_a_cursor_from_another_search(service: FlightsService) -> None:
    page = service.search(SearchCriteria(limit=2, origin="JFK"))
    assert page.next_cursor is not None
    with pytest.raises(InvalidInputError) as raised:
        service.search(SearchCriteria(limit=2, origin="BOS"), page.next_cursor)
    assert raised.value.field == "cursor"


def test_an_unknown_flight_is_not_found(service: FlightsService) -> None:
    with pytest.raises(FlightNotFoundError):
        service.flight(99)
    with pytest.raises(FlightNotFoundError):
        service.seat_map(99)


def test_the_seat_map_body_is_the_document_and_the_etag_hashes_it(service: FlightsService) -> None:
    published = service.seat_map(3)
    assert json.loads(published.body) == seat_map("AB CD").to_document()
    assert published.etag.startswith('"')
    assert published.etag.endswith('"')
    assert published == PublishedSeatMap.of(seat_map("AB CD"))
    assert PublishedSeatMap.of(seat_map("ABC DEF")).etag != published.etag


def test_warm_seat_map_reads_do_not_touch_the_repository(
    service: FlightsService, repo: FakeRepository
) -> None:
    assert service.cached_seat_map(3) is None
    first = service.seat_map(3)
    assert repo.calls == ["get", "seat_map"]
    assert service.cached_seat_map(3) == first
    assert service.seat_map(3) == first
    # Another flight with the same configuration needs its link, not the seat map again.
    service.seat_map(4)
    assert repo.calls == ["get", "seat_map", "get"]


def test_the_flight_link_expires_before_the_seat_map(
    service: FlightsService, repo: FakeRepository, clock: Clock
) -> None:
    before = service.seat_map(3)
    repo.flights[3] = Flight(3, "AA3", "JFK", "BOS", T0, T0 + timedelta(hours=1), "Embraer E175", 8)
    clock.now += 29
    assert service.seat_map(3) == before  # within flight_ttl: the old link still answers
    clock.now += 2
    swapped = service.seat_map(3)
    assert json.loads(swapped.body)["cabins"][0]["columns"] == list("ABCDEF")
    assert swapped.etag != before.etag


def test_a_changed_seat_map_is_served_once_its_ttl_is_over(
    service: FlightsService, repo: FakeRepository, clock: Clock
) -> None:
    before = service.seat_map(3)
    repo.seat_maps[7] = seat_map("A BC")
    clock.now += 299
    service.flight(3)  # keeps the link fresh, as regular traffic would
    assert service.seat_map(3) == before
    clock.now += 1
    assert service.seat_map(3).etag != before.etag


def test_a_zero_ttl_turns_caching_off(repo: FakeRepository, clock: Clock) -> None:
    service = FlightsService(repo, seat_map_ttl=0, flight_ttl=0, clock=clock)
    service.seat_map(3)
    service.seat_map(3)
    assert repo.calls == ["get", "seat_map", "get", "seat_map"]
    assert service.cached_seat_map(3) is None


def test_the_cache_evicts_the_oldest_entries_beyond_its_bound(clock: Clock) -> None:
    cache: TtlCache[int, str] = TtlCache(60, 2, clock)
    for key in (1, 2, 3):
        cache.put(key, str(key))
    assert [cache.get(key) for key in (1, 2, 3)] == [None, "2", "3"]
    cache.clear()
    assert cache.get(3) is None
