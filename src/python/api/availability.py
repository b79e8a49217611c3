"""Seat availability: the flight's seat map with ``available`` on every seat.

Who holds a seat is the reservations service's business and one customer's private data,
so the merge keeps only *whether* a seat is held. Holds on seats the map does not have (a
changed aircraft configuration) are ignored: they cannot be booked or shown anyway.
"""

from __future__ import annotations

from collections.abc import Container

from api.concurrency import both
from api.ports import Reservations, SeatMaps
from api.seatmap import SeatMap


def with_availability(flight_id: int, seat_map: SeatMap, held: Container[str]) -> bytes:
    """The response document, as JSON: the seat map's own fields plus ``flight_id`` and,
    per seat, ``available``."""
    return seat_map.availability_template.render(flight_id, held)


async def seat_availability(
    flight_id: int, seat_maps: SeatMaps, reservations: Reservations
) -> bytes:
    """Both upstream reads at once; raises FlightNotFound or UpstreamError."""
    seat_map, holders = await both(seat_maps.seat_map(flight_id), reservations.holders(flight_id))
    return with_availability(flight_id, seat_map, holders.keys())
