"""The development-only issuer's HTTP interface: OpenID discovery, its public keys, and a token
for any customer that asks. DEVELOPMENT ONLY: there is no password, no client and no consent;
whoever reaches ``POST /token`` can speak for any customer. Production uses a real identity
provider (Amazon Cognito, docs/adr/0015); nothing here is deployed.

    GET  /.well-known/openid-configuration   issuer, jwks_uri, token_endpoint, algorithms
    GET  /.well-known/jwks.json              the public half of the key made at start
    POST /token                              customer=alice (form) or {"customer": "alice"}
                                             -> {"access_token", "token_type": "Bearer",
                                                 "expires_in"}
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from chassis import Problem
from chassis.fastapi import install
from devissuer.keys import SigningKey
from devissuer.settings import Settings

SERVICE = "devissuer"
# The customer ids the API layer accepts as a token's subject.
CUSTOMER = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_BODY_BYTES = 4096
FORM = "application/x-www-form-urlencoded"


def create_app(settings: Settings, key: SigningKey | None = None) -> FastAPI:
    """The app; ``key`` defaults to a new one, made now and kept in memory only."""
    signing_key = key or SigningKey.generate()
    app = FastAPI(
        title="flightres development-only token issuer",
        openapi_url=None,  # a development tool: its interface is this module's docstring
        docs_url=None,
        redoc_url=None,
    )
    install(app, service=SERVICE, max_body_bytes=MAX_BODY_BYTES)
    discovery = {
        "issuer": settings.issuer,
        "jwks_uri": f"{settings.issuer}/.well-known/jwks.json",
        "token_endpoint": f"{settings.issuer}/token",
        "response_types_supported": ["token"],
        "grant_types_supported": ["urn:flightres:params:grant-type:development"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [signing_key.algorithm],
        "token_endpoint_auth_methods_supported": ["none"],
        "claims_supported": ["iss", "aud", "sub", "iat", "exp"],
    }
    jwks = signing_key.jwks()

    @app.get("/.well-known/openid-configuration")
    async def openid_configuration() -> JSONResponse:
        return JSONResponse(discovery)

    @app.get("/.well-known/jwks.json")
    async def keys() -> JSONResponse:
        return JSONResponse(jwks, headers={"Cache-Control": "public, max-age=300"})

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        customer = customer_of(request.headers.get("content-type", ""), await request.body())
        access_token = signing_key.mint(
            customer,
            issuer=settings.issuer,
            audience=settings.audience,
            lifetime=settings.token_lifetime,
        )
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": settings.token_lifetime,
        }
        # RFC 6749 5.1: token responses are not cached.
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    return app


def customer_of(content_type: str, body: bytes) -> str:
    """The ``customer`` field of a form or JSON body, or a 4xx problem."""
    media_type = content_type.split(";")[0].strip().lower()
    value: Any
    if media_type == FORM:
        try:
            fields = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise _invalid("the form is not UTF-8") from None
        values = fields.get("customer", [])
        value = values[0] if len(values) == 1 else None
    elif media_type == "application/json" or media_type.endswith("+json"):
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise Problem(400, detail="Request body is not valid JSON") from None
        value = document.get("customer") if isinstance(document, dict) else None
    else:
        raise Problem(415, detail=f"Send the customer as {FORM} or application/json")
    if not isinstance(value, str) or not CUSTOMER.fullmatch(value):
        raise _invalid("customer must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'")
    return value


def _invalid(message: str) -> Problem:
    return Problem(
        422,
        detail=f"Invalid request fields: body.customer ({message})",
        errors=[{"field": "body.customer", "message": message}],
    )
