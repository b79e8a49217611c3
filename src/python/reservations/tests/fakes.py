"""An in-memory ``ReservationStore`` for unit tests of the service and HTTP layers."""

from __future__ import annotations

import itertools
from dataclasses import replace

from reservations.model import (
    Booked,
    Booking,
    BookingOutcome,
    BookingRequest,
    BookingStatus,
    Cancelled,
    Event,
    EventType,
    KeyReused,
    Released,
    Reservation,
    Reserved,
    SeatsHeld,
    time_of,
)
from reservations.services import StoreUnavailable

TIME = "2023-11-14T22:13:20.000Z"  # every booking's and cancellation's


class FakeStore:
    def __init__(self) -> None:
        self.seats: dict[tuple[str, str], str] = {}
        self.seat_bookings: dict[tuple[str, str], str] = {}
        self.bookings: dict[str, Booking] = {}
        # (customer, key) → (booking id, flight, seats)
        self.keys: dict[tuple[str, str | None], tuple[str, str, tuple[str, ...]]] = {}
        self.events: list[Event] = []
        self.down = False
        self._ids = itertools.count(1)

    def reserve(self, reservation: Reservation) -> Reserved:
        self._check_up()
        holder = self.seats.get((reservation.flight_id, reservation.seat_num))
        if holder is not None:
            return Reserved.ALREADY if holder == reservation.customer_id else Reserved.TAKEN
        self._create(reservation.flight_id, reservation.customer_id, (reservation.seat_num,))
        return Reserved.NEWLY

    def book(self, request: BookingRequest) -> BookingOutcome:
        self._check_up()
        key = (request.customer_id, request.idempotency_key)
        if key in self.keys:
            booking_id, flight_id, seats = self.keys[key]
            if (flight_id, seats) != (request.flight_id, request.seats):
                return KeyReused()
            return Booked(self.bookings[booking_id], replayed=True)
        held = tuple(seat for seat in request.seats if (request.flight_id, seat) in self.seats)
        if held:
            return SeatsHeld(held)
        booking = self._create(request.flight_id, request.customer_id, request.seats)
        if request.idempotency_key is not None:
            self.keys[key] = (booking.id, request.flight_id, request.seats)
        return Booked(booking)

    def release(self, reservation: Reservation) -> Released:
        self._check_up()
        seat = (reservation.flight_id, reservation.seat_num)
        holder = self.seats.get(seat)
        if holder is None:
            return Released.NOT_HELD
        if holder != reservation.customer_id:
            return Released.HELD_BY_OTHER
        booking = self.bookings[self.seat_bookings[seat]]
        self._free(*seat, holder)
        if booking.seats == (reservation.seat_num,):
            self.bookings[booking.id] = _cancelled(booking)
        else:
            seats = tuple(s for s in booking.seats if s != reservation.seat_num)
            self.bookings[booking.id] = replace(booking, seats=seats)
        return Released.RELEASED

    def booking(self, booking_id: str) -> Booking | None:
        self._check_up()
        return self.bookings.get(booking_id)

    def customer_bookings(self, customer_id: str, before: str | None, count: int) -> list[Booking]:
        self._check_up()
        ids = sorted(
            (
                b.id
                for b in self.bookings.values()
                if b.customer_id == customer_id and (before is None or b.id < before)
            ),
            reverse=True,
        )
        return [self.bookings[booking_id] for booking_id in ids[:count]]

    def cancel(self, booking_id: str, customer_id: str) -> Cancelled:
        self._check_up()
        booking = self.bookings.get(booking_id)
        if booking is None:
            return Cancelled.NOT_FOUND
        if booking.customer_id != customer_id:
            return Cancelled.OTHER_CUSTOMER
        if booking.status is BookingStatus.CANCELLED:
            return Cancelled.ALREADY
        for seat in booking.seats:
            self._free(booking.flight_id, seat, customer_id)
        self.bookings[booking_id] = _cancelled(booking)
        return Cancelled.NEWLY

    def holders(self, flight_id: str) -> dict[str, str]:
        self._check_up()
        return {seat: who for (flight, seat), who in self.seats.items() if flight == flight_id}

    def events_after(self, event_id: str, count: int) -> list[Event]:
        self._check_up()
        after = _key(event_id)
        return [event for event in self.events if _key(event.id) > after][:count]

    def ping(self) -> None:
        self._check_up()

    def _check_up(self) -> None:
        if self.down:
            raise StoreUnavailable("fake store is down")

    def _create(self, flight_id: str, customer_id: str, seats: tuple[str, ...]) -> Booking:
        # Ids that sort by creation, as ULIDs do, from the ULID alphabet.
        booking = Booking(
            f"{next(self._ids):026d}", flight_id, customer_id, seats, BookingStatus.CONFIRMED, TIME
        )
        self.bookings[booking.id] = booking
        for seat in seats:
            self.seats[flight_id, seat] = customer_id
            self.seat_bookings[flight_id, seat] = booking.id
            self._log(EventType.SEAT_RESERVED, flight_id, seat, customer_id)
        return booking

    def _free(self, flight_id: str, seat_num: str, customer_id: str) -> None:
        del self.seats[flight_id, seat_num]
        del self.seat_bookings[flight_id, seat_num]
        self._log(EventType.SEAT_RELEASED, flight_id, seat_num, customer_id)

    def _log(self, event_type: EventType, flight_id: str, seat_num: str, customer_id: str) -> None:
        event_id = f"1700000000000-{next(self._ids)}"
        self.events.append(
            Event(event_id, event_type, time_of(event_id), flight_id, seat_num, customer_id)
        )


def _cancelled(booking: Booking) -> Booking:
    return replace(booking, status=BookingStatus.CANCELLED, cancelled_at=TIME)


def _key(event_id: str) -> tuple[int, int]:
    ms, seq = event_id.split("-")
    return int(ms), int(seq)
