"""A flight's cabin as the page draws it: the API layer's seat map with each seat's state for
the customer looking at it, and the words a screen reader says for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_SEATS = 9  # per booking, as the API layer allows


@dataclass(frozen=True)
class Seat:
    number: str
    position: str  # window, aisle, middle
    state: str  # free, taken, mine
    exit_row: bool
    extra_legroom: bool

    @property
    def label(self) -> str:
        """``Seat 12A, window, exit row, free``: everything the drawing shows, in words."""
        words = [f"Seat {self.number}", self.position]
        if self.exit_row:
            words.append("exit row")
        if self.extra_legroom:
            words.append("extra legroom")
        words.append("yours" if self.state == "mine" else self.state)
        return ", ".join(words)


@dataclass(frozen=True)
class Row:
    number: int
    exit_row: bool
    # Left to right; None where an aisle runs, "" where the row has no seat in that column.
    places: Sequence[Seat | str | None]


@dataclass(frozen=True)
class Section:
    cabin_class: str
    columns: Sequence[str | None]  # the header: letters, None for an aisle
    rows: Sequence[Row]

    @property
    def title(self) -> str:
        return self.cabin_class.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Cabin:
    flight_id: int
    aircraft_type: str
    sections: Sequence[Section]

    def seats(self) -> Iterable[Seat]:
        for section in self.sections:
            for row in section.rows:
                yield from (place for place in row.places if isinstance(place, Seat))

    def count(self, state: str) -> int:
        return sum(1 for seat in self.seats() if seat.state == state)


def cabin(availability: Mapping[str, Any], mine: Iterable[str] = ()) -> Cabin:
    """The API layer's ``GET /flights/{id}/seats`` document, and the seats the customer holds."""
    held = set(mine)
    sections = [_section(block, held) for block in availability["cabins"]]
    return Cabin(availability["flight_id"], availability["aircraft_type"], sections)


def _section(block: Mapping[str, Any], held: set[str]) -> Section:
    aisles_after = set(block["aisles_after"])
    columns: list[str | None] = []
    for letter in block["columns"]:
        columns.append(letter)
        if letter in aisles_after:
            columns.append(None)
    if columns and columns[-1] is None:
        columns.pop()
    rows = []
    for row in block["rows"]:
        by_column = {seat["column"]: _seat(seat, held) for seat in row["seats"]}
        places = [None if letter is None else by_column.get(letter, "") for letter in columns]
        rows.append(Row(row["number"], row["exit_row"], places))
    return Section(block["cabin_class"], columns, rows)


def _seat(seat: Mapping[str, Any], held: set[str]) -> Seat:
    number = seat["number"]
    state = "mine" if number in held else "free" if seat["available"] else "taken"
    return Seat(number, seat["position"], state, seat["exit_row"], seat["extra_legroom"])


def mine(bookings: Iterable[Mapping[str, Any]], flight_id: int) -> set[str]:
    """The seats the customer's confirmed bookings hold on one flight."""
    return {
        seat
        for booking in bookings
        if booking["flight_id"] == flight_id and booking["status"] == "confirmed"
        for seat in booking["seats"]
    }
