"""An in-memory ``ReservationStore`` for unit tests of the service and HTTP layers."""

from __future__ import annotations

import itertools

from reservations.model import Event, EventType, Released, Reservation, Reserved, time_of
from reservations.services import StoreUnavailable


class FakeStore:
    def __init__(self) -> None:
        self.seats: dict[tuple[str, str], str] = {}
        self.events: list[Event] = []
        self.down = False
        self._ids = itertools.count(1)

    def reserve(self, reservation: Reservation) -> Reserved:
        self._check_up()
        holder = self.seats.get((reservation.flight_id, reservation.seat_num))
        if holder is not None:
            return Reserved.ALREADY if holder == reservation.customer_id else Reserved.TAKEN
        self.seats[reservation.flight_id, reservation.seat_num] = reservation.customer_id
        self._log(EventType.SEAT_RESERVED, reservation)
        return Reserved.NEWLY

    def release(self, reservation: Reservation) -> Released:
        self._check_up()
        holder = self.seats.get((reservation.flight_id, reservation.seat_num))
        if holder is None:
            return Released.NOT_HELD
        if holder != reservation.customer_id:
            return Released.HELD_BY_OTHER
        del self.seats[reservation.flight_id, reservation.seat_num]
        self._log(EventType.SEAT_RELEASED, reservation)
        return Released.RELEASED

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

    def _log(self, event_type: EventType, r: Reservation) -> None:
        event_id = f"1700000000000-{next(self._ids)}"
        self.events.append(
            Event(event_id, event_type, time_of(event_id), r.flight_id, r.seat_num, r.customer_id)
        )


def _key(event_id: str) -> tuple[int, int]:
    ms, seq = event_id.split("-")
    return int(ms), int(seq)
