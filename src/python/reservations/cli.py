"""Entry point: serve the app with gunicorn, configured by environment variables only.

``reservations`` (the PEX) and ``python -m reservations`` both land in ``main``. Gunicorn's
gthread workers by default: one process per core for the GIL, threads to overlap Redis
round trips (``RESERVATIONS_WORKER_CLASS=sync``: one request at a time per process).
Each worker builds its own app (no preloading), so no connection or pool crosses a fork.
"""

from __future__ import annotations

from typing import Any

from chassis import gunicorn
from chassis.config import settings_or_exit
from reservations.app import create_app
from reservations.settings import Settings

SERVICE = "reservations"


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """Server settings, shared with the benchmark's baseline app so both run alike."""
    return gunicorn.options(SERVICE, settings, worker_class=settings.worker_class)


def main() -> None:
    settings = settings_or_exit(SERVICE, Settings.from_env)
    gunicorn.serve(lambda: create_app(settings), gunicorn_options(settings))
