"""In-memory stand-ins for the two services, with the real ones' semantics, and a switch to
make the reservations service unreachable."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from api.model import (
    Booked,
    Booking,
    BookingNotFound,
    BookingPage,
    FlightNotFound,
    NotYourBooking,
    Released,
    SeatsUnavailable,
)
from api.ports import UpstreamUnavailable
from api.seatmap import Cabin, Row, Seat, SeatMap

# A seat map document as the flights service sends it: one cabin, seat 1A.
SEAT_MAP: dict[str, Any] = {
    "aircraft_type": "Embraer E175",
    "configuration": "E175-F12Y64",
    "cabins": [
        {
            "cabin_class": "first",
            "columns": ["A", "C"],
            "aisles_after": ["A"],
            "rows": [
                {
                    "number": 1,
                    "exit_row": False,
                    "seats": [
                        {
                            "number": "1A",
                            "column": "A",
                            "position": "window",
                            "cabin_class": "first",
                            "exit_row": False,
                            "extra_legroom": True,
                        }
                    ],
                }
            ],
        }
    ],
}


def seat_order(seat: str) -> tuple[int, str]:
    """Front to back, then left to right: ``9A`` before ``10A`` before ``10B``."""
    return int(seat[:-1]), seat[-1]


def seat_map_of(*numbers: str) -> SeatMap:
    """An economy cabin with exactly these seats, grouped into rows."""
    rows: dict[int, list[str]] = defaultdict(list)
    for number in sorted(numbers, key=seat_order):
        rows[seat_order(number)[0]].append(number)
    columns = sorted({number[-1] for number in numbers})
    return SeatMap(
        aircraft_type="Airbus A320-200",
        configuration="TEST",
        cabins=(
            Cabin(
                cabin_class="economy",
                columns=tuple(columns),
                aisles_after=(),
                rows=tuple(
                    Row(
                        number=row,
                        exit_row=False,
                        seats=tuple(
                            Seat(
                                number=number,
                                column=number[-1],
                                position="window",
                                cabin_class="economy",
                                exit_row=False,
                                extra_legroom=False,
                            )
                            for number in seats
                        ),
                    )
                    for row, seats in rows.items()
                ),
            ),
        ),
    )


class FakeSeatMaps:
    def __init__(self, seat_maps: dict[int, SeatMap]) -> None:
        self.seat_maps = seat_maps

    async def seat_map(self, flight_id: int) -> SeatMap:
        try:
            return self.seat_maps[flight_id]
        except KeyError:
            raise FlightNotFound(flight_id) from None


class FakeReservations:
    """Bookings with the reservations service's rules (all seats or none, a key replays its
    booking), kept in memory. ``down`` makes every call fail like an unreachable service."""

    def __init__(self, held: dict[tuple[int, str], str] | None = None) -> None:
        self.held: dict[tuple[int, str], str] = dict(held or {})
        self.made: dict[str, Booking] = {}  # by id
        self.keys: dict[tuple[str, str], str] = {}  # (customer, key) -> booking id
        self.down = False
        self.commands: list[tuple[int, str, tuple[str, ...], str]] = []

    def _check_up(self) -> None:
        if self.down:
            raise UpstreamUnavailable("reservations", "unreachable (connection failed)")

    async def book(
        self, flight_id: int, customer_id: str, seats: tuple[str, ...], idempotency_key: str
    ) -> Booked:
        self._check_up()
        self.commands.append((flight_id, customer_id, seats, idempotency_key))
        earlier = self.keys.get((customer_id, idempotency_key))
        if earlier is not None:
            return Booked(self.made[earlier], replayed=True)
        taken = [seat for seat in seats if (flight_id, seat) in self.held]
        if taken:
            raise SeatsUnavailable(flight_id, taken)
        booking = Booking(
            f"{len(self.made) + 1:026d}", flight_id, customer_id, seats, "confirmed", "now"
        )
        self.made[booking.id] = booking
        self.keys[customer_id, idempotency_key] = booking.id
        self.held.update({(flight_id, seat): customer_id for seat in seats})
        return Booked(booking, replayed=False)

    async def booking(self, booking_id: str) -> Booking:
        self._check_up()
        if booking_id not in self.made:
            raise BookingNotFound(booking_id)
        return self.made[booking_id]

    async def bookings(self, customer_id: str, limit: int, cursor: str | None) -> BookingPage:
        self._check_up()
        mine = sorted(
            (b for b in self.made.values() if b.customer_id == customer_id),
            key=lambda b: b.id,
            reverse=True,
        )
        return BookingPage(tuple(mine[:limit]), None)

    async def cancel(self, booking_id: str, customer_id: str) -> None:
        booking = await self.booking(booking_id)
        if booking.customer_id != customer_id:
            raise NotYourBooking(booking_id)
        for seat in booking.seats:
            self.held.pop((booking.flight_id, seat), None)
        self.made[booking_id] = replace(booking, status="cancelled", cancelled_at="now")

    async def release(self, flight_id: int, seat: str, customer_id: str) -> Released:
        self._check_up()
        holder = self.held.get((flight_id, seat))
        if holder is None:
            return Released.NOT_HELD
        if holder != customer_id:
            return Released.HELD_BY_OTHER
        del self.held[flight_id, seat]
        return Released.RELEASED

    async def holders(self, flight_id: int) -> dict[str, str]:
        self._check_up()
        return {seat: c for (f, seat), c in self.held.items() if f == flight_id}
