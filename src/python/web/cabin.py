"""A flight's cabin as the page draws it: the API layer's seat map with each seat's state for
the customer looking at it, and the words a screen reader says for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
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
    places: tuple[Seat | str | None, ...]

    def html(self, chosen: Iterable[str] = ()) -> str:
        """The row as the cabin page draws it, escaped HTML; ``chosen``: seats to show ticked
        (a form drawn again after a refusal)."""
        mine = frozenset(seat.number for seat in self.seats() if seat.number in chosen)
        return _row_html(self, mine)

    def seats(self) -> Iterable[Seat]:
        return (place for place in self.places if isinstance(place, Seat))


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
                yield from row.seats()

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
        places = tuple(None if letter is None else by_column.get(letter, "") for letter in columns)
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


# A page draws every row of a cabin, up to 60 rows of ten seats: built once per row as it
# looks (its seats' states, which seats are chosen) and reused by every page and flight that
# shows the same row, instead of templating 260 seats per request (10 ms of CPU a page).
_MARK = {"taken": "✕", "mine": "✓"}


@lru_cache(maxsize=16384)
def _row_html(row: Row, chosen: frozenset[str]) -> str:
    exit_row = ", exit row" if row.exit_row else ""
    parts = [
        f'<div class="row{" exit" if row.exit_row else ""}" role="group" '
        f'aria-label="Row {row.number}{exit_row}">'
        f'<span class="rownum" aria-hidden="true">{row.number}</span>'
    ]
    for place in row.places:
        if place is None:
            parts.append('<span class="aisle" aria-hidden="true"></span>')
        elif isinstance(place, Seat):
            parts.append(_seat_html(place, place.number in chosen))
        else:
            parts.append('<span class="gap" aria-hidden="true"></span>')
    if row.exit_row:
        parts.append('<span class="exit-sign" aria-hidden="true">EXIT</span>')
    parts.append("</div>")
    return "".join(parts)


def _seat_html(seat: Seat, chosen: bool) -> str:
    label, number = escape(seat.label), escape(seat.number)
    legroom = " legroom" if seat.extra_legroom else ""
    state = " disabled" if seat.state != "free" else (" checked" if chosen else "")
    mark = _MARK.get(seat.state) or escape(seat.number[-1])
    return (
        f'<label class="seat {seat.state} {escape(seat.position)}{legroom}" title="{label}">'
        f'<input type="checkbox" name="seat" value="{number}" aria-label="{label}"{state}>'
        f'<span class="mark" aria-hidden="true">{mark}</span></label>'
    )
