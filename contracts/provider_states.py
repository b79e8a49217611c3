"""A provider-state endpoint for verifying the pacts in this directory, whose handlers can
return values for Pact to inject into the request.

pact-python's own handlers (``Verifier.state_handler({name: fn})``) cannot return values,
but one interaction needs a value only the provider knows: the API layer's conditional
seat map request sends the seat map's current ETag, ``${etag}`` from the provider state.
Serve the state handlers with this instead::

    with provider_states.serve({"a flight exists": flight_exists, ...}) as states_url:
        verifier = (
            Verifier("flights", host="127.0.0.1")
            .add_transport(url=service_url)
            .add_source("contracts/api-flights.json")
            .state_handler(states_url, teardown=True, body=True)
        )
        verifier.verify()

A handler is called as ``handler(action, params)`` with ``action`` "setup" or "teardown";
a mapping it returns from setup goes back to Pact as the values to inject. Check the
handlers first (``missing_handlers``): Pact retries a failing state change for minutes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from testsupport.serving import serving

log = logging.getLogger(__name__)

Handler = Callable[[str, Mapping[str, Any]], Mapping[str, Any] | None]


def states_in(pact_files: Iterable[Path]) -> set[str]:
    """Every provider state name the interactions in these pact files use."""
    return {
        state["name"]
        for path in pact_files
        for interaction in json.loads(Path(path).read_text("utf-8"))["interactions"]
        for state in interaction.get("providerStates", [])
    }


def missing_handlers(pact_files: Iterable[Path], handlers: Mapping[str, Handler]) -> set[str]:
    return states_in(pact_files) - handlers.keys()


@contextmanager
def serve(handlers: Mapping[str, Handler]) -> Iterator[str]:
    """The URL of a state change endpoint on 127.0.0.1 while the block runs."""

    class StateChange(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
            length = int(self.headers.get("Content-Length") or 0)
            change = json.loads(self.rfile.read(length) or b"{}")
            name, action = change.get("state"), change.get("action", "setup")
            params = change.get("params") or {}
            handler = handlers.get(name)
            if handler is None and not name:
                # Interactions without a state get a state change with an empty name too.
                self._answer(200, {})
                return
            if handler is None:
                self._answer(500, {"error": f"no handler for provider state {name!r}"})
                return
            try:
                values = handler(action, params)
            except Exception as exc:  # the verifier reports it; the trace goes to the log
                log.exception("provider state %r (%s) failed", name, action)
                self._answer(500, {"error": f"{type(exc).__name__}: {exc}"})
                return
            self._answer(200, dict(values or {}))

        def _answer(self, status: int, body: Mapping[str, Any]) -> None:
            encoded = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("state change: " + format, *args)

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), StateChange)) as url:
        yield f"{url}/"
