"""The reservations service: bookings, releasing a seat, and a flight's held seats.

Its flight ids are strings; the API layer's are the flights service's integers, sent in
decimal. Every request here is retried like a GET: a booking carries an Idempotency-Key,
so a repeated POST returns the booking its first attempt made (200) instead of making
another; a repeated DELETE of a booking answers 204 again, of a seat 404 (ADR 0004, 0014).

Concurrent reads of one flight's held seats share one request, never one that began before
the caller asked (clients/coalescing.py): a busy flight's seat map page costs one request to
the reservations service per round trip, and every answer still shows each booking or
cancellation that had completed when it was asked for.
"""

from __future__ import annotations

from typing import Any

from api.clients.coalescing import CoalescedReads
from api.clients.http import ClientConfig, Reply, ServiceClient, Transport
from api.model import (
    Booked,
    Booking,
    BookingNotFound,
    BookingPage,
    NotYourBooking,
    Released,
    SeatsUnavailable,
)
from chassis import Outcome

SERVICE = "reservations"


class ReservationsClient:
    def __init__(
        self,
        base_url: str,
        config: ClientConfig | None = None,
        *,
        transport: Transport | None = None,
    ) -> None:
        self._client = ServiceClient(SERVICE, base_url, config or ClientConfig(), transport)
        self.holder_reads: CoalescedReads[int, dict[str, str]] = CoalescedReads()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def book(
        self, flight_id: int, customer_id: str, seats: tuple[str, ...], idempotency_key: str
    ) -> Booked:
        response = await self._client.send(
            "POST",
            "/bookings",
            json={"flight_id": str(flight_id), "customer_id": customer_id, "seats": seats},
            headers={"Idempotency-Key": idempotency_key},
            retry=True,
        )
        if response.status in (200, 201):
            return Booked(self._booking(response), replayed=response.status == 200)
        if response.status == 409:
            problem = self._client.json(response)
            held = problem.get("seats") if isinstance(problem, dict) else None
            if not isinstance(held, list) or not all(isinstance(s, str) for s in held):
                raise self._client.bad(response, "a 409 that does not list the seats")
            raise SeatsUnavailable(flight_id, held)
        if response.status == 422:  # the key was used for another booking request
            raise self._client.rejected(response)
        raise self._client.unexpected(response)

    async def booking(self, booking_id: str) -> Booking:
        response = await self._client.send("GET", f"/bookings/{booking_id}", retry=True)
        if response.status == 200:
            return self._booking(response)
        if response.status == 404:
            raise BookingNotFound(booking_id)
        raise self._client.unexpected(response)

    async def bookings(self, customer_id: str, limit: int, cursor: str | None) -> BookingPage:
        params: dict[str, str | int] = {"customer_id": customer_id, "limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = await self._client.send("GET", "/bookings", params=params, retry=True)
        if response.status != 200:
            raise self._client.unexpected(response)
        page = self._client.json(response)
        items = page.get("items") if isinstance(page, dict) else None
        next_cursor = page.get("next_cursor") if isinstance(page, dict) else None
        if not isinstance(items, list) or not isinstance(next_cursor, str | None):
            raise self._client.bad(response, "no page of bookings")
        return BookingPage(tuple(self._parse(response, item) for item in items), next_cursor)

    async def cancel(self, booking_id: str, customer_id: str) -> None:
        response = await self._client.send(
            "DELETE",
            f"/bookings/{booking_id}",
            params={"customer_id": customer_id},
            retry=True,
        )
        if response.status == 204:
            return
        if response.status == 404:
            raise BookingNotFound(booking_id)
        if response.status == 409:
            raise NotYourBooking(booking_id)
        raise self._client.unexpected(response)

    async def release(self, flight_id: int, seat: str, customer_id: str) -> Released:
        response = await self._client.send(
            "DELETE",
            f"/reservations/{flight_id}/{seat}",
            params={"customer_id": customer_id},
            retry=True,
        )
        outcome = _RELEASED.get(response.status)
        if outcome is None:
            raise self._client.unexpected(response)
        return outcome

    async def holders(self, flight_id: int) -> dict[str, str]:
        """Seat → customer of every held seat, as read after this call began (shared with
        the concurrent callers for the flight that arrived before that read began)."""
        shared = await self.holder_reads.read(flight_id, lambda: self._holders(flight_id))
        return dict(shared)  # the callers' own: one of them changing it changes no other's

    async def _holders(self, flight_id: int) -> dict[str, str]:
        response = await self._client.send(
            "GET", "/reservations", params={"flight_id": flight_id}, retry=True
        )
        if response.status != 200:
            raise self._client.unexpected(response)
        holders = self._client.json(response)
        if not isinstance(holders, dict) or not all(
            isinstance(seat, str) and isinstance(customer, str)
            for seat, customer in holders.items()
        ):
            raise self._client.bad(response, "no map of seat numbers to customer ids")
        return holders

    async def health(self) -> Outcome | None:
        return await self._client.health()

    def _booking(self, response: Reply) -> Booking:
        return self._parse(response, self._client.json(response))

    def _parse(self, response: Reply, document: Any) -> Booking:
        """A booking document as the contract has it, or BadUpstreamResponse."""
        try:
            booking = Booking(
                id=_str(document["id"]),
                flight_id=int(_str(document["flight_id"])),
                customer_id=_str(document["customer_id"]),
                seats=tuple(_str(seat) for seat in _list(document["seats"])),
                status=_str(document["status"]),
                created_at=_str(document["created_at"]),
                cancelled_at=(
                    None if document.get("cancelled_at") is None
                    else _str(document["cancelled_at"])
                ),
            )
        except (KeyError, TypeError, ValueError):
            raise self._client.bad(response, "no booking") from None
        return booking


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not a string: {value!r}")
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError(f"not a list: {value!r}")
    return value


_RELEASED = {
    204: Released.RELEASED,
    404: Released.NOT_HELD,
    409: Released.HELD_BY_OTHER,
    # The service refuses seat numbers it could never hold (its pattern, 1-99 A-K, is narrower
    # than the API's): nobody holds such a seat.
    422: Released.NOT_HELD,
}
