from __future__ import annotations

from collections.abc import Iterator

import pytest

from systemtests.stack import Stack, running_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running
        # Shown by pytest only when a test of the module failed.
        print(running.all_logs())
