"""Seat reservations: the rules, with no Flask or Redis in sight.

A seat is held by at most one customer. Reserving a free seat takes it; reserving a seat the
same customer already holds is a safe retry; a seat someone else holds is taken. Only the
holder may release a seat. Every change is recorded as an event.

A booking is 1-9 seats of one flight for one customer, taken all or nothing, so a booking
never half-succeeds and nothing has to be undone. Every held seat belongs to one booking
(reserving a single seat books it alone), and only the booking's customer may cancel it.
A client may send an idempotency key with a booking, so that retrying after a lost answer
returns the booking made the first time instead of booking again or failing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, StrEnum

# Rows 1-99, seat letters A-K. The letter I is accepted: which seats exist is the seat map's
# business (the flights service), so this service checks only the shape of a seat number.
# Upper case only, so "12c" and "12C" can never become two holders of one seat.
SEAT_PATTERN = r"[1-9][0-9]?[A-K]"
# Ids end up in Redis keys, log lines and URLs: a bounded set with no separators or spaces.
ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"
# A ULID (Crockford base32, upper case): the time it was made, then 80 random bits.
BOOKING_ID_PATTERN = r"[0-9A-HJKMNP-TV-Z]{26}"
# Enough for a UUID, a base64 token or a client's own "order-123:attempt"; ends up in a
# Redis key after the customer id, which has no ":", so keys of two customers never clash.
IDEMPOTENCY_KEY_PATTERN = r"[A-Za-z0-9+/=_.:-]{1,128}"
IDEMPOTENCY_KEY = "Idempotency-Key"  # the header it comes in, and what errors call it
MAX_SEATS_PER_BOOKING = 9


@dataclass(frozen=True)
class FieldError:
    """One invalid input, named the way the client sent it (``seat_num``, ``count``)."""

    field: str
    message: str


class InvalidInput(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _string_check(pattern: str, message: str) -> Callable[[str, object, list[FieldError]], str]:
    """A check of one string field: it returns the value as given, recording an error when the
    value is no string (then it returns "") or does not match PATTERN (then MESSAGE)."""
    matches = re.compile(pattern).fullmatch

    def check(field: str, value: object, errors: list[FieldError]) -> str:
        if not isinstance(value, str):
            errors.append(FieldError(field, _missing_or_type(value, "a string")))
            return ""
        if not matches(value):
            errors.append(FieldError(field, message))
        return value

    return check


check_id = _string_check(ID_PATTERN, "must be 1-64 characters from A-Z, a-z, 0-9, _ and -")
check_seat = _string_check(SEAT_PATTERN, "must be a row 1-99 followed by a letter A-K, e.g. 12C")
check_booking_id = _string_check(
    BOOKING_ID_PATTERN, "must be a booking id: 26 characters from 0-9 and A-Z but I L O U"
)
# A page's next_cursor: opaque to clients, the last booking id of the page here.
check_cursor = _string_check(BOOKING_ID_PATTERN, "must be a next_cursor from an earlier page")
check_idempotency_key = _string_check(
    IDEMPOTENCY_KEY_PATTERN, "must be 1-128 characters from A-Z, a-z, 0-9 and + / = _ . : -"
)


def check_seats(field: str, value: object, errors: list[FieldError]) -> tuple[str, ...]:
    """1-9 seat numbers, none twice; each bad one is named by its index (``seats.1``)."""
    if not isinstance(value, list):
        errors.append(FieldError(field, _missing_or_type(value, "an array of seat numbers")))
        return ()
    if not 1 <= len(value) <= MAX_SEATS_PER_BOOKING:
        errors.append(FieldError(field, f"must list 1 to {MAX_SEATS_PER_BOOKING} seats"))
    seats = tuple(check_seat(f"{field}.{i}", seat, errors) for i, seat in enumerate(value))
    first_index: dict[str, int] = {}
    for index, seat in enumerate(seats):
        first = first_index.setdefault(seat, index)
        if seat and first != index:
            errors.append(FieldError(f"{field}.{index}", f"repeats {field}.{first}"))
    return seats


def _missing_or_type(value: object, expected: str) -> str:
    return "is required" if value is None else f"must be {expected}"


def _unknown(fields: Mapping[str, object], known: frozenset[str]) -> list[FieldError]:
    """Unknown fields are refused rather than ignored: a misspelt ``seat_number`` must not
    turn into "seat_num is required" for a client that thinks it sent one."""
    return [FieldError(name, "is not a known field") for name in fields if name not in known]


@dataclass(frozen=True)
class Reservation:
    """A customer holding (or asking for) one seat on one flight."""

    flight_id: str
    seat_num: str
    customer_id: str

    @classmethod
    def parse(cls, fields: Mapping[str, object]) -> Reservation:
        """Validate raw input, reporting every bad, missing or unknown field at once."""
        errors = _unknown(fields, _FIELDS)
        reservation = cls(
            check_id("flight_id", fields.get("flight_id"), errors),
            check_seat("seat_num", fields.get("seat_num"), errors),
            check_id("customer_id", fields.get("customer_id"), errors),
        )
        if errors:
            raise InvalidInput(errors)
        return reservation


_FIELDS = frozenset(("flight_id", "seat_num", "customer_id"))


class Reserved(Enum):
    """What reserving a seat did."""

    NEWLY = "newly"  # the seat was free and is now the customer's
    ALREADY = "already"  # the customer held it already: nothing changed
    TAKEN = "taken"  # another customer holds it: nothing changed


class Released(Enum):
    """What releasing a seat did."""

    RELEASED = "released"  # the customer held it and it is free now
    NOT_HELD = "not_held"  # nobody held it
    HELD_BY_OTHER = "held_by_other"  # another customer holds it: nothing changed


@dataclass(frozen=True)
class BookingRequest:
    """A customer asking for seats of one flight, maybe with the client's idempotency key."""

    flight_id: str
    customer_id: str
    seats: tuple[str, ...]
    idempotency_key: str | None = None

    @classmethod
    def parse(
        cls, fields: Mapping[str, object], idempotency_key: str | None = None
    ) -> BookingRequest:
        """Validate the body's fields and the key, reporting every bad, missing or unknown
        one at once."""
        errors = _unknown(fields, _BOOKING_FIELDS)
        request = cls(
            check_id("flight_id", fields.get("flight_id"), errors),
            check_id("customer_id", fields.get("customer_id"), errors),
            check_seats("seats", fields.get("seats"), errors),
            None
            if idempotency_key is None
            else check_idempotency_key(IDEMPOTENCY_KEY, idempotency_key, errors),
        )
        if errors:
            raise InvalidInput(errors)
        return request


