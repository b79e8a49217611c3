"""Redis adapter: a hash per flight (seat → customer) and one stream as the event log.

Reserve and release are each one Lua script (``lua/*.lua``) that checks the seat, changes it
and appends the event: Redis runs a script atomically, so no other command sees the change
without its event or the event without the change. Scripts run by EVALSHA and are reloaded
by redis-py when the server forgot them (``NOSCRIPT`` after a restart).

Redis errors that mean "unreachable or too slow" become ``StoreUnavailable``; anything else
(a script bug, a wrong key type) is a real error and propagates.

A command given up on must not run later: reserve and release carry a deadline, the moment
this process stops waiting for them (less an allowance for clock skew), and the scripts
change nothing once Redis' clock is past it. Otherwise a reserve that answered 503 could
arrive after a partition heals and hold the seat after the API layer's compensation had
released it (docs/adr/0007).
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any, cast
from urllib.parse import urlsplit

import redis
from redis.commands.core import Script
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

# How far Redis' clock may lag this host's while the deadline fence still holds: a command
# then runs only before this process has given up on it. NTP-synced hosts are within a few
# milliseconds of each other (AWS Time Sync: well under one).
CLOCK_SKEW_ALLOWANCE = 0.05  # seconds


def _lua(name: str) -> str:
    return (resources.files("reservations") / "lua" / name).read_text(encoding="utf-8")


class RedisStore:
    """Implements ``services.ReservationStore``. Thread-safe: redis-py's pool hands each
    command its own connection. Creating a store opens no connection."""

    def __init__(self, client: redis.Redis, *, events_maxlen: int, timeout: float) -> None:
        self._client = client
        self._events_maxlen = str(events_maxlen)
        self._timeout = timeout
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
        options: dict[str, Any] = {"socket_timeout": timeout}
        if urlsplit(url).scheme == "redis":  # TLS (rediss://) keeps redis-py's own timeouts
            options = {"connection_class": _KernelTimeoutConnection, "io_timeout": timeout}
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
        return cls(redis.Redis(connection_pool=pool), events_maxlen=events_maxlen, timeout=timeout)

    def reserve(self, reservation: Reservation) -> Reserved:
        return Reserved(self._change(self._reserve, reservation))

    def release(self, reservation: Reservation) -> Released:
        return Released(self._change(self._release, reservation))

    def _change(self, script: Script, reservation: Reservation) -> str:
        """Run SCRIPT with the deadline fence (module docstring); its outcome's name."""
        deadline = time.time() + self._timeout - CLOCK_SKEW_ALLOWANCE
        with _unavailable():
            outcome = script(
                keys=[seats_key(reservation.flight_id), EVENTS_KEY],
                args=[*_fields(reservation), self._events_maxlen, int(deadline * 1000)],
            )
        if outcome[0] == "expired":
            raise StoreUnavailable("Redis: the command reached Redis after its deadline")
        return str(outcome[0])

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


class _KernelTimeoutConnection(redis.Connection):
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
        sock: socket.socket = super()._connect()  # type: ignore[no-untyped-call]
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
