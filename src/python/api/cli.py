"""``api`` (the PEX entry point): serve the API layer with uvicorn, configured by
environment variables only (settings.py)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

from chassis.config import settings_or_exit

if TYPE_CHECKING:
    from fastapi import FastAPI

SERVICE = "api"


def main() -> None:
    from api.settings import Settings

    settings = settings_or_exit(SERVICE, Settings.from_env)

    import uvicorn  # here, so that a configuration error is reported without loading it

    # By name: with API_WORKERS > 1 each worker process imports this module and builds its
    # own app from the same environment.
    uvicorn.run(
        "api.cli:app",
        factory=True,
        host=settings.host,
        port=settings.port,
        **uvicorn_options(settings.workers),
    )


def app() -> FastAPI:
    """The app of one server process (uvicorn's factory)."""
    from api.app import create_app
    from api.settings import Settings

    application = create_app(Settings.from_env())
    # Everything loaded so far (FastAPI, pydantic, the routes, the spec) lives as long as the
    # process: keep the cyclic GC from walking it again in every full collection (about 10%
    # of py-spy's samples; the CPU per request dropped by about a fifth in A/B runs).
    gc.freeze()
    return application


def uvicorn_options(workers: int) -> dict[str, Any]:
    """Server settings but the address, shared with the benchmark's minimal FastAPI app so
    both run alike."""
    return {
        "workers": workers,
        "log_config": None,  # the chassis routes uvicorn's loggers into its JSON lines
        "access_log": False,  # the chassis logs each request, with its request id
        "server_header": False,
        # One event loop serves many concurrent bookings: the work is waiting on upstreams.
        "timeout_graceful_shutdown": 10,
    }


if __name__ == "__main__":
    main()
