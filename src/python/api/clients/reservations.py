"""The reservations service: reserve, release, and list a flight's held seats.

Its flight ids are strings; the API layer's are the flights service's integers, sent in
decimal. PUT and DELETE are retried like GET: a repeated PUT by the same customer answers
200 and a repeated DELETE 404, so a retry never takes or frees a seat twice (ADR 0004).
"""

from __future__ import annotations

from api.clients.http import ClientConfig, ServiceClient, Transport
from api.ports import Released, Reserved
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

    async def aclose(self) -> None:
        await self._client.aclose()

    async def reserve(self, flight_id: int, seat: str, customer_id: str) -> Reserved:
        answer = await self._client.send(
            "PUT",
            "/reservations",
            json={"flight_id": str(flight_id), "seat_num": seat, "customer_id": customer_id},
            retry=True,
        )
        status = answer.response.status
        if status == 201:
            return Reserved.NEWLY
        if status == 200:
            # After an attempt that may have landed, "already yours" may mean "ours just now".
            return Reserved.AFTER_RETRY if answer.after_uncertain_attempt else Reserved.ALREADY
        if status == 409:
            return Reserved.TAKEN
        raise self._client.unexpected(answer.response)

    async def release(self, flight_id: int, seat: str, customer_id: str) -> Released:
        answer = await self._client.send(
            "DELETE",
            f"/reservations/{flight_id}/{seat}",
            params={"customer_id": customer_id},
            retry=True,
        )
        outcome = _RELEASED.get(answer.response.status)
        if outcome is None:
            raise self._client.unexpected(answer.response)
        return outcome

    async def holders(self, flight_id: int) -> dict[str, str]:
        answer = await self._client.send(
            "GET", "/reservations", params={"flight_id": flight_id}, retry=True
        )
        response = answer.response
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


_RELEASED = {
    204: Released.RELEASED,
    404: Released.NOT_HELD,
    409: Released.HELD_BY_OTHER,
    # The service refuses seat numbers it could never hold (its pattern, 1-99 A-K, is narrower
    # than the API's): nobody holds such a seat.
    422: Released.NOT_HELD,
}
