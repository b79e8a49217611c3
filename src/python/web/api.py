"""The API layer, as this site uses it: one method per call, answers as plain data, failures as
the exceptions below (the pages turn each into a message; nothing here knows HTML).

urllib3 rather than httpx: a page makes one to three calls, and httpx's sync client costs
several times the CPU per call (the API layer's README measured it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import urllib3

from chassis import current_request_id


class ApiError(Exception):
    """The API layer said no; ``detail`` is its problem's, fit to show."""

    def __init__(self, status: int, detail: str, problem: Mapping[str, Any] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problem = problem or {}


class NotSignedIn(ApiError):
    """401: no token, or one the API layer no longer accepts (expired, new signing key)."""


class NotFound(ApiError):
    pass


class SeatsTaken(ApiError):
    """409: nothing was booked; ``seats`` are the ones someone else holds."""

    @property
    def seats(self) -> list[str]:
        return [str(seat) for seat in self.problem.get("seats", [])]


class Unavailable(ApiError):
    """The API layer cannot be reached, or answers that it or a service behind it is down."""


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


class Api:
    def __init__(self, base_url: str, *, timeout: float = 3.0, pool_size: int = 8) -> None:
        self._base_url = base_url.rstrip("/")
        self._http = urllib3.PoolManager(
            num_pools=1,
            maxsize=pool_size,
            block=False,
            retries=False,  # a page retry is the customer's reload; bookings carry their key
            timeout=urllib3.Timeout(connect=0.5, read=timeout),
        )

    def search(self, origin: str, destination: str, departure_date: str) -> Page:
        query = {"origin": origin, "destination": destination, "departure_date": departure_date}
        return _page(self._call("GET", "/flights?" + urlencode({**query, "limit": 50})))

    def flight(self, flight_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/flights/{flight_id}"))

    def seats(self, flight_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/flights/{flight_id}/seats"))

    def book(
        self, token: str, flight_id: int, seats: list[str], idempotency_key: str
    ) -> dict[str, Any]:
        body = {"flight_id": flight_id, "seats": seats}
        headers = {"Idempotency-Key": idempotency_key}
        return dict(self._call("POST", "/bookings", token=token, body=body, headers=headers))

    def bookings(self, token: str, cursor: str | None = None) -> Page:
        query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        return _page(self._call("GET", "/bookings?" + urlencode(query), token=token))

    def cancel_booking(self, token: str, booking_id: str) -> None:
        self._call("DELETE", f"/bookings/{quote(booking_id, safe='')}", token=token)

    def cancel_seat(self, token: str, flight_id: int, seat: str) -> None:
        self._call("DELETE", f"/bookings/{flight_id}/{quote(seat, safe='')}", token=token)

    def ping(self) -> None:
        self._call("GET", "/ping")

    def _call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        sent = {"Accept": "application/json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if (request_id := current_request_id()) is not None:
            sent["X-Request-ID"] = request_id
        encoded = None
        if body is not None:
            encoded = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            response = self._http.request(
                method, self._base_url + path, body=encoded, headers=sent
            )
        except urllib3.exceptions.HTTPError as exc:
            raise Unavailable(503, "The booking service cannot be reached right now") from exc
        if response.status == 204:
            return None
        try:
            document = json.loads(response.data)
        except ValueError:
            document = None
        if response.status < 300 and document is not None:
            return document
        raise _error(response.status, document)


def _page(document: Any) -> Page:
    return Page(items=list(document["items"]), next_cursor=document.get("next_cursor"))


_ERRORS: dict[int, type[ApiError]] = {401: NotSignedIn, 404: NotFound, 409: SeatsTaken}


def _error(status: int, document: Any) -> ApiError:
    problem = document if isinstance(document, dict) else {}
    detail = problem.get("detail")
    if status >= 500 or not isinstance(detail, str):
        return Unavailable(503, "The booking service is not answering properly right now")
    return _ERRORS.get(status, ApiError)(status, detail, problem)
