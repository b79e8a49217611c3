"""The seat map as the flights service publishes it (cabins → rows → seats), validated on
arrival so that a malformed answer is caught at the edge, not half-way through a booking."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict

CabinClass = Literal["first", "business", "premium_economy", "economy"]
Position = Literal["window", "aisle", "middle"]

# Row number and seat letter. Looser than any one service's rule on purpose: whether a seat
# exists is decided by the seat map, not by its spelling.
SEAT_PATTERN = r"[1-9][0-9]{0,2}[A-Z]"
_SEAT = re.compile(r"([1-9][0-9]{0,2})([A-Z])")


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


def seat_order(seat: str) -> tuple[int, str]:
    """Front to back, then left to right: ``9A`` before ``10A`` before ``10B``."""
    match = _SEAT.fullmatch(seat)
    return (int(match[1]), match[2]) if match else (10**6, seat)
