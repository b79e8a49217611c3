"""Serve an ASGI or WSGI app for real, over HTTP on 127.0.0.1, from a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from werkzeug.serving import make_server


def _loopback_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serving_asgi(app: Any) -> Iterator[str]:
    """The app's base URL while uvicorn serves it (lifespan included)."""
    sock = _loopback_socket()
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="auto")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def serving_wsgi(app: Any) -> Iterator[str]:
    """The app's base URL while werkzeug's threaded server serves it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


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
