"""Serve an app (or any socketserver) for real, over HTTP on 127.0.0.1, from a background
thread, for the duration of a ``with`` block."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from werkzeug.serving import make_server


@contextmanager
def serving_asgi(app: Any) -> Iterator[str]:
    """The app's base URL while uvicorn serves it (lifespan included: an app that opens its
    pools at start-up does so, as in production)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def serving_wsgi(app: Any) -> Iterator[str]:
    """The app's base URL while werkzeug's threaded server serves it."""
    with serving(make_server("127.0.0.1", 0, app, threaded=True)) as url:
        yield url


@contextmanager
def serving(server: socketserver.TCPServer) -> Iterator[str]:
    """The base URL of a server bound to 127.0.0.1 while a thread runs its ``serve_forever``;
    closed afterwards."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
