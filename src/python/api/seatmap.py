"""The seat map as the flights service publishes it (cabins → rows → seats), validated on
arrival so that a malformed answer is caught at the edge, not half-way through a booking."""

from __future__ import annotations

import json
from collections.abc import Container
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict

CabinClass = Literal["first", "business", "premium_economy", "economy"]
Position = Literal["window", "aisle", "middle"]

# Row number and seat letter. Looser than any one service's rule on purpose: whether a seat
# exists is decided by the seat map, not by its spelling.
SEAT_PATTERN = r"[1-9][0-9]{0,2}[A-Z]"


class _Frozen(BaseModel):
    # Fields the flights service adds later are ignored, so it can evolve without us.
    model_config = ConfigDict(frozen=True, extra="ignore")


class Seat(_Frozen):
    number: str
    column: str
    position: Position
    cabin_class: CabinClass
    exit_row: bool
    extra_legroom: bool


class Row(_Frozen):
    number: int
    exit_row: bool
    seats: tuple[Seat, ...]


class Cabin(_Frozen):
    cabin_class: CabinClass
    columns: tuple[str, ...]
    aisles_after: tuple[str, ...]
    rows: tuple[Row, ...]


class SeatMap(_Frozen):
    aircraft_type: str
    configuration: str
    cabins: tuple[Cabin, ...]

    @cached_property
    def seat_numbers(self) -> frozenset[str]:
        return frozenset(
            seat.number for cabin in self.cabins for row in cabin.rows for seat in row.seats
        )

    @cached_property
    def availability_template(self) -> AvailabilityTemplate:
        """This seat map's availability document, encoded once (cached seat maps are shared
        by every flight with the same ETag): encoding a wide-body's 262 seats per request
        was about a sixth of the API layer's CPU."""
        return AvailabilityTemplate(self)


# Stands for a seat's ``available`` while the template is encoded; no seat map has it.
_SLOT = "\x00available\x00"


class AvailabilityTemplate:
    """The JSON document ``{"flight_id": ..., <the seat map's fields>}`` with
    ``"available": true|false`` on every seat, encoded once and completed per request by
    joining bytes: ``render`` gives what ``json.dumps`` of the whole document would."""

    def __init__(self, seat_map: SeatMap) -> None:
        document = seat_map.model_dump()  # fields in declaration order
        seats = [
            seat for cabin in document["cabins"] for row in cabin["rows"] for seat in row["seats"]
        ]
        for seat in seats:
            seat["available"] = _SLOT
        encoded = json.dumps(document, separators=(",", ":")).encode()
        *pieces, self._tail = encoded.removeprefix(b"{").split(json.dumps(_SLOT).encode())
        # Per seat, in document order: its number and the bytes up to its value, completed.
        self._slots = tuple(
            (seat["number"], piece + b"true", piece + b"false")
            for seat, piece in zip(seats, pieces, strict=True)
        )

    def render(self, flight_id: int, held: Container[str]) -> bytes:
        parts = [b'{"flight_id":%d,' % flight_id]
        parts += [taken if number in held else free for number, free, taken in self._slots]
        parts.append(self._tail)
        return b"".join(parts)
