"""Use cases: turn raw input into domain values, apply them to the store, shape the results.

The store is a port (``ReservationStore``); ``store.RedisStore`` is the real adapter and the
unit tests use an in-memory fake. Each store call that changes something is one atomic step:
the checks, the change and its events happen together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from reservations.model import (
    Booking,
    BookingOutcome,
    BookingRequest,
    Cancelled,
    Event,
    FieldError,
    InvalidInput,
    Released,
    Reservation,
    Reserved,
    check_booking_id,
    check_count,
    check_cursor,
    check_event_id,
    check_id,
    check_limit,
    is_last_possible_event_id,
)


class StoreUnavailable(Exception):
    """The store could not be reached in time; the change may or may not have happened."""


class ReservationStore(Protocol):
    def reserve(self, reservation: Reservation) -> Reserved:
        """Book the one seat, unless someone (maybe this customer) holds it."""
        ...

    def release(self, reservation: Reservation) -> Released:
        """Free the seat and take it out of its booking, if this customer holds it."""
        ...

    def book(self, request: BookingRequest) -> BookingOutcome: ...

    def booking(self, booking_id: str) -> Booking | None: ...

    def customer_bookings(self, customer_id: str, before: str | None, count: int) -> list[Booking]:
        """Up to ``count`` of the customer's bookings, newest first; with ``before`` (a
        booking id), only those older than it."""
        ...

    def cancel(self, booking_id: str, customer_id: str) -> Cancelled: ...

    def holders(self, flight_id: str) -> dict[str, str]:
        """Seat number → customer id for every held seat of the flight."""
        ...

    def events_after(self, event_id: str, count: int) -> list[Event]:
        """Up to ``count`` events with ids greater than ``event_id``, oldest first."""
        ...

    def ping(self) -> None:
        """Return when the store answers; raise when it does not (the health check)."""
        ...


def reserve(store: ReservationStore, fields: Mapping[str, object]) -> tuple[Reservation, Reserved]:
    reservation = Reservation.parse(fields)
    return reservation, store.reserve(reservation)


def release(store: ReservationStore, fields: Mapping[str, object]) -> Released:
    return store.release(Reservation.parse(fields))


def book(
    store: ReservationStore, fields: Mapping[str, object], idempotency_key: str | None
) -> tuple[BookingRequest, BookingOutcome]:
    request = BookingRequest.parse(fields, idempotency_key)
    return request, store.book(request)


def booking(store: ReservationStore, booking_id: str) -> Booking | None:
    errors: list[FieldError] = []
    check_booking_id("booking_id", booking_id, errors)
    if errors:
        raise InvalidInput(errors)
    return store.booking(booking_id)


@dataclass(frozen=True)
class BookingPage:
    """Bookings, newest first, and the cursor for the next page: None when there is none."""

    items: list[Booking]
    next_cursor: str | None


def customer_bookings(
    store: ReservationStore, customer_id: str | None, limit: str | None, cursor: str | None
) -> BookingPage:
    errors: list[FieldError] = []
    customer_id = check_id("customer_id", customer_id, errors)
    count = check_limit("limit", limit, errors)
    before = None if cursor is None else check_cursor("cursor", cursor, errors)
    if errors:
        raise InvalidInput(errors)
    # One more than the page: whether another page follows, without an empty last page.
    bookings = store.customer_bookings(customer_id, before, count + 1)
    page = bookings[:count]
    return BookingPage(page, page[-1].id if len(bookings) > count else None)


def cancel(store: ReservationStore, booking_id: str, customer_id: str | None) -> Cancelled:
    errors: list[FieldError] = []
    check_booking_id("booking_id", booking_id, errors)
    customer_id = check_id("customer_id", customer_id, errors)
    if errors:
        raise InvalidInput(errors)
    return store.cancel(booking_id, customer_id)


def seat_holders(store: ReservationStore, flight_id: str | None) -> dict[str, str]:
    errors: list[FieldError] = []
    flight_id = check_id("flight_id", flight_id, errors)
    if errors:
        raise InvalidInput(errors)
    return store.holders(flight_id)


@dataclass(frozen=True)
class EventPage:
    """Events in log order and the cursor to pass as ``since`` for the next page.

    ``next`` is the last event's id, or the ``since`` it was read after when there was
    nothing new, so a consumer can poll with it in a loop."""

    events: list[Event]
    next: str


def read_events(store: ReservationStore, since: str | None, count: str | None) -> EventPage:
    errors: list[FieldError] = []
    after = check_event_id("since", since if since is not None else "0", errors)
    limit = check_count("count", count, errors)
    if errors:
        raise InvalidInput(errors)
    events = [] if is_last_possible_event_id(after) else store.events_after(after, limit)
    return EventPage(events, events[-1].id if events else after)
