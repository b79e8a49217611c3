"""What the use cases need from the two services, and how those calls can fail.

The booking use case and the availability merge depend on these protocols only;
``api.clients`` holds the HTTP adapters and the tests hold in-memory fakes. Nothing here
knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from api.seatmap import SeatMap


class UpstreamError(Exception):
    """A call to ``service`` did not produce a usable answer."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service}: {detail}")
        self.service = service
        self.detail = detail


class UpstreamUnavailable(UpstreamError):  # noqa: N818 - a condition, like chassis' DependencyUnavailable
    """Unreachable, timed out, or answered 503: worth retrying later. The call may or may
    not have taken effect."""

    def __init__(self, service: str, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(service, detail)
        self.retry_after = retry_after


class BadUpstreamResponse(UpstreamError):  # noqa: N818 - names what arrived
    """An answer outside the contract: a 5xx other than 503, an undocumented status, or a
    body that is not what the contract says. Retrying will not help."""


class UpstreamRejected(UpstreamError):  # noqa: N818 - names what happened
    """The service refused the client's input (400/422) with a problem body that the API
    layer passes on unchanged."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(service, f"rejected the request with {status}")
        self.status = status
        self.problem = problem


class FlightNotFound(LookupError):  # noqa: N818 - reads as the answer it is
    def __init__(self, flight_id: int) -> None:
        super().__init__(f"no flight with id {flight_id}")
        self.flight_id = flight_id


class Released(Enum):
    RELEASED = "released"  # 204
    NOT_HELD = "not_held"  # 404: nobody holds it (also what a retry after a lost 204 sees)
    HELD_BY_OTHER = "held_by_other"  # 409


class SeatMaps(Protocol):
    async def seat_map(self, flight_id: int) -> SeatMap:
        """The flight's seat map; raises FlightNotFound or UpstreamError."""
        ...


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


class SeatsUnavailable(Exception):  # noqa: N818 - the outcome, like FlightNotFound
    """Nothing was booked: these requested seats are held (by anyone)."""

    def __init__(self, flight_id: int, seats: list[str]) -> None:
        super().__init__(f"Held on flight {flight_id}: {', '.join(seats)}")
        self.flight_id = flight_id
        self.seats = seats


class BookingNotFound(LookupError):  # noqa: N818 - reads as the answer it is
    def __init__(self, booking_id: str) -> None:
        super().__init__(f"no booking with id {booking_id}")
        self.booking_id = booking_id


class NotYourBooking(Exception):  # noqa: N818 - reads as the answer it is
    def __init__(self, booking_id: str) -> None:
        super().__init__(f"booking {booking_id} belongs to another customer")
        self.booking_id = booking_id


class Reservations(Protocol):
    async def book(
        self, flight_id: int, customer_id: str, seats: tuple[str, ...], idempotency_key: str
    ) -> Booked:
        """All seats or none, in one atomic command; raises SeatsUnavailable."""
        ...

    async def booking(self, booking_id: str) -> Booking:
        """Raises BookingNotFound."""
        ...

    async def bookings(self, customer_id: str, limit: int, cursor: str | None) -> BookingPage:
        """The customer's bookings, newest first."""
        ...

    async def cancel(self, booking_id: str, customer_id: str) -> None:
        """Releases every seat of the booking; raises BookingNotFound or NotYourBooking."""
        ...

    async def release(self, flight_id: int, seat: str, customer_id: str) -> Released: ...

    async def holders(self, flight_id: int) -> dict[str, str]:
        """Seat number → customer id of every held seat of the flight."""
        ...
