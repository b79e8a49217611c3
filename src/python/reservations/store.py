"""Redis adapter: a hash per flight (seat → customer) and one stream as the event log.

Reserve and release are each one Lua script (``lua/*.lua``) that checks the seat, changes it
and appends the event: Redis runs a script atomically, so no other command sees the change
without its event or the event without the change. Scripts run by EVALSHA and are reloaded
by redis-py when the server forgot them (``NOSCRIPT`` after a restart).

Redis errors that mean "unreachable or too slow" become ``StoreUnavailable``; anything else
(a script bug, a wrong key type) is a real error and propagates.

A command given up on is dropped, not delayed: connections are reset on close, so the
kernel discards what it had not delivered yet instead of retransmitting it once the network
is back. Otherwise a reserve that answered 503 could take the seat seconds later, after the
API layer's compensation has released it (docs/adr/0007).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any, cast
from urllib.parse import urlsplit

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from reservations.model import Event, EventType, Released, Reservation, Reserved, time_of
from reservations.services import StoreUnavailable

# Flight ids cannot contain ":", so no flight's key can collide with the stream's.
EVENTS_KEY = "reservations:events"


def seats_key(flight_id: str) -> str:
    return f"reservations:seats:{flight_id}"


# ReadOnlyError: a failover turned the node we talk to into a replica; writes cannot succeed.
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ReadOnlyError)


def _lua(name: str) -> str:
    return (resources.files("reservations") / "lua" / name).read_text(encoding="utf-8")


class RedisStore:
    """Implements ``services.ReservationStore``. Thread-safe: redis-py's pool hands each
    command its own connection. Creating a store opens no connection."""

    def __init__(self, client: redis.Redis, *, events_maxlen: int) -> None:
        self._client = client
        self._events_maxlen = str(events_maxlen)
        events = _lua("events.lua")
        self._reserve = client.register_script(events + _lua("reserve.lua"))
        self._release = client.register_script(events + _lua("release.lua"))

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        pool_size: int,
        pool_timeout: float,
        connect_timeout: float,
        timeout: float,
        events_maxlen: int,
    ) -> RedisStore:
        options: dict[str, Any] = {
            "connection_class": _KernelTimeoutConnection,
            "io_timeout": timeout,
        }
        if urlsplit(url).scheme == "rediss":  # TLS keeps redis-py's own timeouts
            options = {"connection_class": _ResettingSSLConnection, "socket_timeout": timeout}
        # A blocking pool bounds the connections a process opens; a request that finds all of
        # them busy waits at most pool_timeout, then fails like any other unavailability.
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=pool_size,
            timeout=pool_timeout,
            socket_connect_timeout=connect_timeout,
            decode_responses=True,
            **options,
        )
        return cls(redis.Redis(connection_pool=pool), events_maxlen=events_maxlen)

    def reserve(self, reservation: Reservation) -> Reserved:
        with _unavailable():
            outcome = self._reserve(
                keys=[seats_key(reservation.flight_id), EVENTS_KEY],
                args=[*_fields(reservation), self._events_maxlen],
            )
        return Reserved(outcome[0])

    def release(self, reservation: Reservation) -> Released:
        with _unavailable():
            outcome = self._release(
                keys=[seats_key(reservation.flight_id), EVENTS_KEY],
                args=[*_fields(reservation), self._events_maxlen],
            )
        return Released(outcome[0])

    def holders(self, flight_id: str) -> dict[str, str]:
        with _unavailable():
            # redis-py types sync and async replies as one union; this client is sync.
            return cast(dict[str, str], self._client.hgetall(seats_key(flight_id)))

    def events_after(self, event_id: str, count: int) -> list[Event]:
        with _unavailable():
            # "(" makes the start exclusive: the cursor is the last event already seen.
            entries = cast(
                list[tuple[str, dict[str, str]]],
                self._client.xrange(EVENTS_KEY, min=f"({event_id}", count=count),
            )
        return [
            Event(
                id=entry_id,
                type=EventType(fields["type"]),
                time=time_of(entry_id),
                flight_id=fields["flight_id"],
                seat_num=fields["seat_num"],
                customer_id=fields["customer_id"],
            )
            for entry_id, fields in entries
        ]

    def ping(self) -> None:
        """The health probe: raises when Redis does not answer (the chassis times it)."""
        self._client.ping()

    def close(self) -> None:
        # A pool passed in explicitly is not closed by Redis.close(); ours is ours to close.
        self._client.connection_pool.disconnect()


# SO_LINGER on, zero seconds: close() sends RST and drops unsent data. redis-py closes a
# connection after any error on it, a timeout included.
_RESET_ON_CLOSE = struct.pack("ii", 1, 0)


class _ResetOnClose(redis.Connection):
    def _connect(self) -> socket.socket:
        sock: socket.socket = super()._connect()  # type: ignore[no-untyped-call]
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
        return sock


class _ResettingSSLConnection(_ResetOnClose, redis.SSLConnection):
    """redis-py's TLS connection (it wraps the socket _ResetOnClose configured)."""


class _KernelTimeoutConnection(_ResetOnClose):
    """A TCP connection whose read and write timeouts the kernel enforces (SO_RCVTIMEO,
    SO_SNDTIMEO) on a blocking socket.

    With redis-py's ``socket_timeout``, Python polls the socket before every send and recv:
    two more system calls per command, each releasing and re-taking the GIL, which under a
    threaded server costs more CPU than the command itself (measured with strace and the
    benchmark). Timing out still fails the command: the recv or send raises
    ``BlockingIOError``, which redis-py reports as a ConnectionError."""

    def __init__(self, *, io_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        seconds, fraction = divmod(io_timeout, 1)
        self._timeval = struct.pack("ll", int(seconds), int(fraction * 1_000_000))

    def _connect(self) -> socket.socket:
        sock = super()._connect()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, self._timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, self._timeval)
        return sock


def _fields(reservation: Reservation) -> tuple[str, str, str]:
    return reservation.flight_id, reservation.seat_num, reservation.customer_id


@contextmanager
def _unavailable() -> Iterator[None]:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise StoreUnavailable(f"Redis: {exc}") from exc
