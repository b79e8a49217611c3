"""Provider verification: every pact in contracts/ whose provider is ``reservations``,
replayed against the real service (the app served by werkzeug on 127.0.0.1, on a real
Redis) with provider states written through the service's own store.

The provider states (contracts/README.md) are served by ``provider_states.serve``, like the
flights service's, so that both verifications work alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import provider_states
import redis
from verification import verify

from reservations.app import create_app
from reservations.model import Booked, BookingRequest, Reservation, Reserved
from reservations.settings import Settings
from reservations.store import RedisStore
from testsupport.serving import serving_wsgi

PROVIDER = "reservations"

# A provider state's setup: its params in, the values for Pact to inject out.
Setup = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]


class ReservationStates:
    """The reservations provider states, written to Redis through the service's store.

    Teardown empties the db (``client``: a plain Redis client on it), so that no interaction
    sees what an earlier one left: several send the same Idempotency-Key, and the store has
    no way to forget a key."""

    def __init__(self, store: RedisStore, client: redis.Redis) -> None:
        self.store = store
        self.client = client

    def handlers(self) -> dict[str, provider_states.Handler]:
        setups: dict[str, Setup] = {
            "a seat is free": self.seat_is_free,
            "a seat is held by a customer": self.seat_is_held,
            "seats are free": self.seats_are_free,
            "a booking exists": self.booking_exists,
            "a booking was made with a key": self.booking_exists,
            "no booking has this id": lambda params: None,  # made-up ids are unknown
        }
        return {name: self._torn_down_by_emptying(setup) for name, setup in setups.items()}

    def _torn_down_by_emptying(self, setup: Setup) -> provider_states.Handler:
        def handle(action: str, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
            if action == "setup":
                return setup(params)
            self.client.flushdb()
            return None

        return handle

    def seat_is_free(self, params: Mapping[str, Any]) -> None:
        self._free(str(params["flight_id"]), str(params["seat_num"]))

    def seats_are_free(self, params: Mapping[str, Any]) -> None:
        for seat_num in params["seats"]:
            self._free(str(params["flight_id"]), str(seat_num))

    def seat_is_held(self, params: Mapping[str, Any]) -> None:
        """The customer holds the seat (any other holder's reservation released first)."""
        flight_id, seat_num = str(params["flight_id"]), str(params["seat_num"])
        self._free(flight_id, seat_num)
        reservation = Reservation(flight_id, seat_num, str(params["customer_id"]))
        outcome = self.store.reserve(reservation)
        if outcome is not Reserved.NEWLY:
            raise RuntimeError(f"reserving {reservation} after freeing it: {outcome}")

    def booking_exists(self, params: Mapping[str, Any]) -> dict[str, str]:
        """A confirmed booking of exactly these seats (freed first) for the customer, made
        with the state's idempotency key if it names one; its id is for Pact to inject."""
        flight_id, seats = str(params["flight_id"]), tuple(map(str, params["seats"]))
        self.seats_are_free(params)
        key = params.get("idempotency_key")
        outcome = self.store.book(BookingRequest(flight_id, str(params["customer_id"]), seats, key))
        if not isinstance(outcome, Booked) or outcome.replayed:
            raise RuntimeError(f"booking {seats} after freeing them: {outcome}")
        return {"booking_id": outcome.booking.id}

    def _free(self, flight_id: str, seat_num: str) -> None:
        holder = self.store.holders(flight_id).get(seat_num)
        if holder is not None:
            self.store.release(Reservation(flight_id, seat_num, holder))


def test_reservations_honours_every_pact(store: RedisStore, redis_url: str) -> None:
    # The app builds its own store from settings, as in production; the states use another
    # store on the same (empty) Redis db.
    app = create_app(Settings(redis_url=redis_url, host="127.0.0.1"))
    with redis.Redis.from_url(redis_url) as client, serving_wsgi(app) as service_url:
        verify(PROVIDER, service_url, ReservationStates(store, client).handlers())

