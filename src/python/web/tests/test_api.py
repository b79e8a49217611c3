"""The API layer client and the issuer client over real HTTP on 127.0.0.1, against a scripted
server: what they send, and which exception each kind of answer becomes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from chassis import requestid
from web.api import Api, ApiError, NotFound, NotSignedIn, SeatsTaken, Unavailable
from web.signin import Attempt, Issuer, SignInFailed


class Script:
    """What the server answers next, and what it was sent."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any]] = []
        self.requests: list[dict[str, Any]] = []


@pytest.fixture()
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.requests.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers),
                 "body": body}
            )
            status, document = script.answers.pop(0)
            payload = document if isinstance(document, bytes) else json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload) if status != 204 else 0))
            self.end_headers()
            if status != 204:
                self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _answer  # noqa: N815 - http.server's names

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


def test_a_booking_sends_the_token_key_body_and_request_id(server: tuple[str, Script]) -> None:
    url, script = server
    booking = {"id": "B1", "flight_id": 7, "seats": ["1A"], "status": "confirmed"}
    script.answers.append((201, booking))
    token = requestid.bind("req-123")
    try:
        assert Api(url).book("tok", 7, ["1A"], "key-9") == booking
    finally:
        requestid.unbind(token)
    sent = script.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/bookings")
    assert sent["headers"]["Authorization"] == "Bearer tok"
    assert sent["headers"]["Idempotency-Key"] == "key-9"
    assert sent["headers"]["X-Request-ID"] == "req-123"
    assert json.loads(sent["body"]) == {"flight_id": 7, "seats": ["1A"]}


def test_search_and_cancel_build_their_urls(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers += [(200, {"items": [], "next_cursor": None}), (204, None)]
    api = Api(url)
    assert api.search("JFK", "LAX", "2026-12-04").items == []
    api.cancel_seat("tok", 7, "12A")
    assert parse_qs(script.requests[0]["path"].split("?")[1]) == {
        "origin": ["JFK"], "destination": ["LAX"], "departure_date": ["2026-12-04"],
        "limit": ["50"]}
    assert script.requests[1]["path"] == "/bookings/7/12A"


@pytest.mark.parametrize(
    ("status", "document", "error"),
    [
        (401, {"status": 401, "detail": "The token has expired"}, NotSignedIn),
        (404, {"status": 404, "detail": "You have no booking with id X"}, NotFound),
        (409, {"status": 409, "detail": "Nothing was booked", "seats": ["1A"]}, SeatsTaken),
        (422, {"status": 422, "detail": "Invalid request fields: seats"}, ApiError),
        (503, {"status": 503, "detail": "Reservations unavailable"}, Unavailable),
        (502, {"status": 502, "detail": "Bad gateway"}, Unavailable),
        (500, b"<html>oops</html>", Unavailable),
        (400, b"not json", Unavailable),
    ],
)
def test_each_refusal_becomes_its_exception(
    server: tuple[str, Script], status: int, document: Any, error: type[ApiError]
) -> None:
    url, script = server
    script.answers.append((status, document))
    with pytest.raises(error) as raised:
        Api(url).seats(7)
    assert type(raised.value) is error
    if status < 500 and isinstance(document, dict):
        assert raised.value.detail == document["detail"]
    if error is SeatsTaken:
        assert raised.value.seats == ["1A"]  # type: ignore[attr-defined]


def test_nobody_listening_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(Unavailable):
        Api(f"http://127.0.0.1:{port}").ping()


def test_the_issuer_is_discovered_once_and_the_code_swapped_with_the_verifier(
    server: tuple[str, Script],
) -> None:
    url, script = server
    discovery = {"authorization_endpoint": f"{url}/authorize", "token_endpoint": f"{url}/token"}
    script.answers += [(200, discovery), (200, {"access_token": "tok-1"})]
    issuer = Issuer(url, "client-1")
    attempt = Attempt.start("/")
    assert issuer.authorization_url(attempt, "http://web/cb").startswith(f"{url}/authorize?")
    assert issuer.exchange(attempt, attempt.state, "code-1", "http://web/cb") == "tok-1"
    assert [r["path"] for r in script.requests] == ["/.well-known/openid-configuration", "/token"]
    form = {k: v[0] for k, v in parse_qs(script.requests[1]["body"].decode()).items()}
    assert form == {"grant_type": "authorization_code", "code": "code-1",
                    "redirect_uri": "http://web/cb", "client_id": "client-1",
                    "code_verifier": attempt.verifier}


def test_a_refused_code_is_a_failed_sign_in_and_a_down_issuer_is_unavailable(
    server: tuple[str, Script],
) -> None:
    url, script = server
    discovery = {"authorization_endpoint": f"{url}/a", "token_endpoint": f"{url}/token"}
    script.answers += [(200, discovery), (400, {"error": "invalid_grant"}), (503, {})]
    issuer = Issuer(url, "client-1")
    attempt = Attempt.start("/")
    with pytest.raises(SignInFailed, match="invalid_grant"):
        issuer.exchange(attempt, attempt.state, "used", "http://web/cb")
    with pytest.raises(Unavailable):
        issuer.exchange(attempt, attempt.state, "code", "http://web/cb")
