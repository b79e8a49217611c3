"""The seed data itself: realistic layouts, enough flights, and deterministic."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from flights import seed
from flights.model import CabinClass, Position, build_seat_map

START = date(2026, 12, 1)


def test_layouts_cover_narrow_regional_and_wide_bodies_with_real_structure() -> None:
    seat_maps = {m.configuration: m for m in map(build_seat_map, seed.layouts())}
    cabins = {code: [c.cabin_class for c in m.cabins] for code, m in seat_maps.items()}
    assert cabins == {
        "A320-J12Y150": [CabinClass.BUSINESS, CabinClass.ECONOMY],
        "E175-F12Y64": [CabinClass.FIRST, CabinClass.ECONOMY],
        "B789-J28W21Y213": [CabinClass.BUSINESS, CabinClass.PREMIUM_ECONOMY, CabinClass.ECONOMY],
    }
    # The codes spell out the seat counts per cabin, as airlines name configurations.
    for code, seat_map in seat_maps.items():
        counts = [sum(len(r.seats) for r in cabin.rows) for cabin in seat_map.cabins]
        assert code.split("-")[1] == "".join(
            f"{letter}{n}" for letter, n in zip(_letters(seat_map.cabins), counts, strict=True)
        )
        seats = [s for c in seat_map.cabins for r in c.rows for s in r.seats]
        assert {s.position for s in seats} >= {Position.WINDOW, Position.AISLE}
        assert any(s.exit_row for s in seats)
        assert any(s.extra_legroom for s in seats)
        assert len({s.number for s in seats}) == len(seats)
    a320 = seat_maps["A320-J12Y150"]
    assert [a320.seat(n).position for n in ("12A", "12B", "12C")] == [  # type: ignore[union-attr]
        Position.WINDOW,
        Position.MIDDLE,
        Position.AISLE,
    ]
    assert a320.seat("13A") is None  # no row 13 on this operator's A320s


def _letters(cabins: object) -> list[str]:
    codes = {
        CabinClass.FIRST: "F",
        CabinClass.BUSINESS: "J",
        CabinClass.PREMIUM_ECONOMY: "W",
        CabinClass.ECONOMY: "Y",
    }
    return [codes[cabin.cabin_class] for cabin in cabins]  # type: ignore[attr-defined]


def test_routes_join_known_airports_and_configurations() -> None:
    airports = {a.code for a in seed.airports()}
    configurations = {layout.configuration for layout in seed.layouts()}
    assert len(airports) >= 10
    for route in seed.routes():
        assert {route.origin, route.destination} <= airports
        assert route.origin != route.destination
        assert route.configuration in configurations


def test_thirty_days_hold_hundreds_of_flights_between_many_airports() -> None:
    flights = seed.schedule(
        seed.timetable(seed.routes(), seed.airports()), seed.airports(), START, 30
    )
    assert len(flights) >= 200
    assert len({f.origin for f in flights} | {f.destination for f in flights}) >= 10
    assert len({(f.flight_no, f.departure_time.date()) for f in flights}) == len(flights)
    assert all(f.arrival_time > f.departure_time for f in flights)
    assert all(f.departure_time.utcoffset() == timedelta(0) for f in flights)
    days = Counter(f.departure_time.date() for f in flights)
    assert min(days) >= START - timedelta(days=1)  # east of UTC, a local morning is a UTC evening
    assert max(days) <= START + timedelta(days=30)
    assert {f.configuration for f in flights} == {layout.configuration for layout in seed.layouts()}


def test_the_timetable_is_deterministic_and_a_day_does_not_depend_on_the_start() -> None:
    airports = seed.airports()
    first = seed.timetable(seed.routes(), airports)
    assert first == seed.timetable(seed.routes(), airports)
    assert first != seed.timetable(seed.routes(), airports, seed=seed.RNG_SEED + 1)
    month = seed.schedule(first, airports, START, 30)
    one_day = seed.schedule(first, airports, START + timedelta(days=10), 1)
    assert set(one_day) <= set(month)
    assert len(one_day) > 0


def test_some_short_haul_flights_take_a_weekday_off_but_long_haul_never_does() -> None:
    entries = seed.timetable(seed.routes(), seed.airports())
    assert any(e.day_off is not None for e in entries)
    assert all(e.day_off is None for e in entries if e.configuration.startswith("B789"))
