from __future__ import annotations

from typing import Any

import pytest

from benchmarks.workloads import (
    BookingFeed,
    Catalog,
    Scheduled,
    booking_groups,
    discover,
    search_paths,
    split_for_bookings,
)
from benchmarks.wrk import WrkResult

LAYOUTS = {
    "small": ["1A", "1B", "2A", "2B", "3A"],
    "big": [f"{row}{letter}" for row in (1, 2, 3) for letter in "ABC"],
}


def test_booking_groups_fill_each_window_of_flights_evenly() -> None:
    flights = [(1, "small"), (2, "big"), (3, "small")]
    groups = booking_groups(flights, LAYOUTS, seats=2, window=2)
    assert groups == [
        # flights 1 and 2 in turn until both are full (the odd seat 3A is never used) ...
        (1, ("1A", "1B")),
        (2, ("1A", "1B")),
        (1, ("2A", "2B")),
        (2, ("1C", "2A")),
        (2, ("2B", "2C")),
        (2, ("3A", "3B")),
        # ... then the next window
        (3, ("1A", "1B")),
        (3, ("2A", "2B")),
    ]
    assert len({(f, s) for f, group in groups for s in group}) == 2 * len(groups)  # disjoint


def test_single_seat_groups_use_every_seat() -> None:
    flights = [(1, "small"), (2, "big")]
    assert len(booking_groups(flights, LAYOUTS, seats=1, window=50)) == 5 + 9


def feed(threads: int = 2) -> BookingFeed:
    return BookingFeed([(1, "small"), (2, "big")], LAYOUTS, seats=3, window=50, threads=threads)


def result(max_thread_requests: int) -> WrkResult:
    return WrkResult(10, 1.0, 1.0, 2.0, 3.0, 0, {}, max_thread_requests)


def test_feed_moves_past_the_groups_a_run_used() -> None:
    bookings = feed(threads=2)
    assert bookings.capacity == 1 + 3
    assert bookings.variables("b11w")["START"] == 0
    bookings.advance(result(max_thread_requests=1))  # threads took groups 0 and 1
    assert bookings.variables("b11m")["START"] == 2
    assert not bookings.exhausted
    bookings.advance(result(max_thread_requests=2))  # groups 2..5: past the 4 there are
    assert bookings.exhausted


def test_feed_hands_lua_compact_tables() -> None:
    variables = feed().variables("b31m")
    assert variables["FLIGHTS"] == [[1, 1], [2, 2]]  # layout numbers are 1-based in Lua
    assert variables["LAYOUTS"] == [LAYOUTS["small"], LAYOUTS["big"]]
    assert (variables["SEATS"], variables["WINDOW"], variables["THREADS"]) == (3, 50, 2)
    assert variables["RUN"] == "b31m"


def seat_map(numbers: list[str]) -> dict[str, Any]:
    return {"cabins": [{"rows": [{"seats": [{"number": n} for n in numbers]}]}]}


def item(flight_id: int, aircraft_type: str, day: str = "2026-12-01") -> dict[str, Any]:
    return {
        "id": flight_id,
        "aircraft_type": aircraft_type,
        "flight_no": f"AA{flight_id}",
        "origin": "JFK",
        "destination": "LHR",
        "departure_date": day,
    }


def test_discover_pages_through_flights_and_picks_the_widest() -> None:
    pages = {
        "http://f/flights?limit=100": {
            "items": [item(9, "small"), item(4, "big", "2026-12-02")],
            "next_cursor": "abc=",
        },
        "http://f/flights?limit=100&cursor=abc%3D": {
            "items": [item(2, "big")],
            "next_cursor": None,
        },
        "http://f/flights/2/seat_map": seat_map(LAYOUTS["big"]),
        "http://f/flights/9/seat_map": seat_map(LAYOUTS["small"]),
    }
    catalog = discover(pages.__getitem__, "http://f")
    assert catalog.flights == [(2, "big"), (4, "big"), (9, "small")]
    assert catalog.layouts == LAYOUTS
    assert (catalog.wide_body, catalog.wide_body_type) == (2, "big")
    assert catalog.timetable == [
        Scheduled("AA2", "JFK", "LHR", "2026-12-01"),
        Scheduled("AA4", "JFK", "LHR", "2026-12-02"),
        Scheduled("AA9", "JFK", "LHR", "2026-12-01"),
    ]


def test_discover_needs_flights() -> None:
    with pytest.raises(RuntimeError, match="seeded"):
        discover(lambda url: {"items": [], "next_cursor": None}, "http://f")


def test_bookings_never_touch_the_wide_body_flight_and_never_share_one() -> None:
    catalog = Catalog([(1, "big"), (2, "small"), (3, "big"), (4, "small"), (5, "big")], LAYOUTS, 3)
    one, three = split_for_bookings(catalog, 2)
    assert one == [(1, "big"), (4, "small")]
    assert three == [(2, "small"), (5, "big")]


def test_search_paths_cover_every_route_day_and_every_flight_once_in_a_fixed_order() -> None:
    timetable = [
        Scheduled("AA1", "JFK", "LHR", "2026-12-01"),
        Scheduled("AA2", "JFK", "LHR", "2026-12-01"),  # the same route and day
        Scheduled("AA1", "JFK", "LHR", "2026-12-02"),
        Scheduled("BA7", "LHR", "JFK", "2026-12-01"),
    ]
    catalog = Catalog([(1, "big"), (2, "big"), (3, "big"), (4, "big")], LAYOUTS, 1, timetable)
    routes = search_paths(catalog, "route")
    assert sorted(routes) == [
        "/flights?origin=JFK&destination=LHR&departure_date=2026-12-01",
        "/flights?origin=JFK&destination=LHR&departure_date=2026-12-02",
        "/flights?origin=LHR&destination=JFK&departure_date=2026-12-01",
    ]
    lookups = search_paths(catalog, "flight_no")
    assert len(lookups) == len(set(lookups)) == 4
    assert "/flights?flight_no=BA7&departure_date=2026-12-01" in lookups
    assert search_paths(catalog, "route") == routes  # the same order every run
    with pytest.raises(ValueError, match="shape"):
        search_paths(catalog, "date")
