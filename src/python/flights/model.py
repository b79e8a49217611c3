"""Flights and seat maps: the domain, free of frameworks and storage.

A seat map belongs to an aircraft configuration (a layout an airline fits to a type), not to
a flight: many flights share one configuration, so seat maps are stored once per configuration
as a JSON document and flights point at it. ``CabinLayout`` is the compact, human-written form
of a cabin; ``build_seat_map`` expands it into rows and seats with their characteristics.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

# Two-character airline designator (IATA allows digits, e.g. "9W"), 1-4 digit number,
# optional operational suffix letter.
FLIGHT_NO_PATTERN = r"^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$"
AIRPORT_CODE_PATTERN = r"^[A-Z]{3}$"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

_is_flight_no = re.compile(FLIGHT_NO_PATTERN).fullmatch
_is_airport_code = re.compile(AIRPORT_CODE_PATTERN).fullmatch


class InvalidInputError(ValueError):
    """Input that breaks a domain rule; ``field`` names it for the caller."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; naive datetimes are refused, never guessed."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a time zone")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Flight:
    """A scheduled departure. ``departure_date`` is the UTC date of ``departure_time``."""

    id: int
    flight_no: str
    origin: str
    destination: str
    departure_time: datetime
    arrival_time: datetime
    aircraft_type: str
    configuration_id: int

    @property
    def departure_date(self) -> date:
        return self.departure_time.date()


# --- seat maps ---------------------------------------------------------------------------


class CabinClass(StrEnum):
    FIRST = "first"
    BUSINESS = "business"
    PREMIUM_ECONOMY = "premium_economy"
    ECONOMY = "economy"


class Position(StrEnum):
    WINDOW = "window"
    AISLE = "aisle"
    MIDDLE = "middle"


@dataclass(frozen=True)
class Seat:
    number: str
    column: str
    position: Position
    cabin_class: CabinClass
    exit_row: bool
    extra_legroom: bool


@dataclass(frozen=True)
class Row:
    number: int
    exit_row: bool
    seats: tuple[Seat, ...]


