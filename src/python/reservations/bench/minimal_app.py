"""The benchmark's baseline: the book's approach in its leanest form. One Flask endpoint that
parses the JSON body and runs one HSETNX; no validation, no event, no chassis (no request id,
log line or metrics). Served by the same gunicorn settings and pool size as the service."""

from __future__ import annotations

import json

import redis
from flask import Flask, Response, request


def create_minimal_app(redis_url: str, pool_size: int) -> Flask:
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
