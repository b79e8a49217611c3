"""What both service clients share: one pooled ``httpx.AsyncClient`` per service, explicit
timeouts, bounded retries for idempotent requests only, ``X-Request-ID`` forwarding, and the
mapping of transport failures and unexpected answers to the errors of ``api.ports``.

Retried: connection failures, timeouts and 502/504 from a proxy, a few times with a short
backoff, because a pod restart or a stale keep-alive connection heals in milliseconds. Not
retried: 503, whose ``Retry-After`` says "not now", and 500, which would only repeat. Every
request the API layer makes is idempotent (GET; PUT and DELETE of a reservation, see
docs/adr/0004), but callers still opt in per request, so a future POST cannot be retried by
accident.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from api.ports import BadUpstreamResponse, UpstreamError, UpstreamUnavailable
from chassis import Outcome, Status, current_request_id
from chassis.requestid import HEADER as REQUEST_ID

log = logging.getLogger(__name__)

USER_AGENT = "flightres-api/1.0"
_GATEWAY_ERRORS = frozenset({502, 504})
# Failures after which the request certainly did not reach the service.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class ClientConfig:
    connect_timeout: float = 0.5  # seconds; a service on the same network connects in < 1 ms
    read_timeout: float = 3.0  # seconds per attempt; services answer 503 sooner when sick
    pool_timeout: float = 1.0  # waiting for a free pooled connection
    max_connections: int = 64  # per service, split evenly between the pool's shards
    pool_shards: int = 8
    retries: int = 1  # extra attempts for idempotent requests
    retry_backoff: float = 0.05  # seconds before the first retry, doubling


@dataclass(frozen=True)
class Answer:
    response: httpx.Response
    # An earlier attempt of this request may have reached the service before this one
    # answered: the request's effect may be that attempt's, not this one's.
    after_uncertain_attempt: bool


class ServiceClient:
    def __init__(
        self,
        service: str,
        base_url: str,
        config: ClientConfig,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service = service
        self.config = config
        # httpcore's pool does work proportional to connections x requests in flight, with a
        # poll() per idle connection, on every request: at concurrency 32 that tripled the
        # CPU cost of an upstream call (6.5 ms instead of 2). Requests go round robin to
        # small pools instead, which keeps that work constant.
        per_shard = -(-config.max_connections // config.pool_shards)  # ceiling division
        tls = ssl.create_default_context()  # one for all shards: each costs ~30 ms to load
        self._shards = [
            httpx.AsyncClient(
                base_url=base_url,
                timeout=httpx.Timeout(
                    config.read_timeout, connect=config.connect_timeout, pool=config.pool_timeout
                ),
                limits=httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard),
                headers={"User-Agent": USER_AGENT},
                transport=transport,
                verify=tls,
                trust_env=False,  # no proxies from the environment between services
            )
            for _ in range(config.pool_shards)
        ]
        self._next_shard = itertools.cycle(self._shards)

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        retry: bool,
        params: httpx.QueryParams | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """The response of the last attempt; raises UpstreamUnavailable when no attempt got
        one. ``retry=True`` only for requests that are safe to repeat."""
        outgoing = dict(headers or {})
        request_id = current_request_id()
        if request_id is not None:
            outgoing[REQUEST_ID] = request_id
        attempts = 1 + (self.config.retries if retry else 0)
        uncertain = False
        failure: httpx.TransportError | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.config.retry_backoff * 2 ** (attempt - 1))
            try:
                response = await next(self._next_shard).request(
                    method, path, params=params, json=json, headers=outgoing
                )
            except httpx.TransportError as exc:
                failure = exc
                uncertain = uncertain or not isinstance(exc, _NOT_SENT)
                continue
            if response.status_code in _GATEWAY_ERRORS and attempt + 1 < attempts:
                uncertain = True
                continue
            return Answer(response, uncertain)
        assert failure is not None  # every attempt that did not return failed
        raise UpstreamUnavailable(self.service, f"{method} {path}: {self._describe(failure)}")

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise self.bad(response, "a body that is not JSON") from None

    def bad(self, response: httpx.Response, what: str) -> BadUpstreamResponse:
        request = response.request
        return BadUpstreamResponse(
            self.service,
            f"{request.method} {request.url.path} answered {response.status_code} with {what}",
        )

    def unexpected(self, response: httpx.Response) -> UpstreamError:
        """The error for a status the contract does not have for this request."""
        request = response.request
        where = f"{request.method} {request.url.path}"
        status = response.status_code
        if status == 503:
            return UpstreamUnavailable(
                self.service, f"{where} answered 503", retry_after=_retry_after(response)
            )
        if status == 504:
            return UpstreamUnavailable(self.service, f"{where} answered 504 (gateway timeout)")
        log.warning("%s %s answered %d: %s", self.service, where, status, response.text[:500])
        return BadUpstreamResponse(self.service, f"{where} answered {status}")

    async def health(self) -> Outcome | None:
        """The chassis health probe relaying the service's own /health: pass → pass,
        warn → warn, anything else raises (→ fail). Never retried: the check has its own
        timeout and runs again at the next probe."""
        response = (await self.send("GET", "/health", retry=False)).response
        body = self.json(response)
        status = body.get("status") if isinstance(body, dict) else None
        if response.status_code == 200 and status == Status.PASS:
            return None
        if response.status_code == 200 and status == Status.WARN:
            return Outcome(Status.WARN, f"{self.service} reports warn")
        raise UpstreamUnavailable(
            self.service, f"/health answered {response.status_code} with status {status!r}"
        )

    def _describe(self, failure: httpx.TransportError) -> str:
        if isinstance(failure, httpx.PoolTimeout):
            return f"no free connection within {self.config.pool_timeout:g}s"
        if isinstance(failure, httpx.ConnectTimeout):
            return f"no connection within {self.config.connect_timeout:g}s"
        if isinstance(failure, httpx.TimeoutException):
            return f"no answer within {self.config.read_timeout:g}s"
        if isinstance(failure, httpx.ConnectError):
            return "unreachable (connection failed)"
        return f"{type(failure).__name__}: {failure}"


def _retry_after(response: httpx.Response) -> int:
    value = response.headers.get("Retry-After", "")
    return min(int(value), 300) if value.isdigit() else 1
