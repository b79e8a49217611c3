"""Use cases: turn raw input into domain values, apply them to the store, shape the results.

The store is a port (``ReservationStore``); ``store.RedisStore`` is the real adapter and the
unit tests use an in-memory fake. Each store call is one atomic step: the check, the change
and its event happen together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from reservations.model import (
    Event,
    FieldError,
    InvalidInput,
    Released,
    Reservation,
    Reserved,
    check_count,
    check_event_id,
    check_id,
    is_last_possible_event_id,
)


class StoreUnavailable(Exception):  # noqa: N818 - a condition, like DependencyUnavailable
    """The store could not be reached in time; the change may or may not have happened."""


class ReservationStore(Protocol):
    def reserve(self, reservation: Reservation) -> Reserved: ...

    def release(self, reservation: Reservation) -> Released: ...

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