@dataclass(frozen=True)
class Cabin:
    cabin_class: CabinClass
    columns: tuple[str, ...]
    aisles_after: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class SeatMap:
    aircraft_type: str
    configuration: str
    cabins: tuple[Cabin, ...]

    @property
    def seat_count(self) -> int:
        return sum(len(row.seats) for cabin in self.cabins for row in cabin.rows)

    def seat(self, number: str) -> Seat | None:
        for cabin in self.cabins:
            for row in cabin.rows:
                for seat in row.seats:
                    if seat.number == number:
                        return seat
        return None

    def to_document(self) -> dict[str, Any]:
        """The JSON document stored per configuration and served (unchanged) to clients."""
        return {
            "aircraft_type": self.aircraft_type,
            "configuration": self.configuration,
            "cabins": [
                {
                    "cabin_class": cabin.cabin_class.value,
                    "columns": list(cabin.columns),
                    "aisles_after": list(cabin.aisles_after),
                    "rows": [
                        {
                            "number": row.number,
                            "exit_row": row.exit_row,
                            "seats": [
                                {
                                    "number": seat.number,
                                    "column": seat.column,
                                    "position": seat.position.value,
                                    "cabin_class": seat.cabin_class.value,
                                    "exit_row": seat.exit_row,
                                    "extra_legroom": seat.extra_legroom,
                                }
                                for seat in row.seats
                            ],
                        }
                        for row in cabin.rows
                    ],
                }
                for cabin in self.cabins
            ],
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SeatMap:
        return cls(
            aircraft_type=document["aircraft_type"],
            configuration=document["configuration"],
            cabins=tuple(
                Cabin(
                    cabin_class=CabinClass(cabin["cabin_class"]),
                    columns=tuple(cabin["columns"]),
                    aisles_after=tuple(cabin["aisles_after"]),
                    rows=tuple(
                        Row(
                            number=row["number"],
                            exit_row=row["exit_row"],
                            seats=tuple(
                                Seat(
                                    number=seat["number"],
                                    column=seat["column"],
                                    position=Position(seat["position"]),
                                    cabin_class=CabinClass(seat["cabin_class"]),
                                    exit_row=seat["exit_row"],
                                    extra_legroom=seat["extra_legroom"],
                                )
                                for seat in row["seats"]
                            ),
                        )
                        for row in cabin["rows"]
                    ),
                )
                for cabin in document["cabins"]
            ),
        )

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON: equal documents hash equal whatever the key order."""
        canonical = json.dumps(self.to_document(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class CabinLayout:
    """One cabin as a seat plan reads: ``layout="ABC DEF"`` is 3-3 with the aisle between C
    and D. Rows ``first_row..last_row`` minus ``skipped_rows`` (many airlines have no row 13);
    ``missing_seats`` are seats a galley, door or bulkhead takes out (e.g. ``"31A"``)."""

    cabin_class: CabinClass
    first_row: int
    last_row: int
    layout: str
    exit_rows: frozenset[int] = frozenset()
    extra_legroom_rows: frozenset[int] = frozenset()
    skipped_rows: frozenset[int] = frozenset()
    missing_seats: frozenset[str] = frozenset()

    @property
    def row_numbers(self) -> list[int]:
        return [n for n in range(self.first_row, self.last_row + 1) if n not in self.skipped_rows]


@dataclass(frozen=True)
class AircraftLayout:
    configuration: str
    aircraft_type: str
    cabins: tuple[CabinLayout, ...] = field(default_factory=tuple)


def build_seat_map(layout: AircraftLayout) -> SeatMap:
    """Expand a layout into seats. Raises ``ValueError`` for layouts no aircraft could have
    (overlapping cabins, characteristics on rows that do not exist, repeated columns)."""
    if not layout.cabins:
        raise ValueError(f"{layout.configuration}: no cabins")
    previous_last_row = 0
    cabins = []
    for cabin in layout.cabins:
        where = f"{layout.configuration} {cabin.cabin_class.value}"
        if cabin.first_row <= previous_last_row or cabin.last_row < cabin.first_row:
            raise ValueError(
                f"{where}: rows {cabin.first_row}-{cabin.last_row} overlap or run backwards"
            )
        previous_last_row = cabin.last_row
        rows = set(cabin.row_numbers)
        for name, numbers in (
            ("exit", cabin.exit_rows),
            ("extra legroom", cabin.extra_legroom_rows),
        ):
            if not numbers <= rows:
                raise ValueError(
                    f"{where}: {name} rows {sorted(numbers - rows)} are not in the cabin"
                )
        cabins.append(_build_cabin(cabin, where))
    return SeatMap(layout.aircraft_type, layout.configuration, tuple(cabins))


def _build_cabin(cabin: CabinLayout, where: str) -> Cabin:
    groups = cabin.layout.split()
    columns = "".join(groups)
    if (
        not groups
        or len(set(columns)) != len(columns)
        or not columns.isalpha()
        or not columns.isupper()
    ):
        raise ValueError(f"{where}: layout {cabin.layout!r} needs distinct capital letters")
    grid = {f"{number}{column}" for number in cabin.row_numbers for column in columns}
    if not cabin.missing_seats <= grid:
        raise ValueError(
            f"{where}: missing seats {sorted(cabin.missing_seats - grid)} are not in the cabin"
        )
    positions = _positions(groups)
    rows = []
    for number in cabin.row_numbers:
        exit_row = number in cabin.exit_rows
        seats = tuple(
            Seat(
                number=f"{number}{column}",
                column=column,
                position=positions[column],
                cabin_class=cabin.cabin_class,
                exit_row=exit_row,
                extra_legroom=number in cabin.extra_legroom_rows,
            )
            for column in columns
            if f"{number}{column}" not in cabin.missing_seats
        )
        rows.append(Row(number, exit_row, seats))
    return Cabin(
        cabin_class=cabin.cabin_class,
        columns=tuple(columns),
        aisles_after=tuple(group[-1] for group in groups[:-1]),
        rows=tuple(rows),
    )


def _positions(groups: Sequence[str]) -> dict[str, Position]:
    """Outer seats of the outer groups are windows; any other seat next to an aisle is an
    aisle seat (so a lone seat in a middle group, as in 1-2-1 business, is an aisle)."""
    positions: dict[str, Position] = {}
    for index, group in enumerate(groups):
        for offset, column in enumerate(group):
            at_left_edge, at_right_edge = offset == 0, offset == len(group) - 1
            if (index == 0 and at_left_edge) or (index == len(groups) - 1 and at_right_edge):
                positions[column] = Position.WINDOW
            elif (at_left_edge and index > 0) or (at_right_edge and index < len(groups) - 1):
                positions[column] = Position.AISLE
            else:
                positions[column] = Position.MIDDLE
    return positions


# --- search and pagination -----------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the last (departure_time, id) a page ended on."""

    departure_time: datetime
    flight_id: int


@dataclass(frozen=True)
class SearchCriteria:
    flight_no: str | None = None
    departure_date: date | None = None
    origin: str | None = None
    destination: str | None = None
    limit: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if self.flight_no is not None and not _is_flight_no(self.flight_no):
            raise InvalidInputError("flight_no", f"must match {FLIGHT_NO_PATTERN}")
        for name in ("origin", "destination"):
            code = getattr(self, name)
            if code is not None and not _is_airport_code(code):
                raise InvalidInputError(name, "must be a three-letter IATA airport code")
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise InvalidInputError("limit", f"must be between 1 and {MAX_PAGE_SIZE}")

    @property
    def departure_window(self) -> tuple[datetime, datetime] | None:
        """``departure_date`` as a half-open UTC range, which the time indexes can serve."""
        if self.departure_date is None:
            return None
        start = datetime.combine(self.departure_date, time(), UTC)
        return start, start + timedelta(days=1)

    def fingerprint(self) -> str:
        """Identifies the filters (not the page size), so a cursor cannot be replayed against
        a different search and silently skip or repeat flights."""
        filters = [self.flight_no, self.departure_date, self.origin, self.destination]
        digest = hashlib.sha256(repr(filters).encode()).digest()
        return base64.urlsafe_b64encode(digest[:6]).decode()


@dataclass(frozen=True)
class Page:
    items: tuple[Flight, ...]
    next_cursor: str | None


def encode_cursor(last: Flight, criteria: SearchCriteria) -> str:
    payload = {
        "t": int(last.departure_time.timestamp()),
        "i": last.id,
        "q": criteria.fingerprint(),
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(token: str, criteria: SearchCriteria) -> Cursor:
    """Raises ``InvalidInputError`` naming ``cursor`` for anything this service did not issue for
    the same filters."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        seconds, flight_id, fingerprint = payload["t"], payload["i"], payload["q"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise InvalidInputError("cursor", "is not a cursor this service issued") from exc
    if not (isinstance(seconds, int) and isinstance(flight_id, int) and flight_id > 0):
        raise InvalidInputError("cursor", "is not a cursor this service issued")
    if fingerprint != criteria.fingerprint():
        raise InvalidInputError("cursor", "belongs to a search with different filters")
    try:
        departure_time = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidInputError("cursor", "is not a cursor this service issued") from exc
    return Cursor(departure_time, flight_id)


def paginate(fetched: Sequence[Flight], criteria: SearchCriteria) -> Page:
    """``fetched`` is up to ``limit + 1`` flights in keyset order; the extra one only tells
    that another page exists."""
    items = tuple(fetched[: criteria.limit])
    more = len(fetched) > criteria.limit
    return Page(items, encode_cursor(items[-1], criteria) if more else None)
