"""The process environment for tests of a service's ``Settings.from_env()``.

    @pytest.fixture(autouse=True)
    def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
        clear_environment(monkeypatch)
        set_environment(monkeypatch, REQUIRED)

``monkeypatch`` puts every variable back after the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import pytest

from chassis.config import ConfigError


def clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every variable, so that settings see only what the test sets, not whatever the
    shell that runs the tests happens to export (PORT, LOG_LEVEL, ...)."""
    for name in list(os.environ):
        monkeypatch.delenv(name)


def set_environment(monkeypatch: pytest.MonkeyPatch, values: Mapping[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def assert_rejected(
    monkeypatch: pytest.MonkeyPatch, from_env: Callable[[], object], name: str, value: str
) -> None:
    """With ``name`` set to ``value``, ``from_env`` fails with a ConfigError naming ``name``."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        from_env()
