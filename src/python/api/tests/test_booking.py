"""The booking saga against in-memory services: all seats or none, and compensation that
gives back exactly what the booking took."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from api.booking import (
    Booked,
    Booking,
    BookingInterrupted,
    BookingSaga,
    SeatsNotOnSeatMap,
    SeatsUnavailable,
)
from api.compensation import Compensator, Hold, RetryPolicy
from api.ports import FlightNotFound, Reserved, UpstreamUnavailable
from api.tests.fakes import FakeReservations, FakeSeatMaps, seat_map_of
from chassis.requestid import bind, unbind

T = TypeVar("T")
FLIGHT = 1
ALICE, BOB = "alice", "bob"
FAST = RetryPolicy(attempts=5, first_delay=0.001, max_delay=0.004, inline_timeout=0.5)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def saga_over(
    reservations: FakeReservations, policy: RetryPolicy = FAST
) -> tuple[BookingSaga, Compensator]:
    seat_maps = FakeSeatMaps({FLIGHT: seat_map_of("9A", "9C", "10A", "12A", "12B", "12C")})
    compensator = Compensator(reservations, policy)
    return BookingSaga(seat_maps, reservations, compensator), compensator


def booking(*seats: str, customer: str = ALICE) -> Booking:
    return Booking(FLIGHT, customer, seats)


def test_books_every_seat_front_to_back() -> None:
    reservations = FakeReservations()
    saga, _ = saga_over(reservations)

    booked = run(saga.book(booking("12A", "9C", "10A")))

    assert booked == Booked(FLIGHT, ALICE, ("12A", "9C", "10A"), ("12A", "9C", "10A"))
    assert reservations.holding(ALICE) == {"12A", "9C", "10A"}
    assert reservations.reserved_seats() == ["9C", "10A", "12A"]  # one global order


def test_an_unknown_flight_reserves_nothing() -> None:
    reservations = FakeReservations()
    saga, _ = saga_over(reservations)

    with pytest.raises(FlightNotFound):
        run(saga.book(Booking(2, ALICE, ("12A",))))
    assert reservations.reserved_seats() == []


def test_seats_not_on_the_seat_map_are_all_named_and_nothing_is_reserved() -> None:
    reservations = FakeReservations()
    saga, _ = saga_over(reservations)

    with pytest.raises(SeatsNotOnSeatMap) as failure:
        run(saga.book(booking("12A", "99Z", "12D")))
    assert failure.value.seats == ["99Z", "12D"]
    assert reservations.reserved_seats() == []


def test_seats_held_by_others_are_all_named_before_anything_is_reserved() -> None:
    reservations = FakeReservations({(FLIGHT, "12B"): BOB, (FLIGHT, "12C"): BOB})
    saga, _ = saga_over(reservations)

    with pytest.raises(SeatsUnavailable) as failure:
        run(saga.book(booking("12A", "12B", "12C")))
    assert failure.value.seats == ["12B", "12C"]
    assert reservations.reserved_seats() == []


def test_the_second_of_three_seats_taken_meanwhile_releases_the_first() -> None:
    reservations = FakeReservations()
    reservations.snatch = {"12B": BOB}  # Bob's booking gets there between our read and PUT
    saga, compensator = saga_over(reservations)

    with pytest.raises(SeatsUnavailable) as failure:
        run(saga.book(booking("12A", "12B", "12C")))

    assert failure.value.seats == ["12B"]
    assert reservations.reserved_seats() == ["12A", "12B"]  # 12C never tried
    assert reservations.released_seats() == ["12A"]
    assert reservations.held == {(FLIGHT, "12B"): BOB}
    assert compensator.pending == ()


def test_seats_held_before_the_booking_survive_its_compensation() -> None:
    reservations = FakeReservations({(FLIGHT, "12A"): ALICE})
    reservations.snatch = {"12C": BOB}
    saga, _ = saga_over(reservations)

    with pytest.raises(SeatsUnavailable):
        run(saga.book(booking("12A", "12B", "12C")))

    assert reservations.released_seats() == ["12B"]  # not 12A, which answered 200
    assert reservations.holding(ALICE) == {"12A"}


def test_retrying_a_booking_books_the_same_seats_and_takes_nothing_new() -> None:
    reservations = FakeReservations()
    saga, _ = saga_over(reservations)
    first = run(saga.book(booking("12A", "12B")))

    again = run(saga.book(booking("12A", "12B")))

    assert first.newly_reserved == ("12A", "12B")
    assert again == Booked(FLIGHT, ALICE, ("12A", "12B"), ())
    assert reservations.holding(ALICE) == {"12A", "12B"}


def test_a_retried_put_that_took_the_seat_itself_is_compensated() -> None:
    # The PUT for 12B was sent twice: the first took the seat, its answer was lost, the
    # retry answered 200. 12B was free when the booking began, so it is this booking's.
    reservations = FakeReservations()
    reservations.lost_first_attempt = {"12B"}
    reservations.snatch = {"12C": BOB}
    saga, _ = saga_over(reservations)

    with pytest.raises(SeatsUnavailable):
        run(saga.book(booking("12A", "12B", "12C")))

    assert sorted(reservations.released_seats()) == ["12A", "12B"]
    assert reservations.holding(ALICE) == set()


def test_a_retried_put_on_a_seat_held_before_is_not_compensated() -> None:
    reservations = FakeReservations({(FLIGHT, "12B"): ALICE})
    reservations.lost_first_attempt = {"12B"}
    reservations.snatch = {"12C": BOB}
    saga, _ = saga_over(reservations)

    with pytest.raises(SeatsUnavailable):
        run(saga.book(booking("12A", "12B", "12C")))

    assert reservations.released_seats() == ["12A"]
    assert reservations.holding(ALICE) == {"12B"}


@pytest.mark.parametrize("applied", [False, True], ids=["lost-request", "lost-response"])
def test_reservations_dying_mid_booking_leaves_no_seat_held_once_it_is_back(applied: bool) -> None:
    reservations = FakeReservations()
    reservations.crash_at, reservations.crash_after_applying = "12B", applied
    # Slow enough that the test can look at the pending holds before the first retry.
    saga, compensator = saga_over(reservations, RetryPolicy(attempts=50, first_delay=0.05))

    async def scenario() -> None:
        with pytest.raises(BookingInterrupted) as failure:
            await saga.book(booking("12A", "12B", "12C"))
        # Down: the inline release failed, both holds (12B: maybe taken) wait for a retry.
        assert isinstance(failure.value.cause, UpstreamUnavailable)
        assert set(failure.value.pending) == {
            Hold(FLIGHT, "12A", ALICE),
            Hold(FLIGHT, "12B", ALICE),
        }
        assert reservations.holding(ALICE) == ({"12A", "12B"} if applied else {"12A"})
        reservations.down = False  # the service comes back
        await compensator.drain()

    run(scenario())
    assert reservations.holding(ALICE) == set()
    assert "12C" not in reservations.reserved_seats()


def test_a_seat_held_before_is_not_released_when_its_put_fails() -> None:
    reservations = FakeReservations({(FLIGHT, "12B"): ALICE})
    reservations.crash_at = "12B"
    saga, compensator = saga_over(reservations)

    async def scenario() -> None:
        with pytest.raises(BookingInterrupted) as failure:
            await saga.book(booking("12A", "12B"))
        assert failure.value.pending == (Hold(FLIGHT, "12A", ALICE),)
        reservations.down = False
        await compensator.drain()

    run(scenario())
    assert reservations.holding(ALICE) == {"12B"}


def test_a_failure_before_any_reservation_changes_nothing() -> None:
    reservations = FakeReservations()
    reservations.down = True
    saga, compensator = saga_over(reservations)

    with pytest.raises(UpstreamUnavailable):
        run(saga.book(booking("12A")))
    assert reservations.reserved_seats() == []
    assert compensator.pending == ()


def test_undone_holds_are_logged_with_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    reservations = FakeReservations()
    reservations.crash_at = "12B"  # and it never comes back
    saga, compensator = saga_over(reservations, RetryPolicy(attempts=2, first_delay=0.001))

    async def scenario() -> None:
        token = bind("req-42")
        try:
            with pytest.raises(BookingInterrupted):
                await saga.book(booking("12A", "12B"))
        finally:
            unbind(token)
        await compensator.drain()

    with caplog.at_level(logging.ERROR, logger="api.compensation"):
        run(scenario())
    errors = [vars(r) for r in caplog.records if r.levelno == logging.ERROR]
    undone = {(fields["seat_num"], fields["request_id"]) for fields in errors}
    assert undone == {("12A", "req-42"), ("12B", "req-42")}


class StallingReservations(FakeReservations):
    """Reserving ``stall_at`` takes the seat and then never answers."""

    def __init__(self, stall_at: str) -> None:
        super().__init__()
        self.stall_at = stall_at
        self.stalled = asyncio.Event()

    async def reserve(self, flight_id: int, seat: str, customer_id: str) -> Reserved:
        outcome = await super().reserve(flight_id, seat, customer_id)
        if seat == self.stall_at:
            self.stalled.set()
            await asyncio.sleep(3600)
        return outcome


def test_a_booking_cancelled_half_way_gives_back_what_it_took() -> None:
    reservations = StallingReservations("12B")
    saga, _ = saga_over(reservations)

    async def scenario() -> None:
        task = asyncio.create_task(saga.book(booking("12A", "12B", "12C")))
        await reservations.stalled.wait()
        task.cancel()  # e.g. the server stops before the booking finished
        with pytest.raises(asyncio.CancelledError):
            await task

    run(scenario())
    assert reservations.holding(ALICE) == set()
    assert sorted(reservations.released_seats()) == ["12A", "12B"]
