"""The data the workloads need from the seeded flights: every flight with its seat numbers,
the widest aircraft's flight, the searches that find them, and which seats each booking run
may take."""

from __future__ import annotations

import random
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.wrk import LuaValue, WrkResult


@dataclass(frozen=True)
class Scheduled:
    """What a search finds a flight by."""

    flight_no: str
    origin: str
    destination: str
    departure_date: str  # YYYY-MM-DD


@dataclass(frozen=True)
class Catalog:
    flights: list[tuple[int, str]]  # (id, aircraft type), by id
    layouts: dict[str, list[str]]  # aircraft type -> seat numbers, front to back
    wide_body: int  # the first flight of the aircraft type with the most seats
    timetable: list[Scheduled] = field(default_factory=list)  # every flight, by id

    @property
    def wide_body_type(self) -> str:
        return dict(self.flights)[self.wide_body]


def seat_numbers(seat_map: Mapping[str, Any]) -> list[str]:
    return [
        seat["number"]
        for cabin in seat_map["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
    ]


def discover(get_json: Callable[[str], Any], flights_url: str) -> Catalog:
    """Every seeded flight (the flights service's search, page by page) and one seat map per
    aircraft type: all flights of a type share the seat map of its configuration (a booking
    of a seat not on it would fail with 422 and show up as an error)."""
    found: list[tuple[int, str, Scheduled]] = []
    cursor: str | None = None
    while True:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = get_json(f"{flights_url}/flights?{urllib.parse.urlencode(query)}")
        found += [(int(f["id"]), str(f["aircraft_type"]), _scheduled(f)) for f in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    if not found:
        raise RuntimeError("the flights service lists no flights: was the database seeded?")
    found.sort(key=lambda entry: entry[0])
    flights = [(flight_id, aircraft) for flight_id, aircraft, _ in found]
    layouts: dict[str, list[str]] = {}
    for flight_id, aircraft in flights:
        if aircraft not in layouts:
            seat_map = get_json(f"{flights_url}/flights/{flight_id}/seat_map")
            layouts[aircraft] = seat_numbers(seat_map)
    widest = max(layouts, key=lambda aircraft: len(layouts[aircraft]))
    wide_body = next(flight_id for flight_id, aircraft in flights if aircraft == widest)
    return Catalog(flights, layouts, wide_body, [scheduled for _, _, scheduled in found])


def _scheduled(flight: Mapping[str, Any]) -> Scheduled:
    return Scheduled(
        str(flight["flight_no"]),
        str(flight["origin"]),
        str(flight["destination"]),
        str(flight["departure_date"]),
    )


SEARCH_SHAPES = ("route", "flight_no")


def search_paths(catalog: Catalog, shape: str) -> list[str]:
    """Every search of one shape that finds seeded flights, each once, in a fixed shuffled
    order (consecutive requests read different parts of the indexes, as real traffic does):
    ``route`` is origin + destination + departure date (one to three flights), ``flight_no``
    is flight number + departure date (the lookup of one flight)."""
    if shape == "route":
        routes = {(s.origin, s.destination, s.departure_date) for s in catalog.timetable}
        queries = [
            {"origin": origin, "destination": destination, "departure_date": day}
            for origin, destination, day in sorted(routes)
        ]
    elif shape == "flight_no":
        flights = {(s.flight_no, s.departure_date) for s in catalog.timetable}
        queries = [{"flight_no": number, "departure_date": day} for number, day in sorted(flights)]
    else:
        raise ValueError(f"unknown search shape {shape!r}")
    paths = [f"/flights?{urllib.parse.urlencode(query)}" for query in queries]
    random.Random(shape).shuffle(paths)  # noqa: S311 - an order, not a secret
    return paths


def split_for_bookings(catalog: Catalog, parts: int) -> list[list[tuple[int, str]]]:
    """The flights bookings may use (not the wide-body one the GET workloads read), dealt
    out in turn into disjoint lists, one per booking workload."""
    usable = [f for f in catalog.flights if f[0] != catalog.wide_body]
    return [usable[part::parts] for part in range(parts)]


def booking_groups(
    flights: Sequence[tuple[int, str]],
    layouts: Mapping[str, Sequence[str]],
    seats: int,
    window: int,
) -> list[tuple[int, tuple[str, ...]]]:
    """The seat groups in the order lua/booking.lua takes them: ``window`` flights at a time,
    one group of ``seats`` per flight in turn, until those flights are full."""
    groups = []
    for start in range(0, len(flights), window):
        chunk = flights[start : start + window]
        layer, added = 0, True
        while added:
            added = False
            for flight_id, aircraft in chunk:
                numbers = layouts[aircraft]
                first = layer * seats
                if first + seats <= len(numbers):
                    groups.append((flight_id, tuple(numbers[first : first + seats])))
                    added = True
            layer += 1
    return groups


@dataclass
class BookingFeed:
    """Hands each wrk run of one booking workload seats that no earlier run took."""

    flights: list[tuple[int, str]]
    layouts: dict[str, list[str]]
    seats: int
    window: int
    threads: int
    start: int = 0
    capacity: int = field(init=False)

    def __post_init__(self) -> None:
        self.capacity = len(booking_groups(self.flights, self.layouts, self.seats, self.window))
        types = list(self.layouts)
        self._lua_flights = [[fid, types.index(kind) + 1] for fid, kind in self.flights]
        self._lua_layouts = [self.layouts[kind] for kind in types]

    def variables(self, run: str) -> dict[str, LuaValue]:
        return {
            "FLIGHTS": self._lua_flights,
            "LAYOUTS": self._lua_layouts,
            "SEATS": self.seats,
            "WINDOW": self.window,
            "START": self.start,
            "THREADS": self.threads,
            "RUN": run,
        }

    def advance(self, result: WrkResult) -> None:
        """Thread t took groups start + t + k * threads for k < its request count, so the
        next run starts after the busiest thread's last group."""
        self.start += self.threads * result.max_thread_requests

    @property
    def exhausted(self) -> bool:
        return self.start > self.capacity
