"""``web`` (the PEX entry point): serve the site with gunicorn, configured by environment
variables only. gthread workers: each page waits on one to three API calls, threads overlap
them; one process per core for the GIL."""

from __future__ import annotations

import logging
import sys
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from chassis import ConfigError
from chassis.logs import configure as configure_logs
from web.app import SERVICE, create_app
from web.settings import Settings

log = logging.getLogger(__name__)


class Server(BaseApplication):  # type: ignore[misc]
    """Gunicorn run programmatically: no config file, no command line, no GUNICORN_CMD_ARGS."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        settings = self.settings
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        options: dict[str, Any] = {
            "bind": f"{host}:{settings.port}",
            "workers": settings.workers,
            "worker_class": "gthread",
            "threads": settings.threads,
            "loglevel": settings.log_level.lower(),
            "accesslog": None,  # the chassis logs each request, with its request id
            "errorlog": "-",
            "graceful_timeout": 20,  # within Kubernetes' default 30 s grace period
            "keepalive": 5,
            "proc_name": SERVICE,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.settings)


def main() -> None:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        configure_logs(SERVICE)
        log.critical("cannot start: %s", exc)
        sys.exit(2)
    Server(settings).run()


if __name__ == "__main__":
    main()
