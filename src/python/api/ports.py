"""What the use cases need from the two services, and how those calls can fail.

The booking use case and the availability merge depend on these protocols only;
``api.clients`` holds the HTTP adapters and the tests hold in-memory fakes. Nothing here
knows about HTTP.
"""

from __future__ import annotations

from typing import Any, Protocol

from api.model import Booked, Booking, BookingPage, Released
from api.seatmap import SeatMap


class UpstreamError(Exception):
    """A call to ``service`` did not produce a usable answer."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service}: {detail}")
        self.service = service
        self.detail = detail


class UpstreamUnavailable(UpstreamError):
    """Unreachable, timed out, or answered 503: worth retrying later. The call may or may
    not have taken effect."""

    def __init__(self, service: str, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(service, detail)
        self.retry_after = retry_after


class BadUpstreamResponse(UpstreamError):
    """An answer outside the contract: a 5xx other than 503, an undocumented status, or a
    body that is not what the contract says. Retrying will not help."""


class UpstreamRejected(UpstreamError):
    """The service refused the client's input (400/422) with a problem body that the API
    layer passes on unchanged."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(service, f"rejected the request with {status}")
        self.status = status
        self.problem = problem


class SeatMaps(Protocol):
    async def seat_map(self, flight_id: int) -> SeatMap:
        """The flight's seat map; raises FlightNotFound or UpstreamError."""
        ...


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
