"""What both service clients share: one pooled aiohttp session per service, explicit
timeouts, bounded retries for idempotent requests only, ``X-Request-ID`` forwarding, and the
mapping of transport failures and unexpected answers to the errors of ``api.ports``.

Retried: connection failures, timeouts and 502/504 from a proxy, a few times with a short
backoff, because a pod restart or a stale keep-alive connection heals in milliseconds. Not
retried: 503, whose ``Retry-After`` says "not now", and 500, which would only repeat. Every
request the API layer makes is idempotent (GETs, DELETEs, and the booking POST with its
Idempotency-Key: docs/adr/0004, 0014), but callers still opt in per request, so a future
POST cannot be retried by accident.

aiohttp rather than httpx: at concurrency 32 an httpx call cost about 3.2 ms of CPU, an
aiohttp call 0.5 ms (README, "Performance"). The HTTP library stays behind ``Transport``,
so the retry and error rules here are tested with scripted answers, and the aiohttp
adapter over real HTTP on 127.0.0.1 (both in tests/test_clients.py; tests/test_app.py drives
it against fake services).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp

from api.ports import BadUpstreamResponse, UpstreamError, UpstreamRejected, UpstreamUnavailable
from chassis import Outcome, Status, current_request_id
from chassis.requestid import HEADER as REQUEST_ID

log = logging.getLogger(__name__)

USER_AGENT = "flightres-api/1.0"
_GATEWAY_ERRORS = frozenset({502, 504})
# Below the services' own keep-alive timeout (5 s for gunicorn and uvicorn here), so the
# client drops an idle connection before the server does instead of racing its close.
_KEEPALIVE_SECONDS = 4.0


@dataclass(frozen=True)
class ClientConfig:
    connect_timeout: float = 0.5  # seconds; a service on the same network connects in < 1 ms
    read_timeout: float = 3.0  # seconds per attempt; services answer 503 sooner when sick
    pool_timeout: float = 1.0  # waiting for a free pooled connection
    max_connections: int = 64  # per service
    retries: int = 1  # extra attempts for idempotent requests
    retry_backoff: float = 0.05  # seconds before the first retry, doubling


@dataclass(frozen=True)
class Reply:
    """A service's answer, read in full (every body here is small)."""

    method: str
    path: str
    status: int
    headers: Mapping[str, str]  # names in lower case
    body: bytes


class TransportFailure(Exception):
    """An attempt got no answer (it may or may not have taken effect)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Transport(Protocol):
    async def request(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes | None
    ) -> Reply:
        """One attempt; raises TransportFailure when there is no answer."""
        ...

    async def aclose(self) -> None: ...


class ServiceClient:
    def __init__(
        self,
        service: str,
        base_url: str,
        config: ClientConfig,
        transport: Transport | None = None,
    ) -> None:
        self.service = service
        self.config = config
        self._transport = transport or AiohttpTransport(base_url, config)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        retry: bool,
        params: Mapping[str, str | int] | list[tuple[str, str]] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """The response of the last attempt; raises UpstreamUnavailable when no attempt got
        one. ``retry=True`` only for requests that are safe to repeat."""
        outgoing = dict(headers or {})
        request_id = current_request_id()
        if request_id is not None:
            outgoing[REQUEST_ID] = request_id
        body = None
        if json is not None:
            body = _dumps(json)
            outgoing["Content-Type"] = "application/json"
        query = urlencode(params) if params else ""
        attempts = 1 + (self.config.retries if retry else 0)
        failure: TransportFailure | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.config.retry_backoff * 2 ** (attempt - 1))
            try:
                response = await self._transport.request(method, path, query, outgoing, body)
            except TransportFailure as exc:
                failure = exc
                continue
            if response.status in _GATEWAY_ERRORS and attempt + 1 < attempts:
                continue
            return response
        assert failure is not None  # every attempt that did not return failed
        raise UpstreamUnavailable(self.service, f"{method} {path}: {failure.detail}")

    def json(self, response: Reply) -> Any:
        try:
            return json.loads(response.body)
        except ValueError:  # UnicodeDecodeError included
            raise self.bad(response, "a body that is not JSON") from None

    def bad(self, response: Reply, what: str) -> BadUpstreamResponse:
        return BadUpstreamResponse(
            self.service,
            f"{response.method} {response.path} answered {response.status} with {what}",
        )

    def rejected(self, response: Reply) -> UpstreamError:
        """The error for a 400/422: the service's problem, to be passed on unchanged."""
        problem = self.json(response)
        if not isinstance(problem, dict):
            return self.bad(response, "a problem that is not a JSON object")
        return UpstreamRejected(self.service, response.status, problem)

    def unexpected(self, response: Reply) -> UpstreamError:
        """The error for a status the contract does not have for this request."""
        where = f"{response.method} {response.path}"
        status = response.status
        if status == 503:
            return UpstreamUnavailable(
                self.service, f"{where} answered 503", retry_after=_retry_after(response)
            )
        if status == 504:
            return UpstreamUnavailable(self.service, f"{where} answered 504 (gateway timeout)")
        text = response.body[:500].decode("utf-8", "replace")
        log.warning("%s %s answered %d: %s", self.service, where, status, text)
        return BadUpstreamResponse(self.service, f"{where} answered {status}")

    async def health(self) -> Outcome | None:
        """The chassis health probe relaying the service's own /health: pass → pass,
        warn → warn, anything else raises (→ fail). Never retried: the check has its own
        timeout and runs again at the next probe."""
        response = await self.send("GET", "/health", retry=False)
        body = self.json(response)
        status = body.get("status") if isinstance(body, dict) else None
        if response.status == 200 and status == Status.PASS:
            return None
        if response.status == 200 and status == Status.WARN:
            return Outcome(Status.WARN, f"{self.service} reports warn")
        raise UpstreamUnavailable(
            self.service, f"/health answered {response.status} with status {status!r}"
        )


