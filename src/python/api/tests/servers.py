"""Upstreams that fail at the socket level, on 127.0.0.1 (apps served for real:
``testsupport.serving``)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


def _loopback_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def refusing() -> Iterator[str]:
    """A URL where connections are refused at once: bound, not listening."""
    with _loopback_socket() as sock:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def silent() -> Iterator[str]:
    """A URL that accepts connections and never answers, like a hung service."""
    with _loopback_socket() as sock:
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
