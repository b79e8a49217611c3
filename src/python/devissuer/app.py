"""The development-only issuer's HTTP interface: OpenID discovery, its public keys, and a token
for any customer that asks. DEVELOPMENT ONLY: there is no password, no client and no consent;
whoever reaches ``POST /token`` can speak for any customer. Production uses a real identity
provider (Amazon Cognito, docs/adr/0015); nothing here is deployed.

    GET  /.well-known/openid-configuration   issuer, jwks_uri, token_endpoint, algorithms
    GET  /.well-known/jwks.json              the public half of the key made at start
    POST /token                              customer=alice (form) or {"customer": "alice"}
                                             -> {"access_token", "token_type": "Bearer",
                                                 "expires_in"}
    GET  /authorize                          the sign-in page of the code flow with PKCE:
    POST /authorize                          "continue as <name>", then back to the client
                                             with a one-time code (codes.py)
    POST /token  grant_type=authorization_code, code, redirect_uri, client_id, code_verifier
                                             -> the same token body, for that code's customer

The code flow is the one the web front end runs against Cognito in production (web/signin.py),
so locally the same client code signs in here; the client id is the audience.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from chassis import Problem
from chassis.fastapi import install
from devissuer.codes import Codes, InvalidGrant
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
    codes = Codes()
    discovery = {
        "issuer": settings.issuer,
        "jwks_uri": f"{settings.issuer}/.well-known/jwks.json",
        # Browsers come to the sign-in page; containers to the token endpoint.
        "authorization_endpoint": f"{settings.public_url}/authorize",
        "token_endpoint": f"{settings.issuer}/token",
        "response_types_supported": ["code"],
        "grant_types_supported": [
            "authorization_code",
            "urn:flightres:params:grant-type:development",
        ],
        "code_challenge_methods_supported": ["S256"],
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

    @app.get("/authorize")
    async def authorize(request: Request) -> Response:
        request_params = dict(request.query_params)
        refusal = _authorization_refusal(request_params, settings)
        if refusal:
            return HTMLResponse(_page("Cannot sign in", f"<p>{html.escape(refusal)}</p>"), 400)
        return HTMLResponse(_signin_form(request_params))

    @app.post("/authorize")
    async def approve(request: Request) -> Response:
        fields = _form(request.headers.get("content-type", ""), await request.body())
        refusal = _authorization_refusal(fields, settings)
        if refusal:
            return HTMLResponse(_page("Cannot sign in", f"<p>{html.escape(refusal)}</p>"), 400)
        customer = fields.get("customer", "").strip()
        if not CUSTOMER.fullmatch(customer):
            message = "A name is 1 to 64 of A-Z, a-z, 0-9, '_' and '-'."
            return HTMLResponse(_signin_form(fields, message), 422)
        code = codes.issue(
            customer, fields["client_id"], fields["redirect_uri"], fields["code_challenge"]
        )
        back = {"code": code, **({"state": fields["state"]} if fields.get("state") else {})}
        return RedirectResponse(f"{fields['redirect_uri']}?{urlencode(back)}", 303)

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        content_type, body = request.headers.get("content-type", ""), await request.body()
        fields = _form(content_type, body)
        if fields.get("grant_type") == "authorization_code":
            try:
                customer = codes.redeem(
                    fields.get("code", ""),
                    fields.get("client_id", ""),
                    fields.get("redirect_uri", ""),
                    fields.get("code_verifier", ""),
                )
            except InvalidGrant as refused:
                error = {"error": "invalid_grant", "error_description": str(refused)}
                return JSONResponse(error, 400, headers={"Cache-Control": "no-store"})
        else:
            customer = customer_of(content_type, body)
        access_token = signing_key.mint(
            customer,
            issuer=settings.issuer,
            audience=settings.audience,
            lifetime=settings.token_lifetime,
        )
        answer = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": settings.token_lifetime,
        }
        # RFC 6749 5.1: token responses are not cached.
        return JSONResponse(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    return app


def _authorization_refusal(params: dict[str, str], settings: Settings) -> str | None:
    """Why a sign-in request cannot go on, shown on this page (never sent to a redirect URI
    that is not registered: that would be an open redirect)."""
    if params.get("redirect_uri") not in settings.redirect_uris:
        return "redirect_uri is not one this issuer may return to (DEVISSUER_REDIRECT_URIS)"
    if params.get("client_id") != settings.audience:
        return f"client_id must be {settings.audience!r} (the audience of the tokens)"
    if params.get("response_type", "code") != "code":
        return "response_type must be code"
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        return "a PKCE code_challenge with code_challenge_method S256 is required"
    return None


_PASSED_ON = ("client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")


def _signin_form(params: dict[str, str], message: str | None = None) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
        for name in _PASSED_ON
    )
    alert = f'<p role="alert">{html.escape(message)}</p>' if message else ""
    return _page(
        "Sign in (development)",
        f"""<p>This is the local development issuer: there is no password. Continue as any
        customer name; in production this page is the identity provider's.</p>{alert}
        <form method="post" action="/authorize">{hidden}
        <label>Name <input name="customer" value="{html.escape(params.get("customer", ""))}"
          required pattern="[A-Za-z0-9_\\-]{{1,64}}" autofocus autocomplete="username"></label>
        <button type="submit">Continue</button></form>""",
    )


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f'<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 3rem auto">'
        f"<h1>{title}</h1>{body}</body></html>"
    )


def _form(content_type: str, body: bytes) -> dict[str, str]:
    """A urlencoded form's fields, the first value of each; empty for anything else."""
    if not content_type.startswith(FORM):
        return {}
    try:
        fields = parse_qs(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        raise _invalid("the form is not UTF-8") from None
    return {name: values[0] for name, values in fields.items()}


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
