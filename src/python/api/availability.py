"""Seat availability: the flight's seat map with ``available`` on every seat.

Who holds a seat is the reservations service's business and one customer's private data,
so the merge keeps only *whether* a seat is held. Holds on seats the map does not have (a
changed aircraft configuration) are ignored: they cannot be booked or shown anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Container

from api.ports import Reservations, SeatMaps
from api.seatmap import SeatMap


def with_availability(flight_id: int, seat_map: SeatMap, held: Container[str]) -> bytes:
    """The response document, as JSON: the seat map's own fields plus ``flight_id`` and,
    per seat, ``available``."""
    return seat_map.availability_template.render(flight_id, held)


async def seat_availability(
    flight_id: int, seat_maps: SeatMaps, reservations: Reservations
) -> bytes:
    """Both upstream reads at once; raises FlightNotFound or UpstreamError, the seat map's
    error when both fail (an unknown flight over an outage of reservations).

    The held seats are read in a task of their own while the seat map is awaited here:
    usually the seat map is cached and fresh and comes back without waiting, so the task is
    the one read that waits (a task per read plus ``asyncio.wait`` and ``gather`` cost about
    26 µs of CPU more per request). A failed seat map cancels the
    held seats' read, so an unknown flight does not wait for the reservations service; a
    failed held seats' read is raised once the seat map is there, which is at once unless it
    has to be revalidated."""
    held = asyncio.ensure_future(reservations.holders(flight_id))
    try:
        seat_map = await seat_maps.seat_map(flight_id)
    except BaseException:
        if held.done() and not held.cancelled():
            held.exception()  # retrieved: the seat map's error is the one raised
        held.cancel()
        raise
    return with_availability(flight_id, seat_map, (await held).keys())
