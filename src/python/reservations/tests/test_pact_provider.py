"""Provider verification: every pact in contracts/ whose provider is ``reservations``,
replayed against the real service (the app served by werkzeug on 127.0.0.1, on a real
Redis) with provider states written through the service's own store.

The provider states (contracts/README.md) are served by ``provider_states.serve``, like the
flights service's, so that both verifications work alike.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import provider_states
from verification import verify
from werkzeug.serving import make_server

from reservations.app import create_app
from reservations.model import Reservation, Reserved
from reservations.settings import Settings
from reservations.store import RedisStore

PROVIDER = "reservations"


class ReservationStates:
    """The reservations provider states, written to Redis through the service's store."""

    def __init__(self, store: RedisStore) -> None:
        self.store = store

    def handlers(self) -> dict[str, provider_states.Handler]:
        return {
            "a seat is free": self.seat_is_free,
            "a seat is held by a customer": self.seat_is_held,
        }

    def seat_is_free(self, action: str, params: Mapping[str, Any]) -> None:
        if action == "setup":
            self._free(str(params["flight_id"]), str(params["seat_num"]))

    def seat_is_held(self, action: str, params: Mapping[str, Any]) -> None:
        """The customer holds the seat (any other holder's reservation released first);
        teardown releases it again if the interaction left it held."""
        flight_id, seat_num = str(params["flight_id"]), str(params["seat_num"])
        if action == "setup":
            self._free(flight_id, seat_num)
            reservation = Reservation(flight_id, seat_num, str(params["customer_id"]))
            outcome = self.store.reserve(reservation)
            if outcome is not Reserved.NEWLY:
                raise RuntimeError(f"reserving {reservation} after freeing it: {outcome}")
        else:
            self._free(flight_id, seat_num)

    def _free(self, flight_id: str, seat_num: str) -> None:
        holder = self.store.holders(flight_id).get(seat_num)
        if holder is not None:
            self.store.release(Reservation(flight_id, seat_num, holder))


def test_reservations_honours_every_pact(store: RedisStore, redis_url: str) -> None:
    # The app builds its own store from settings, as in production; the states use another
    # store on the same (empty) Redis db.
    with serving(create_app(Settings(redis_url=redis_url, host="127.0.0.1"))) as service_url:
        verify(PROVIDER, service_url, ReservationStates(store).handlers())


# --- verification ---------------------------------------------------------------------------


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app's base URL while werkzeug's threaded server serves it on 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
