"""Seat availability: the seat map with ``available`` per seat, from two concurrent reads."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from api.availability import seat_availability, with_availability
from api.model import FlightNotFound
from api.seatmap import SeatMap
from api.tests.fakes import FakeReservations, FakeSeatMaps, seat_map_of


def test_held_seats_are_unavailable_and_everything_else_is_kept() -> None:
    seat_map = seat_map_of("1A", "1C", "2A")

    document = json.loads(with_availability(7, seat_map, {"1C": "bob"}.keys()))

    assert document["flight_id"] == 7
    assert document["configuration"] == "TEST"
    seats = [seat for row in document["cabins"][0]["rows"] for seat in row["seats"]]
    assert [(s["number"], s["available"]) for s in seats] == [
        ("1A", True),
        ("1C", False),
        ("2A", True),
    ]
    # Every field of the seat map survives the merge.
    for row in document["cabins"][0]["rows"]:
        for seat in row["seats"]:
            del seat["available"]
    del document["flight_id"]
    assert SeatMap.model_validate(document) == seat_map


def test_the_merge_never_says_who_holds_a_seat() -> None:
    document = with_availability(1, seat_map_of("1A"), {"1A": "customer-bob"}.keys())
    assert b"customer-bob" not in document


def test_holds_on_seats_the_map_does_not_have_are_ignored() -> None:
    document = json.loads(with_availability(1, seat_map_of("1A"), {"99K": "bob"}.keys()))
    assert [row["number"] for row in document["cabins"][0]["rows"]] == [1]


def test_the_document_is_what_encoding_it_whole_gives() -> None:
    # The template is encoded once and completed per request: byte for byte the same as
    # json.dumps of the document, key order included.
    seat_map = seat_map_of("1A", "1C", "2A", "10B")
    held = {"1C", "10B"}
    expected = {
        "flight_id": 42,
        **seat_map.model_dump(mode="json"),
    }
    for cabin in expected["cabins"]:
        for row in cabin["rows"]:
            for seat in row["seats"]:
                seat["available"] = seat["number"] not in held
    rendered = with_availability(42, seat_map, held)
    assert rendered == json.dumps(expected, separators=(",", ":")).encode()
    assert with_availability(42, seat_map, set()).count(b'"available":true') == 4


class SlowSeatMaps(FakeSeatMaps):
    async def seat_map(self, flight_id: int) -> SeatMap:
        await asyncio.sleep(0.2)
        return await super().seat_map(flight_id)


class SlowReservations(FakeReservations):
    def __init__(self, delay: float) -> None:
        super().__init__({(1, "1A"): "bob"})
        self.delay = delay
        self.finished = False

    async def holders(self, flight_id: int) -> dict[str, str]:
        await asyncio.sleep(self.delay)
        self.finished = True
        return await super().holders(flight_id)


def test_both_services_are_asked_at_the_same_time() -> None:
    seat_maps = SlowSeatMaps({1: seat_map_of("1A", "1B")})
    started = time.monotonic()

    document = json.loads(asyncio.run(seat_availability(1, seat_maps, SlowReservations(0.2))))

    assert time.monotonic() - started < 0.35  # 0.2 + 0.2 one after the other
    seats = document["cabins"][0]["rows"][0]["seats"]
    assert [seat["available"] for seat in seats] == [False, True]


def test_an_unknown_flight_does_not_wait_for_the_reservations_service() -> None:
    reservations = SlowReservations(5.0)
    started = time.monotonic()

    with pytest.raises(FlightNotFound):
        asyncio.run(seat_availability(2, FakeSeatMaps({}), reservations))

    assert time.monotonic() - started < 1.0
    assert not reservations.finished  # cancelled
