"""Provider verification: every pact in contracts/ whose provider is ``reservations``,
replayed against the real service (the app served by werkzeug on 127.0.0.1, on a real
Redis) with provider states written through the service's own store.

The provider states (contracts/README.md) are served by ``provider_states.serve``, like the
flights service's, so that both verifications work alike.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import provider_states
import pytest
from pact import Verifier
from werkzeug.serving import make_server

from reservations.app import create_app
from reservations.model import Reservation, Reserved
from reservations.settings import Settings
from reservations.store import RedisStore

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")  # else every verify calls an analytics host

PROVIDER = "reservations"
# The committed pacts (the contracts:pacts dependency in tests/BUILD); the test file sits at
# src/python/reservations/tests/, in the repository and in Pants' sandbox alike.
CONTRACTS = Path(__file__).resolve().parents[4] / "contracts"


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


def pacts_for(provider: str) -> list[Path]:
    pacts = sorted(
        path
        for path in CONTRACTS.glob("*.json")
        if json.loads(path.read_text("utf-8"))["provider"]["name"] == provider
    )
    if not pacts:
        pytest.fail(
            f"no pact for provider {provider!r} in {CONTRACTS}: is contracts:pacts a "
            "dependency of this test (tests/BUILD)?",
            pytrace=False,
        )
    return pacts


def verify(
    provider: str, service_url: str, handlers: Mapping[str, provider_states.Handler]
) -> None:
    """Replay every pact of ``provider`` against ``service_url``; fails the test with Pact's
    report on any mismatch (Pact prints the report either way)."""
    pacts = pacts_for(provider)
    # A state without a handler makes Pact retry its state change for about two minutes.
    unknown = provider_states.missing_handlers(pacts, handlers)
    if unknown:
        pytest.fail(
            f"the pacts for {provider} use provider states this test has no handler for: "
            f"{sorted(unknown)}; add them to the handlers (contracts/README.md says what "
            "each must set up)",
            pytrace=False,
        )
    # A handler that raises would make the endpoint answer 500, and Pact would retry for
    # minutes too: record the error, answer with no values, and fail after the run.
    state_errors: list[str] = []

    def reporting(name: str, handler: provider_states.Handler) -> provider_states.Handler:
        def handle(action: str, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
            try:
                return handler(action, params)
            except Exception as exc:  # noqa: BLE001 - reported with the verification result
                state_errors.append(f"{name!r} {action} {dict(params)}: {exc!r}")
                return None

        return handle

    with provider_states.serve(
        {name: reporting(name, handler) for name, handler in handlers.items()}
    ) as states_url:
        verifier = (
            Verifier(provider, host="127.0.0.1")
            .add_transport(url=service_url)
            .state_handler(states_url, teardown=True, body=True)
            .set_coloured_output(enabled=False)
            .set_error_on_empty_pact(enabled=True)
        )
        for pact in pacts:
            verifier.add_source(pact)
        try:
            verifier.verify()
        except RuntimeError:
            failed = True
        else:
            failed = False
    report = str(verifier.output(strip_ansi=True))
    if state_errors:
        pytest.fail(
            "provider state set-up failed:\n" + "\n".join(state_errors) + "\n\n" + report,
            pytrace=False,
        )
    if failed:
        pytest.fail(f"{provider} does not honour its pacts:\n{report}", pytrace=False)


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
