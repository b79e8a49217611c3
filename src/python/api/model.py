"""The API layer's vocabulary: bookings as the use cases and the HTTP layer speak of them,
and the outcomes that are not errors of a service (docs: "How a service is laid out" in the
root README). Nothing here knows about HTTP or about the services' wire formats."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class BookingRequest:
    flight_id: int
    customer_id: str
    seats: tuple[str, ...]  # distinct, as the client ordered them
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Booking:
    """A booking as the reservations service keeps it. ``seats``: those it holds while
    confirmed; once cancelled, those it held when it was cancelled."""

    id: str
    flight_id: int
    customer_id: str
    seats: tuple[str, ...]
    status: str  # "confirmed" or "cancelled"
    created_at: str
    cancelled_at: str | None = None


@dataclass(frozen=True)
class Booked:
    booking: Booking
    replayed: bool  # an earlier request with the same Idempotency-Key made it


@dataclass(frozen=True)
class BookingPage:
    items: tuple[Booking, ...]
    next_cursor: str | None


class Released(Enum):
    RELEASED = "released"  # 204
    NOT_HELD = "not_held"  # 404: nobody holds it (also what a retry after a lost 204 sees)
    HELD_BY_OTHER = "held_by_other"  # 409


# --- outcomes: nothing was done ---------------------------------------------------------


class FlightNotFound(LookupError):
    def __init__(self, flight_id: int) -> None:
        super().__init__(f"no flight with id {flight_id}")
        self.flight_id = flight_id


class SeatsUnavailable(Exception):
    """Nothing was booked: these requested seats are held (by anyone)."""

    def __init__(self, flight_id: int, seats: list[str]) -> None:
        super().__init__(f"Held on flight {flight_id}: {', '.join(seats)}")
        self.flight_id = flight_id
        self.seats = seats


class BookingNotFound(LookupError):
    def __init__(self, booking_id: str) -> None:
        super().__init__(f"no booking with id {booking_id}")
        self.booking_id = booking_id


class NotYourBooking(Exception):
    def __init__(self, booking_id: str) -> None:
        super().__init__(f"booking {booking_id} belongs to another customer")
        self.booking_id = booking_id


class SeatsNotOnSeatMap(Exception):
    def __init__(self, flight_id: int, seats: list[str]) -> None:
        super().__init__(f"Not on the seat map of flight {flight_id}: {', '.join(seats)}")
        self.flight_id = flight_id
        self.seats = seats
