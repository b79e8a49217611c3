"""Booking seats: check them against the seat map, then one reservations command.

The reservations service takes all requested seats of a booking in one atomic step, or none
(docs/adr/0014), so nothing is ever half-booked and nothing here has to be undone: this
process keeps no state about a booking in progress, and any replica can die at any moment.
A client that got no answer retries with the same ``Idempotency-Key`` and gets the booking
that was made, or makes it now.

Only the flights service knows which seats exist, and the reservations service never asks
it (the services never call each other), so that check is made here first, on the cached
seat map (docs/adr/0013).
"""

from __future__ import annotations

import uuid

from api.model import Booked, BookingRequest, SeatsNotOnSeatMap
from api.ports import Reservations, SeatMaps


async def book(request: BookingRequest, seat_maps: SeatMaps, reservations: Reservations) -> Booked:
    """Raises FlightNotFound, SeatsNotOnSeatMap, SeatsUnavailable or UpstreamError; on any
    of them nothing was booked, except that an UpstreamError leaves the outcome unknown
    until the same request is repeated with the same key."""
    seat_map = await seat_maps.seat_map(request.flight_id)
    unknown = [seat for seat in request.seats if seat not in seat_map.seat_numbers]
    if unknown:
        raise SeatsNotOnSeatMap(request.flight_id, unknown)
    # Without a client's key, one of our own still makes retrying the command safe.
    key = request.idempotency_key or uuid.uuid4().hex
    return await reservations.book(request.flight_id, request.customer_id, request.seats, key)
