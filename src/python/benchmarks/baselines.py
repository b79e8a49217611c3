"""The baseline apps, served the way the services are (the ``baselines`` PEX's entry point):

    baselines.pex flask     reservations/bench/minimal_app.py (Flask, one HSETNX), served by
                            reservations.cli.Server with gunicorn_options(Settings.from_env()):
                            the same worker class, workers, threads and Redis pool size as
                            the service.
    baselines.pex describe  prints those settings as JSON (for the report).
    baselines.pex fastapi   a minimal FastAPI app doing one HSETNX with redis.asyncio, served
                            by uvicorn with the API layer's options (api.cli.uvicorn_options,
                            API_WORKERS processes).

Both read HOST and PORT; Redis from RESERVATIONS_REDIS_URL (flask) or BASELINE_REDIS_URL
(fastapi). No validation, no chassis (request ids, metrics, access logs): the leanest form
of the same request.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint's annotations at run
# time, and `Request` is imported inside the factory, where a string could not be resolved.
import json
import os
import sys
from collections.abc import Sequence
from typing import Any


def create_minimal_fastapi(redis_url: str) -> Any:
    import redis.asyncio
    from fastapi import FastAPI, Request, Response

    client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.put("/reservations")
    async def reserve(request: Request) -> Response:
        body = await request.json()
        key = f"minimal-fastapi:{body['flight_id']}"
        taken = not await client.hsetnx(key, body["seat_num"], body["customer_id"])
        return Response(json.dumps(body), 409 if taken else 201, media_type="application/json")

    return app


def serve_flask() -> None:
    from reservations.bench.minimal_app import create_minimal_app
    from reservations.cli import Server, gunicorn_options
    from reservations.settings import Settings

    settings = Settings.from_env()
    Server(
        lambda: create_minimal_app(settings.redis_url, settings.redis_pool_size),
        gunicorn_options(settings),
    ).run()


def minimal_fastapi() -> Any:
    """uvicorn's factory: the app of one server process."""
    return create_minimal_fastapi(os.environ["BASELINE_REDIS_URL"])


def serve_fastapi() -> None:
    import uvicorn

    from api.cli import uvicorn_options
    from api.settings import workers_from_env

    uvicorn.run(
        "benchmarks.baselines:minimal_fastapi",
        factory=True,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8090")),
        **uvicorn_options(workers_from_env()),
    )


def describe() -> dict[str, Any]:
    """The server settings both the services and the baselines run with, from the same
    environment (RESERVATIONS_REDIS_URL must be set)."""
    import platform

    from api.cli import uvicorn_options
    from api.settings import workers_from_env
    from reservations.settings import Settings

    settings = Settings.from_env()
    return {
        "python": platform.python_version(),
        "reservations": {
            "worker_class": settings.worker_class,
            "workers": settings.workers,
            "threads": settings.threads,
            "redis_pool_size": settings.redis_pool_size,
        },
        "uvicorn_options": uvicorn_options(workers_from_env()),
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["flask"]:
        serve_flask()
    elif args == ["fastapi"]:
        serve_fastapi()
    elif args == ["describe"]:
        print(json.dumps(describe()))
    else:
        sys.exit("usage: baselines flask|fastapi|describe")


if __name__ == "__main__":
    main()
