"""Seat reservations: the rules, with no Flask or Redis in sight.

A seat is held by at most one customer. Reserving a free seat takes it; reserving a seat the
same customer already holds is a safe retry; a seat someone else holds is taken. Only the
holder may release a seat. Every change is recorded as an event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, StrEnum

# Rows 1-99, seat letters A-K. The letter I is accepted: which seats exist is the seat map's
# business (the flights service), so this service checks only the shape of a seat number.
# Upper case only, so "12c" and "12C" can never become two holders of one seat.
SEAT_PATTERN = r"[1-9][0-9]?[A-K]"
# Ids end up in Redis keys, log lines and URLs: a bounded set with no separators or spaces.
ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"

_is_seat = re.compile(SEAT_PATTERN).fullmatch
_is_id = re.compile(ID_PATTERN).fullmatch


@dataclass(frozen=True)
class FieldError:
    """One invalid input, named the way the client sent it (``seat_num``, ``count``)."""

    field: str
    message: str


class InvalidInput(ValueError):  # noqa: N818 - a condition, like chassis.DependencyUnavailable
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def check_id(field: str, value: object, errors: list[FieldError]) -> str:
    if not isinstance(value, str):
        errors.append(FieldError(field, _missing_or_type(value, "a string")))
        return ""
    if not _is_id(value):
        errors.append(FieldError(field, "must be 1-64 characters from A-Z, a-z, 0-9, _ and -"))
    return value


def check_seat(field: str, value: object, errors: list[FieldError]) -> str:
    if not isinstance(value, str):
        errors.append(FieldError(field, _missing_or_type(value, "a string")))
        return ""
    if not _is_seat(value):
        errors.append(FieldError(field, "must be a row 1-99 followed by a letter A-K, e.g. 12C"))
    return value


def _missing_or_type(value: object, expected: str) -> str:
    return "is required" if value is None else f"must be {expected}"


@dataclass(frozen=True)
class Reservation:
    """A customer holding (or asking for) one seat on one flight."""

    flight_id: str
    seat_num: str
    customer_id: str

    @classmethod
    def parse(cls, fields: Mapping[str, object]) -> Reservation:
        """Validate raw input, reporting every bad, missing or unknown field at once.

        Unknown fields are refused rather than ignored: a misspelt ``seat_number`` must not
        turn into "seat_num is required" for a client that thinks it sent one."""
        errors = [
            FieldError(name, "is not a known field") for name in fields if name not in _FIELDS
        ]
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
    event was appended, as ISO 8601 UTC (e.g. "2026-11-27T11:00:00.123Z")."""
    milliseconds = int(event_id.partition("-")[0])
    moment = datetime.fromtimestamp(milliseconds // 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{milliseconds % 1000:03d}Z"


def is_last_possible_event_id(event_id: str) -> bool:
    """Nothing can come after this id (Redis refuses to read after it)."""
    return event_id == f"{_U64_MAX}-{_U64_MAX}"


MAX_EVENTS_PER_PAGE = 1000
DEFAULT_EVENTS_PER_PAGE = 100
_COUNT = re.compile(r"[0-9]{1,4}")  # ASCII only: str.isdigit() also takes "²", which int() refuses


def check_count(field: str, value: str | None, errors: list[FieldError]) -> int:
    if value is None:
        return DEFAULT_EVENTS_PER_PAGE
    if not _COUNT.fullmatch(value) or not 1 <= int(value) <= MAX_EVENTS_PER_PAGE:
        errors.append(FieldError(field, f"must be an integer from 1 to {MAX_EVENTS_PER_PAGE}"))
        return DEFAULT_EVENTS_PER_PAGE
    return int(value)
