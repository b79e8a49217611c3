"""Signing in: the OpenID Connect authorization-code flow with PKCE (RFC 7636), as a public
client: no client secret lives in this site.

The browser is sent to the issuer's authorization endpoint (Cognito's hosted sign-in in AWS;
locally the development issuer's "continue as <name>" page), comes back with a one-time code,
and this site swaps the code and its PKCE verifier for an access token at the token endpoint.
The token then rides in the signed session cookie and goes to the API layer as the bearer;
the API layer verifies it on every call (docs/adr/0015), this site never trusts it for more
than showing a name.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import urllib3

from web.api import Unavailable


@dataclass(frozen=True)
class Attempt:
    """What the session keeps between sending the browser away and its return."""

    state: str  # ties the return to this browser (CSRF on the redirect)
    verifier: str  # proves to the token endpoint that this site started the flow
    next: str  # the page to go back to

    @classmethod
    def start(cls, next_page: str) -> Attempt:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(48), next_page)

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class SignInFailed(Exception):
    """The issuer refused the code, or the return does not belong to this browser."""


class Issuer:
    """The configured OpenID provider; its endpoints come from its discovery document, fetched
    on first use and kept (a failed fetch is retried by the next sign-in)."""

    def __init__(self, issuer: str, client_id: str, *, timeout: float = 3.0) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self._http = urllib3.PoolManager(
            num_pools=2, retries=False, timeout=urllib3.Timeout(connect=0.5, read=timeout)
        )
        self._endpoints: dict[str, str] | None = None
        self._lock = threading.Lock()

    def authorization_url(self, attempt: Attempt, redirect_uri: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid",
            "state": attempt.state,
            "code_challenge": attempt.challenge,
            "code_challenge_method": "S256",
        }
        return f"{self._endpoint('authorization_endpoint')}?{urlencode(query)}"

    def exchange(self, attempt: Attempt, state: str, code: str, redirect_uri: str) -> str:
        """The access token for ``code``, once ``state`` proved the return is this browser's."""
        if not secrets.compare_digest(state, attempt.state):
            raise SignInFailed("the sign-in answer does not belong to this browser")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "code_verifier": attempt.verifier,
        }
        document = self._post_form(self._endpoint("token_endpoint"), form)
        token = document.get("access_token")
        if not isinstance(token, str) or not token:
            raise SignInFailed("the issuer's answer has no access token")
        return token

    def _endpoint(self, name: str) -> str:
        with self._lock:
            if self._endpoints is None:
                document = self._get(f"{self.issuer}/.well-known/openid-configuration")
                wanted = ("authorization_endpoint", "token_endpoint")
                if not all(isinstance(document.get(key), str) for key in wanted):
                    raise Unavailable(503, "The sign-in service's configuration is incomplete")
                self._endpoints = {key: document[key] for key in wanted}
            return self._endpoints[name]

    def _get(self, url: str) -> dict[str, Any]:
        return _document(self._send(lambda: self._http.request("GET", url)), refused=Unavailable)

    def _post_form(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        response = self._send(
            lambda: self._http.request_encode_body("POST", url, fields=form, encode_multipart=False)
        )
        return _document(response, refused=SignInFailed)

    @staticmethod
    def _send(request: Callable[[], urllib3.BaseHTTPResponse]) -> urllib3.BaseHTTPResponse:
        try:
            return request()
        except urllib3.exceptions.HTTPError as exc:
            raise Unavailable(503, "The sign-in service cannot be reached right now") from exc


def _document(response: urllib3.BaseHTTPResponse, *, refused: type[Exception]) -> dict[str, Any]:
    """The JSON object answered; a 4xx is ``refused`` (a code the issuer would not take, or its
    configuration unreadable), a 5xx or anything unreadable Unavailable."""
    if response.status >= 500:
        raise Unavailable(503, "The sign-in service is not answering right now")
    try:
        document = json.loads(response.data)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise Unavailable(503, "The sign-in service answered something unreadable")
    if response.status >= 400:
        reason = document.get("error_description") or document.get("error") or "refused"
        if refused is Unavailable:
            raise Unavailable(503, f"The sign-in service refused: {reason}")
        raise refused(f"the sign-in service refused: {reason}")
    return document


def display_name(token: str) -> str:
    """The name to greet the customer with: the token's ``username`` (Cognito) or ``sub``.
    Read without verifying: it only labels the page; the API layer verifies every use."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        name = claims.get("username") or claims.get("sub")
    except (IndexError, ValueError, AttributeError):
        return "customer"
    return name if isinstance(name, str) else "customer"
