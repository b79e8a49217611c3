"""Fixtures: Redis from the shared Testcontainers fixtures, and stores and apps on it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse  # pants: no-infer-dep - comes with flask

from reservations.app import create_app
from reservations.settings import Settings
from reservations.store import RedisStore
from testsupport.fixtures import redis_server, redis_url  # noqa: F401
from testsupport.openapi import Spec

SPEC = Spec("reservations")


class SpecCheckingClient(FlaskClient):
    """A test client that checks every response it receives against the committed spec."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        headers = dict(response.headers)
        SPEC.check(request.method, request.path, response.status_code, headers, response.data)
        return response


def make_store(url: str, **overrides: float) -> RedisStore:
    options: dict[str, float] = {
        "pool_size": 64,
        "pool_timeout": 0.5,
        "connect_timeout": 0.5,
        "timeout": 1.0,
        "events_maxlen": 1_000_000,
        **overrides,
    }
    return RedisStore.from_url(
        url,
        pool_size=int(options["pool_size"]),
        pool_timeout=options["pool_timeout"],
        connect_timeout=options["connect_timeout"],
        timeout=options["timeout"],
        events_maxlen=int(options["events_maxlen"]),
    )


@pytest.fixture()
def store(redis_url: str) -> Iterator[RedisStore]:  # noqa: F811
    made = make_store(redis_url)
    yield made
    made.close()


@pytest.fixture()
def unused_redis_url() -> str:
    """A Redis URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture()
def client(store: RedisStore, redis_url: str) -> FlaskClient:  # noqa: F811
    """A test client of the app on a real, empty Redis; it checks every response against
    the committed spec."""
    app = create_app(Settings(redis_url=redis_url), store)
    app.test_client_class = SpecCheckingClient
    return app.test_client()


@pytest.fixture()
def silent_redis_url() -> Iterator[str]:
    """A Redis URL on 127.0.0.1 that accepts connections and never answers, like a Redis
    that hangs: the kernel completes the handshakes, nobody reads."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
