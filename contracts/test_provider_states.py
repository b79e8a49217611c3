"""The provider-state endpoint: values a handler returns reach the request Pact sends."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import provider_states
import pytest
from pact import Pact, Verifier, generate, match
from pact.match.matcher import GenericMatcher

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
ETAG = '"current"'


class Conditional(BaseHTTPRequestHandler):
    """A provider answering 304 only to the ETag only it knows."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.send_response(304 if self.headers.get("If-None-Match") == ETAG else 200)
        self.send_header("ETag", ETAG)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture()
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Conditional)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def write_pact(directory: Path) -> Path:
    pact = Pact("consumer", "provider").with_specification("V4")
    injected = GenericMatcher(
        "regex", '"old"', regex='^".+"$', generator=generate.provider_state("${etag}")
    )
    (
        pact.upon_receiving("a conditional request")
        .given("a thing exists", {"id": 1})
        .with_request("GET", "/thing")
        .with_header("If-None-Match", injected)
        .will_respond_with(304)
        .with_header("ETag", match.regex(ETAG, regex='^".+"$'))
    )
    with pact.serve(addr="127.0.0.1") as server:
        httpx.get(f"{server.url}/thing", headers={"If-None-Match": '"old"'})
    pact.write_file(directory)
    return directory / "consumer-provider.json"


def test_a_value_returned_by_the_state_handler_is_injected(provider: str, tmp_path: Path) -> None:
    pact_file = write_pact(tmp_path)
    calls: list[tuple[str, Mapping[str, Any]]] = []

    def thing_exists(action: str, params: Mapping[str, Any]) -> dict[str, str]:
        calls.append((action, params))
        return {"etag": ETAG}

    handlers = {"a thing exists": thing_exists}
    assert provider_states.missing_handlers([pact_file], handlers) == set()
    with provider_states.serve(handlers) as states:
        verifier = (
            Verifier("provider", host="127.0.0.1")
            .add_transport(url=provider)
            .add_source(pact_file)
            .state_handler(states, teardown=True, body=True)
        )
        verifier.verify()  # raises on a mismatch: a 200 to the example ETag would be one
    assert calls == [("setup", {"id": 1}), ("teardown", {"id": 1})]


def test_interactions_without_a_state_need_no_handler(provider: str, tmp_path: Path) -> None:
    pact = Pact("consumer", "provider").with_specification("V4")
    pact.upon_receiving("a plain request").with_request("GET", "/thing").will_respond_with(200)
    with pact.serve(addr="127.0.0.1") as server:
        httpx.get(f"{server.url}/thing")
    pact.write_file(tmp_path)
    with provider_states.serve({}) as states:
        verifier = (
            Verifier("provider", host="127.0.0.1")
            .add_transport(url=provider)
            .add_source(tmp_path / "consumer-provider.json")
            .state_handler(states, teardown=True, body=True)
        )
        verifier.verify()


def test_missing_handlers_are_named(tmp_path: Path) -> None:
    pact_file = tmp_path / "pact.json"
    interactions = [{"providerStates": [{"name": "a"}, {"name": "b"}]}, {}]
    pact_file.write_text(json.dumps({"interactions": interactions}))
    assert provider_states.missing_handlers([pact_file], {"a": lambda *_: None}) == {"b"}