_BOOKING_FIELDS = frozenset(("flight_id", "customer_id", "seats"))


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Booking:
    """A booking as it is now. ``seats``: those it holds while confirmed, those it held when
    it was cancelled. Times are ISO 8601 UTC from Redis' clock, see ``utc_time``."""

    id: str
    flight_id: str
    customer_id: str
    seats: tuple[str, ...]
    status: BookingStatus
    created_at: str
    cancelled_at: str | None = None


@dataclass(frozen=True)
class Booked:
    """The seats were all free and are now the booking's; or, ``replayed``, the customer made
    this very request with this key before and nothing was done (the booking as it is now)."""

    booking: Booking
    replayed: bool = False


@dataclass(frozen=True)
class SeatsHeld:
    """Nothing was booked: these requested seats are held, by anyone (this customer too, in
    another booking)."""

    seats: tuple[str, ...]


@dataclass(frozen=True)
class KeyReused:
    """Nothing was booked: the customer used this idempotency key for a different request."""


# What booking seats did; each outcome carries what the client is told.
BookingOutcome = Booked | SeatsHeld | KeyReused


class Cancelled(Enum):
    """What cancelling a booking did."""

    NEWLY = "cancelled"  # its seats are free now
    ALREADY = "already_cancelled"  # nothing changed: a retry after a lost answer is safe
    NOT_FOUND = "not_found"
    OTHER_CUSTOMER = "other_customer"  # it is another customer's: nothing changed


class EventType(StrEnum):
    SEAT_RESERVED = "SeatReserved"
    SEAT_RELEASED = "SeatReleased"


@dataclass(frozen=True)
class Event:
    """One entry of the event log. ``id`` orders the log; ``time`` is ISO 8601 UTC, see
    ``time_of``."""

    id: str
    type: EventType
    time: str
    flight_id: str
    seat_num: str
    customer_id: str


# Event ids are Redis stream ids, "<milliseconds>-<sequence>", each part an unsigned 64-bit
# integer. "0" (or "0-0") means "from the beginning".
_EVENT_ID = re.compile(r"(0|[1-9][0-9]{0,19})(?:-(0|[1-9][0-9]{0,19}))?")
_U64_MAX = 2**64 - 1
START = "0-0"


def check_event_id(field: str, value: str, errors: list[FieldError]) -> str:
    """Normalise a cursor to "<ms>-<seq>" (a bare "<ms>" means "<ms>-0")."""
    match = _EVENT_ID.fullmatch(value)
    if match is None or int(match[1]) > _U64_MAX or int(match[2] or 0) > _U64_MAX:
        errors.append(FieldError(field, 'must be an event id like "1714564800123-0", or "0"'))
        return START
    return f"{int(match[1])}-{int(match[2] or 0)}"


def time_of(event_id: str) -> str:
    """When the event happened: its id's milliseconds, stamped by Redis' clock when the
    event was appended."""
    return utc_time(int(event_id.partition("-")[0]))


def utc_time(milliseconds: int) -> str:
    """Milliseconds since the epoch as ISO 8601 UTC, e.g. "2026-11-27T11:00:00.123Z"."""
    moment = datetime.fromtimestamp(milliseconds // 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{milliseconds % 1000:03d}Z"


def is_last_possible_event_id(event_id: str) -> bool:
    """Nothing can come after this id (Redis refuses to read after it)."""
    return event_id == f"{_U64_MAX}-{_U64_MAX}"


MAX_EVENTS_PER_PAGE = 1000
DEFAULT_EVENTS_PER_PAGE = 100
MAX_BOOKINGS_PER_PAGE = 100
DEFAULT_BOOKINGS_PER_PAGE = 20
_COUNT = re.compile(r"[0-9]{1,4}")  # ASCII only: str.isdigit() also takes "²", which int() refuses


def check_count(field: str, value: str | None, errors: list[FieldError]) -> int:
    """How many events a page holds."""
    return _page_size(field, value, errors, DEFAULT_EVENTS_PER_PAGE, MAX_EVENTS_PER_PAGE)


def check_limit(field: str, value: str | None, errors: list[FieldError]) -> int:
    """How many bookings a page holds."""
    return _page_size(field, value, errors, DEFAULT_BOOKINGS_PER_PAGE, MAX_BOOKINGS_PER_PAGE)


def _page_size(
    field: str, value: str | None, errors: list[FieldError], default: int, maximum: int
) -> int:
    if value is None:
        return default
    if not _COUNT.fullmatch(value) or not 1 <= int(value) <= maximum:
        errors.append(FieldError(field, f"must be an integer from 1 to {maximum}"))
        return default
    return int(value)
