"""The booking saga: all requested seats of a flight for one customer, or none.

The flights and reservations services never call each other, so the all-or-nothing rule is
kept here, as a saga of local steps with compensations (docs/adr/0007):

1. Read the seat map and the flight's current holders, concurrently. Unknown flight → 404;
   seats not on the map → 422; seats someone else holds → 409. Nothing is reserved yet.
2. Reserve seat by seat, front to back. Every booking takes contested seats in the same
   order, so of two overlapping bookings one wins instead of both failing halfway.
3. A seat taken since step 1 → release what this booking reserved, 409. The service
   failing or timing out → release what this booking may have reserved (at once where
   possible, in the background otherwise) and report the outage. The same release happens
   when the booking itself is cancelled half-way (the server shutting down).

Retry-safe: seats the customer already holds count as booked. Compensation only ever
releases seats this booking took: a seat the customer held before it started is theirs and
stays. Which ones those are is known from the holders read in step 1, which also settles
the case where a retried PUT answers 200 because its own lost first attempt took the seat.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from api.compensation import Compensator, Hold
from api.concurrency import both
from api.ports import Reservations, Reserved, SeatMaps, UpstreamError
from api.seatmap import seat_order


@dataclass(frozen=True)
class Booking:
    flight_id: int
    customer_id: str
    seats: tuple[str, ...]  # distinct


@dataclass(frozen=True)
class Booked:
    flight_id: int
    customer_id: str
    seats: tuple[str, ...]  # all requested seats, as requested
    newly_reserved: tuple[str, ...]  # those this booking took; the rest the customer had


class BookingFailed(Exception):  # noqa: N818 - the outcome, read as "booking failed"
    """Nothing was booked; the subclass says why."""


class SeatsNotOnSeatMap(BookingFailed):
    def __init__(self, flight_id: int, seats: list[str]) -> None:
        super().__init__(f"Not on the seat map of flight {flight_id}: {', '.join(seats)}")
        self.flight_id = flight_id
        self.seats = seats


class SeatsUnavailable(BookingFailed):
    def __init__(self, flight_id: int, seats: list[str]) -> None:
        super().__init__(f"Held by another customer on flight {flight_id}: {', '.join(seats)}")
        self.flight_id = flight_id
        self.seats = seats


class BookingInterrupted(BookingFailed):
    """A service failed half-way. What this booking had reserved was released, except the
    holds in ``pending``, which are being released in the background."""

    def __init__(self, cause: UpstreamError, pending: tuple[Hold, ...]) -> None:
        super().__init__(f"booking interrupted: {cause}")
        self.cause = cause
        self.pending = pending


class BookingSaga:
    def __init__(
        self, seat_maps: SeatMaps, reservations: Reservations, compensator: Compensator
    ) -> None:
        self._seat_maps = seat_maps
        self._reservations = reservations
        self._compensator = compensator

    async def book(self, booking: Booking) -> Booked:
        """Raises FlightNotFound, a BookingFailed, or UpstreamError (before any change)."""
        flight_id, customer_id = booking.flight_id, booking.customer_id
        seat_map, holders = await both(
            self._seat_maps.seat_map(flight_id), self._reservations.holders(flight_id)
        )
        unknown = [seat for seat in booking.seats if seat not in seat_map.seat_numbers]
        if unknown:
            raise SeatsNotOnSeatMap(flight_id, unknown)
        taken = [seat for seat in booking.seats if holders.get(seat, customer_id) != customer_id]
        if taken:
            raise SeatsUnavailable(flight_id, taken)
        held_before = {seat for seat in booking.seats if holders.get(seat) == customer_id}

        ours: list[Hold] = []  # what compensation has to give back, in reserve order
        try:
            for seat in sorted(booking.seats, key=seat_order):
                try:
                    outcome = await self._reservations.reserve(flight_id, seat, customer_id)
                except (UpstreamError, asyncio.CancelledError):
                    if seat not in held_before:
                        ours.append(Hold(flight_id, seat, customer_id))  # it may have landed
                    raise
                if outcome is Reserved.TAKEN:
                    raise SeatsUnavailable(flight_id, [seat])
                if outcome is Reserved.NEWLY or (
                    outcome is Reserved.AFTER_RETRY and seat not in held_before
                ):
                    ours.append(Hold(flight_id, seat, customer_id))
        except UpstreamError as exc:
            pending = await self._compensator.release(ours[::-1])
            raise BookingInterrupted(exc, pending) from exc
        except (SeatsUnavailable, asyncio.CancelledError):
            # Cancelled: the server is shutting down mid-booking; give back what it took.
            await self._compensator.release(ours[::-1])
            raise
        newly = {hold.seat for hold in ours}
        return Booked(
            flight_id,
            customer_id,
            booking.seats,
            tuple(seat for seat in booking.seats if seat in newly),
        )
