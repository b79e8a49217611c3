"""Fixtures that run each HTTP scenario against both adapters."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

import pytest

from chassis import Check, logs
from chassis.tests.apps import FRAMEWORKS, Client, fastapi_client, flask_client


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def make_client(framework: str) -> Callable[..., Client]:
    def make(checks: Sequence[Check] = ()) -> Client:
        return fastapi_client(checks) if framework == "fastapi" else flask_client(checks)

    return make


@pytest.fixture()
def client(make_client: Callable[..., Client]) -> Client:
    return make_client()


@pytest.fixture(autouse=True)
def _drop_chassis_log_handler() -> Iterator[None]:
    # install() points the root logger at the current stdout; don't let that outlive the test.
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, logs._ChassisHandler)]:
        root.removeHandler(handler)
    logs._handler = None
