"""The flights service: search pages, single flights and seat maps. Pages and seat maps are
used without asking again while the flights service says they are fresh
(``Cache-Control``/``Age``: clients/freshness.py); seat maps are then revalidated with their
ETags."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from pydantic import ValidationError

from api.clients import freshness
from api.clients.cache import SearchPageCache, SeatMapCache
from api.clients.http import ClientConfig, ServiceClient, Transport
from api.model import FlightNotFound
from api.seatmap import SeatMap
from chassis import Outcome

SERVICE = "flights"
# Search pages kept at most this long, whatever the service allows (it sends max-age=30,
# as long as it keeps a page itself), and at most this many bytes of them.
SEARCH_MAX_AGE = 60.0
SEARCH_CACHE_BYTES = 8 * 1024 * 1024


class FlightsClient:
    def __init__(
        self,
        base_url: str,
        config: ClientConfig | None = None,
        *,
        cache_size: int = 1024,
        max_age: float = 300.0,
        search_max_age: float = SEARCH_MAX_AGE,
        search_cache_bytes: int = SEARCH_CACHE_BYTES,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = ServiceClient(SERVICE, base_url, config or ClientConfig(), transport)
        self.cache = SeatMapCache(cache_size)
        self.max_age = max_age  # caps the flights service's max-age; 0: revalidate every use
        self.pages = SearchPageCache(search_cache_bytes)
        self.search_max_age = search_max_age  # the same for search pages; 0: never kept
        self._clock = clock

    async def aclose(self) -> None:
        await self._client.aclose()

    async def search(self, query: Sequence[tuple[str, str]]) -> bytes:
        """The flights service's search page, as the JSON bytes it sent. Its 400/422
        problems are raised as UpstreamRejected, to be passed on unchanged.

        A page is kept by query string for as long as the service's ``Cache-Control`` and
        ``Age`` allow (at most ``search_max_age``): the service itself answers the same
        query string with the same page for that long (its own page cache), so a kept page
        is never older than one it could send. Only 200 pages are kept; rejections and
        failures are asked again every time."""
        key = urlencode(query)
        sent_at = self._clock()  # freshness counts from the request (RFC 9111 4.2.3)
        page = self.pages.get(key, sent_at)
        if page is not None:
            return page
        response = await self._client.send("GET", "/flights", params=list(query), retry=True)
        if response.status == 200:
            document = self._client.json(response)
            if not isinstance(document, dict) or not isinstance(document.get("items"), list):
                raise self._client.bad(response, "no page of flights")
            lifetime = freshness.lifetime(response.headers, self.search_max_age)
            if lifetime > 0:
                self.pages.put(key, response.body, sent_at + lifetime, sent_at)
            return response.body
        if response.status in (400, 422):
            raise self._client.rejected(response)
        raise self._client.unexpected(response)

    async def flight(self, flight_id: int) -> bytes:
        """One flight, as the JSON bytes the flights service sent."""
        response = await self._client.send("GET", f"/flights/{flight_id}", retry=True)
        if response.status == 200:
            document = self._client.json(response)
            if not isinstance(document, dict) or document.get("id") != flight_id:
                raise self._client.bad(response, f"not flight {flight_id}")
            return response.body
        if response.status == 404:
            raise FlightNotFound(flight_id)
        raise self._client.unexpected(response)

    async def seat_map(self, flight_id: int) -> SeatMap:
        cached = self.cache.get(flight_id)
        sent_at = self._clock()  # freshness counts from the request (RFC 9111 4.2.3)
        if cached and sent_at < self.cache.fresh_until(flight_id):
            return cached[1]
        headers = {"If-None-Match": cached[0]} if cached else None
        response = await self._client.send(
            "GET", f"/flights/{flight_id}/seat_map", headers=headers, retry=True
        )
        fresh_until = sent_at + freshness.lifetime(response.headers, self.max_age)
        if response.status == 304:
            if cached is None:
                raise self._client.bad(response, "304 to a request without If-None-Match")
            self.cache.refresh(flight_id, fresh_until)
            return cached[1]
        if response.status == 200:
            try:
                seat_map = SeatMap.model_validate_json(response.body)
            except ValidationError as exc:
                what = f"no seat map ({exc.error_count()} errors)"
                raise self._client.bad(response, what) from exc
            etag = response.headers.get("etag")
            if etag is None:
                self.cache.discard(flight_id)
                return seat_map
            return self.cache.put(flight_id, etag, seat_map, fresh_until)
        if response.status == 404:
            self.cache.discard(flight_id)
            raise FlightNotFound(flight_id)
        raise self._client.unexpected(response)

    async def health(self) -> Outcome | None:
        return await self._client.health()
