"""Seat availability: the flight's seat map with ``available`` on every seat.

Who holds a seat is the reservations service's business and one customer's private data,
so the merge keeps only *whether* a seat is held. Holds on seats the map does not have (a
changed aircraft configuration) are ignored: they cannot be booked or shown anyway.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from api.concurrency import both
from api.ports import Reservations, SeatMaps
from api.seatmap import SeatMap


def with_availability(flight_id: int, seat_map: SeatMap, held: Container[str]) -> dict[str, Any]:
    """The response document: the seat map's own fields plus ``flight_id`` and, per seat,
    ``available``."""
    return {
        "flight_id": flight_id,
        "aircraft_type": seat_map.aircraft_type,
        "configuration": seat_map.configuration,
        "cabins": [
            {
                "cabin_class": cabin.cabin_class,
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
                                "position": seat.position,
                                "cabin_class": seat.cabin_class,
                                "exit_row": seat.exit_row,
                                "extra_legroom": seat.extra_legroom,
                                "available": seat.number not in held,
                            }
                            for seat in row.seats
                        ],
                    }
                    for row in cabin.rows
                ],
            }
            for cabin in seat_map.cabins
        ],
    }


async def seat_availability(
    flight_id: int, seat_maps: SeatMaps, reservations: Reservations
) -> dict[str, Any]:
    """Both upstream reads at once; raises FlightNotFound or UpstreamError."""
    seat_map, holders = await both(seat_maps.seat_map(flight_id), reservations.holders(flight_id))
    return with_availability(flight_id, seat_map, holders.keys())
