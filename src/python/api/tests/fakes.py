"""In-memory stand-ins for the two services, with the real ones' semantics (201/200/409,
204/404/409) and switches to make them fail the ways the saga has to survive."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from api.ports import FlightNotFound, Released, Reserved, UpstreamUnavailable
from api.seatmap import Cabin, Row, Seat, SeatMap, seat_order

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
    """``held`` maps (flight, seat) to the holder. ``down`` makes every call fail like an
    unreachable service. ``crash_at`` takes the service down when that seat is reserved:
    the PUT fails, after taking the seat if ``crash_after_applying`` (a lost response).
    ``snatch`` hands seats to another customer just before this fake reserves them (a
    booking racing ours). Seats in ``lost_first_attempt`` answer as the client does when
    its first PUT took the seat but the answer was lost and the retry got 200."""

    def __init__(self, held: dict[tuple[int, str], str] | None = None) -> None:
        self.held: dict[tuple[int, str], str] = dict(held or {})
        self.down = False
        self.crash_at: str | None = None
        self.crash_after_applying = False
        self.snatch: dict[str, str] = {}
        self.lost_first_attempt: set[str] = set()
        self.calls: list[tuple[str, str]] = []  # (operation, seat)

    def holding(self, customer_id: str, flight_id: int = 1) -> set[str]:
        return {seat for (f, seat), c in self.held.items() if f == flight_id and c == customer_id}

    def reserved_seats(self) -> list[str]:
        return [seat for operation, seat in self.calls if operation == "reserve"]

    def released_seats(self) -> list[str]:
        return [seat for operation, seat in self.calls if operation == "release"]

    def _check_up(self) -> None:
        if self.down:
            raise UpstreamUnavailable("reservations", "unreachable (connection failed)")

    async def reserve(self, flight_id: int, seat: str, customer_id: str) -> Reserved:
        self.calls.append(("reserve", seat))
        self._check_up()
        key = (flight_id, seat)
        if seat in self.snatch:
            self.held[key] = self.snatch.pop(seat)
        if seat == self.crash_at:
            self.down = True
            if self.crash_after_applying:
                self.held.setdefault(key, customer_id)
            raise UpstreamUnavailable("reservations", "no answer within 3s")
        holder = self.held.get(key)
        if holder is not None and holder != customer_id:
            return Reserved.TAKEN
        if seat in self.lost_first_attempt:
            self.held[key] = customer_id
            return Reserved.AFTER_RETRY
        if holder == customer_id:
            return Reserved.ALREADY
        self.held[key] = customer_id
        return Reserved.NEWLY

    async def release(self, flight_id: int, seat: str, customer_id: str) -> Released:
        self.calls.append(("release", seat))
        self._check_up()
        holder = self.held.get((flight_id, seat))
        if holder is None:
            return Released.NOT_HELD
        if holder != customer_id:
            return Released.HELD_BY_OTHER
        del self.held[flight_id, seat]
        return Released.RELEASED

    async def holders(self, flight_id: int) -> dict[str, str]:
        self.calls.append(("holders", ""))
        self._check_up()
        return {seat: c for (f, seat), c in self.held.items() if f == flight_id}
