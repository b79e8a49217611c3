from __future__ import annotations

from collections.abc import Iterator

import pytest

from systemtests.stack import Stack, running_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """One stack for the session (Pants batches the files, see BUILD). Tests that break it
    (faults, shutdown) restore it before they return; each test books on flights of its own."""
    with running_stack() as running:
        yield running
        # Shown by pytest only when a test of the module failed.
        print(running.all_logs())


@pytest.fixture(autouse=True)
def _restored(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the stack, leave it whole for the next one, pass or fail."""
    yield
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").restore()
