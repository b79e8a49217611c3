"""Entry point: serve the app with gunicorn, configured by environment variables only.

``reservations`` (the PEX) and ``python -m reservations`` both land in ``main``. Gunicorn's
gthread workers by default: one process per core for the GIL, threads to overlap Redis
round trips (``RESERVATIONS_WORKER_CLASS=sync``: one request at a time per process).
Each worker builds its own app (no preloading), so no connection or pool crosses a fork.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from chassis.config import settings_or_exit
from chassis.logs import configure as configure_logs
from reservations.app import create_app
from reservations.settings import Settings

SERVICE = "reservations"


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """Server settings, shared with the benchmark's baseline app so both run alike."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {
        "bind": f"{host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": settings.worker_class,
        # Gunicorn turns "sync" with threads > 1 into gthread; sync means one at a time.
        "threads": settings.threads if settings.worker_class == "gthread" else 1,
        "loglevel": settings.log_level.lower(),
        "logger_class": _JsonLogger,
        "accesslog": None,  # the chassis logs each request, with its request id
        "errorlog": "-",
        # SIGTERM: stop accepting, let in-flight requests finish, within Kubernetes' default
        # 30 s grace period.
        "graceful_timeout": 20,
        "keepalive": 5,  # seconds; behind a load balancer connections are reused
        "proc_name": SERVICE,
    }


class Server(BaseApplication):  # type: ignore[misc]
    """Gunicorn run programmatically: no config file, no command line, no GUNICORN_CMD_ARGS."""

    def __init__(self, load_app: Callable[[], Any], options: dict[str, Any]) -> None:
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._load_app()


class _JsonLogger(Logger):  # type: ignore[misc]
    """Gunicorn's own messages (start-up, worker exits) as the chassis' JSON lines too."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        configure_logs(SERVICE, cfg.loglevel.upper())


def main() -> None:
    settings = settings_or_exit(SERVICE, Settings.from_env)
    Server(lambda: create_app(settings), gunicorn_options(settings)).run()
