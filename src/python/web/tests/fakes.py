"""An in-memory API layer with the ``web.api.Api`` methods, for the pages' unit tests. The
browser tests (systemtests/test_web.py) run the pages against the real stack."""

from __future__ import annotations

from typing import Any

from web.api import NotFound, NotSignedIn, Page, SeatsTaken, Unavailable

FLIGHT = {
    "id": 7,
    "flight_no": "FR100",
    "departure_date": "2026-12-04",
    "origin": "JFK",
    "destination": "LAX",
    "departure_time": "2026-12-04T08:15:00Z",
    "arrival_time": "2026-12-04T14:40:00Z",
    "aircraft_type": "Test 2-2",
}


def seat(number: str, position: str, available: bool = True) -> dict[str, Any]:
    return {
        "number": number,
        "column": number[-1],
        "position": position,
        "cabin_class": "economy",
        "exit_row": number.startswith("2"),
        "extra_legroom": False,
        "available": available,
    }


class FakeApi:
    def __init__(self) -> None:
        self.held: dict[str, str] = {}  # seat -> customer token
        self.bookings_made: list[dict[str, Any]] = []
        self.down = False
        self.expired_tokens: set[str] = set()
        self.calls: list[tuple[Any, ...]] = []
        self.taken_before_booking: set[str] = set()  # taken by someone "meanwhile"

    def _check(self, token: str | None = None) -> None:
        if self.down:
            raise Unavailable(503, "The booking service cannot be reached right now")
        if token is not None and token in self.expired_tokens:
            raise NotSignedIn(401, "The token has expired")

    def search(self, origin: str, destination: str, departure_date: str) -> Page:
        self._check()
        self.calls.append(("search", origin, destination, departure_date))
        matches = (FLIGHT["origin"], FLIGHT["destination"]) == (origin, destination)
        return Page([dict(FLIGHT)] if matches else [], None)

    def flight(self, flight_id: int) -> dict[str, Any]:
        self._check()
        if flight_id != FLIGHT["id"]:
            raise NotFound(404, f"No flight with id {flight_id}")
        return dict(FLIGHT)

    def seats(self, flight_id: int) -> dict[str, Any]:
        self._check()
        if flight_id != FLIGHT["id"]:
            raise NotFound(404, f"No flight with id {flight_id}")
        rows = []
        for row in (1, 2):
            numbers = [f"{row}{letter}" for letter in "ABCD"]
            positions = ["window", "aisle", "aisle", "window"]
            rows.append(
                {
                    "number": row,
                    "exit_row": row == 2,
                    "seats": [
                        seat(number, position, number not in self.held)
                        for number, position in zip(numbers, positions, strict=True)
                    ],
                }
            )
        return {
            "flight_id": flight_id,
            "aircraft_type": FLIGHT["aircraft_type"],
            "configuration": "T-Y8",
            "cabins": [
                {"cabin_class": "economy", "columns": list("ABCD"), "aisles_after": ["B"],
                 "rows": rows}
            ],
        }

    def book(
        self, token: str, flight_id: int, seats: list[str], idempotency_key: str
    ) -> dict[str, Any]:
        self._check(token)
        self.calls.append(("book", token, flight_id, tuple(seats), idempotency_key))
        for number in self.taken_before_booking:
            self.held[number] = "someone-else"
        taken = [s for s in seats if s in self.held]
        if taken:
            raise SeatsTaken(
                409, f"Nothing was booked: {', '.join(taken)} already taken", {"seats": taken}
            )
        for number in seats:
            self.held[number] = token
        booking = {
            "id": f"01JE5Z8Q4W6V0G2X9R3M7T1B{len(self.bookings_made):02d}",
            "flight_id": flight_id,
            "customer_id": token,
            "seats": seats,
            "status": "confirmed",
            "created_at": "2026-12-03T17:17:48.299Z",
        }
        self.bookings_made.append(booking)
        return booking

    def bookings(self, token: str, cursor: str | None = None) -> Page:
        self._check(token)
        return Page([b for b in reversed(self.bookings_made) if b["customer_id"] == token], None)

    def cancel_booking(self, token: str, booking_id: str) -> None:
        self._check(token)
        for booking in self.bookings_made:
            if booking["id"] == booking_id and booking["customer_id"] == token:
                booking["status"] = "cancelled"
                for number in booking["seats"]:
                    self.held.pop(number, None)
                return
        raise NotFound(404, f"You have no booking with id {booking_id}")

    def cancel_seat(self, token: str, flight_id: int, seat_num: str) -> None:
        self._check(token)
        if self.held.get(seat_num) != token:
            raise NotFound(404, f"You hold no seat {seat_num} on flight {flight_id}")
        del self.held[seat_num]
        for booking in self.bookings_made:
            if seat_num in booking["seats"] and booking["customer_id"] == token:
                booking["seats"] = [s for s in booking["seats"] if s != seat_num]

    def ping(self) -> None:
        self._check()
