"""The booking use case against in-memory services: the seat map is checked first, then one
reservations command carries the whole booking and its idempotency key."""

from __future__ import annotations

import asyncio

import pytest

from api.booking import book
from api.model import BookingRequest, FlightNotFound, SeatsNotOnSeatMap, SeatsUnavailable
from api.ports import UpstreamUnavailable
from api.tests.fakes import FakeReservations, FakeSeatMaps, seat_map_of

FLIGHT = 1
ALICE, BOB = "alice", "bob"
SEAT_MAPS = FakeSeatMaps({FLIGHT: seat_map_of("9A", "9C", "10A", "12A", "12B", "12C")})


def request(*seats: str, customer: str = ALICE, key: str | None = None) -> BookingRequest:
    return BookingRequest(FLIGHT, customer, seats, key)


def test_all_seats_are_booked_in_one_command() -> None:
    reservations = FakeReservations()

    booked = asyncio.run(book(request("12A", "9C", "10A", key="k1"), SEAT_MAPS, reservations))

    assert booked.booking.seats == ("12A", "9C", "10A")
    assert not booked.replayed
    assert reservations.commands == [(FLIGHT, ALICE, ("12A", "9C", "10A"), "k1")]


def test_an_unknown_flight_sends_no_command() -> None:
    reservations = FakeReservations()

    with pytest.raises(FlightNotFound):
        asyncio.run(book(BookingRequest(2, ALICE, ("12A",)), SEAT_MAPS, reservations))

    assert reservations.commands == []


def test_seats_not_on_the_seat_map_are_all_named_and_no_command_is_sent() -> None:
    reservations = FakeReservations()

    with pytest.raises(SeatsNotOnSeatMap) as refused:
        asyncio.run(book(request("12A", "99Z", "12D"), SEAT_MAPS, reservations))

    assert refused.value.seats == ["99Z", "12D"]
    assert reservations.commands == []


def test_held_seats_fail_the_whole_booking() -> None:
    reservations = FakeReservations({(FLIGHT, "12B"): BOB})

    with pytest.raises(SeatsUnavailable) as refused:
        asyncio.run(book(request("12A", "12B"), SEAT_MAPS, reservations))

    assert refused.value.seats == ["12B"]
    assert reservations.held == {(FLIGHT, "12B"): BOB}


def test_the_same_key_gets_the_same_booking_back() -> None:
    reservations = FakeReservations()
    first = asyncio.run(book(request("12A", key="k1"), SEAT_MAPS, reservations))

    again = asyncio.run(book(request("12A", key="k1"), SEAT_MAPS, reservations))

    assert again.booking == first.booking
    assert again.replayed
    assert len(reservations.made) == 1


def test_without_a_key_each_request_gets_a_key_of_its_own() -> None:
    reservations = FakeReservations()

    asyncio.run(book(request("12A"), SEAT_MAPS, reservations))
    asyncio.run(book(request("12B"), SEAT_MAPS, reservations))

    first_key, second_key = (command[3] for command in reservations.commands)
    assert first_key != second_key
    assert len(first_key) == 32


def test_an_unreachable_reservations_service_is_reported() -> None:
    reservations = FakeReservations()
    reservations.down = True

    with pytest.raises(UpstreamUnavailable):
        asyncio.run(book(request("12A"), SEAT_MAPS, reservations))
