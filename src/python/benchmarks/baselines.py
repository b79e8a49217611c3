"""The baseline apps, served the way the services are (the ``baselines`` PEX's entry point):

    baselines.pex flask     a minimal Flask app doing one HSETNX (create_minimal_flask), served
                            by chassis.gunicorn with gunicorn_options(Settings.from_env()):
                            the same worker class, workers, threads and Redis pool size as
                            the service.
    baselines.pex describe  prints those settings as JSON (for the report).
    baselines.pex tokens DIR CUSTOMERS ISSUER AUDIENCE LIFETIME
                            makes a signing key for the run (DIR/issuer.pem: its public half,
                            for the API layer's AUTH_PUBLIC_KEY_FILE) and mints one bearer
                            token per customer (DIR/tokens.json), before any load: minting is
                            never part of a request.
    baselines.pex api-unverified
                            BENCH-ONLY: the API layer (api.app.create_app, served like api.cli)
                            with a verifier that takes the customer from a token's ``sub``
                            without checking its signature or claims (UnverifiedSubject). It
                            exists to measure what verification costs; never deploy it.
    baselines.pex fastapi   a minimal FastAPI app doing one HSETNX with redis.asyncio, served
                            by uvicorn with the API layer's options (api.cli.uvicorn_options,
                            API_WORKERS processes).

Both read HOST and PORT; Redis from RESERVATIONS_REDIS_URL (flask) or BASELINE_REDIS_URL
(fastapi). No validation, no chassis (request ids, metrics, access logs): the leanest form
of the same request.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint's annotations at run
# time, and `Request` is imported inside the factory, where a string could not be resolved.
import asyncio
import base64
import json
import os
import sys
from collections.abc import Sequence
from typing import Any


def create_minimal_flask(redis_url: str, pool_size: int) -> Any:
    """The book's approach in its leanest form: one Flask endpoint that parses the JSON body
    and runs one HSETNX; no validation, no event, no chassis (no request id, log line or
    metrics). Served with the same gunicorn settings and Redis pool size as the service."""
    import redis
    from flask import Flask, Response, request

    pool = redis.BlockingConnectionPool.from_url(
        redis_url, max_connections=pool_size, decode_responses=True
    )
    client = redis.Redis(connection_pool=pool)
    app = Flask(__name__, static_folder=None)

    @app.put("/reservations")
    def reserve() -> Response:
        body = request.get_json()
        key = f"minimal:{body['flight_id']}"
        taken = not client.hsetnx(key, body["seat_num"], body["customer_id"])
        return Response(json.dumps(body), 409 if taken else 201, mimetype="application/json")

    return app


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
    from chassis import gunicorn
    from reservations.cli import gunicorn_options
    from reservations.settings import Settings

    settings = Settings.from_env()
    gunicorn.serve(
        lambda: create_minimal_flask(settings.redis_url, settings.redis_pool_size),
        gunicorn_options(settings),
    )


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


# --- bearer tokens -------------------------------------------------------------------------


def mint_tokens(
    directory: str, customers: int, issuer: str, audience: str, lifetime: int
) -> dict[str, Any]:
    """A signing key made now (its public half in DIR/issuer.pem) and one token per customer
    ``bench-c<n>``. Also times the API layer's own verifier on those tokens in this process
    (``verify_us``: median microseconds per token), the cost without any server around it."""
    import statistics
    import time
    from pathlib import Path

    from api.auth import AuthConfig, KeyFile, Verifier
    from devissuer.keys import SigningKey

    key = SigningKey.generate()
    pem = Path(directory) / "issuer.pem"
    pem.write_bytes(key.public_pem())
    names = [f"bench-c{n}" for n in range(customers)]
    tokens = [key.mint(name, issuer=issuer, audience=audience, lifetime=lifetime) for name in names]
    verifier = Verifier(AuthConfig(issuer, audience, public_key_file=str(pem)), KeyFile(str(pem)))

    async def timed() -> list[float]:
        took = []
        for name, token in zip(names, tokens, strict=True):
            started = time.perf_counter()
            customer = await verifier.customer(f"Bearer {token}")
            took.append((time.perf_counter() - started) * 1e6)
            assert customer == name
        return took

    verify_us = statistics.median(asyncio.run(timed()))
    document = {"customers": names, "tokens": tokens, "verify_us": round(verify_us, 1)}
    (Path(directory) / "tokens.json").write_text(json.dumps(document))
    return {"issuer_pem": str(pem), "tokens": len(tokens), "verify_us": document["verify_us"]}


class UnverifiedSubject:
    """BENCH-ONLY verifier: the customer is the token's ``sub``, read without checking the
    signature, the issuer, the audience or the expiry. Anyone could claim to be anyone; it
    only exists so that the benchmark can show what real verification costs."""

    async def customer(self, authorization: str | None) -> str:
        from api.auth import NotAuthenticated

        scheme, _, token = (authorization or "").partition(" ")
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            subject = claims["sub"]
        except (IndexError, ValueError, KeyError, TypeError):
            raise NotAuthenticated("This request needs a bearer token", error=None) from None
        if scheme.lower() != "bearer" or not isinstance(subject, str):
            raise NotAuthenticated("This request needs a bearer token", error=None)
        return subject


def unverified_api() -> Any:
    """uvicorn's factory for api-unverified: the API layer's app as api.cli.app makes it
    (settings from the environment, start-up heap frozen), but with UnverifiedSubject."""
    import gc

    from api.app import create_app
    from api.settings import Settings

    application = create_app(Settings.from_env(), verifier=UnverifiedSubject())
    gc.freeze()
    return application


def serve_unverified_api() -> None:
    import uvicorn

    from api.cli import uvicorn_options
    from api.settings import workers_from_env

    uvicorn.run(
        "benchmarks.baselines:unverified_api",
        factory=True,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8080")),
        **uvicorn_options(workers_from_env()),
    )


USAGE = (
    "usage: baselines flask|fastapi|describe|api-unverified"
    " | tokens DIR CUSTOMERS ISSUER AUDIENCE LIFETIME"
)


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["flask"]:
        serve_flask()
    elif args == ["fastapi"]:
        serve_fastapi()
    elif args == ["api-unverified"]:
        serve_unverified_api()
    elif args == ["describe"]:
        print(json.dumps(describe()))
    elif len(args) == 6 and args[0] == "tokens":
        directory, customers, issuer, audience, lifetime = args[1:]
        print(json.dumps(mint_tokens(directory, int(customers), issuer, audience, int(lifetime))))
    else:
        sys.exit(USAGE)


if __name__ == "__main__":
    main()