class AiohttpTransport:
    """One aiohttp session (a keep-alive pool of ``max_connections``) for one service.

    The session is opened on first use, inside the running event loop that aiohttp binds
    it to. Timeouts per attempt: ``connect`` covers waiting for a pooled connection plus
    connecting, ``sock_connect`` the connecting alone, ``sock_read`` the wait for each
    part of the answer (httpx's read timeout, the one ADR 0007's layering is about).
    """

    def __init__(self, base_url: str, config: ClientConfig) -> None:
        self._base = base_url.rstrip("/")
        self._config = config
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        config = self._config
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=config.max_connections,
                limit_per_host=0,
                keepalive_timeout=_KEEPALIVE_SECONDS,
            ),
            timeout=aiohttp.ClientTimeout(
                total=None,
                connect=config.pool_timeout + config.connect_timeout,
                sock_connect=config.connect_timeout,
                sock_read=config.read_timeout,
            ),
            headers={"User-Agent": USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),  # services set no cookies for each other
            trust_env=False,  # no proxies from the environment between services
        )
        # aiohttp silently resends an idempotent request (PUT and DELETE too) once when its
        # connection breaks. Only ServiceClient.send retries, so that the attempts per
        # request, and with them the worst-case wait (ADR 0014's timeout layering), are its
        # bounded ones. No public switch exists; tests/test_clients.py fails if this one
        # stops working.
        if not hasattr(self._session, "_retry_connection"):
            raise RuntimeError("aiohttp changed: cannot turn off its own request retries")
        self._session._retry_connection = False
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes | None
    ) -> Reply:
        session = self._session or self._open()
        url = f"{self._base}{path}?{query}" if query else self._base + path
        config = self._config
        try:
            # No redirects (httpx's default too): following one would be another attempt
            # behind ServiceClient's back, and no service contract has one.
            async with session.request(
                method, url, headers=headers, data=body, allow_redirects=False
            ) as response:
                content = await response.read()
                return Reply(method, path, response.status, _lower(response.headers), content)
        except aiohttp.ConnectionTimeoutError:
            detail = (
                f"no connection within {config.connect_timeout:g}s "
                f"(or no free one within {config.pool_timeout:g}s)"
            )
            raise TransportFailure(detail) from None
        except aiohttp.ClientConnectorError:
            raise TransportFailure("unreachable (connection failed)") from None
        except (aiohttp.SocketTimeoutError, TimeoutError):
            detail = f"no answer within {config.read_timeout:g}s"
            raise TransportFailure(detail) from None
        except aiohttp.ClientError as exc:
            raise TransportFailure(f"{type(exc).__name__}: {exc}") from None


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        lowered[key] = f"{lowered[key]}, {value}" if key in lowered else value
    return lowered


def _dumps(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _retry_after(response: Reply) -> int:
    value = response.headers.get("retry-after", "")
    return min(int(value), 300) if value.isdigit() else 1
