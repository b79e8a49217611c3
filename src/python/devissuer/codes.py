"""One-time authorization codes for the sign-in flow (OAuth 2.0 code grant with PKCE,
RFC 6749 4.1 and RFC 7636), kept in memory: a development tool with one process."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

LIFETIME = 60.0  # seconds a code may wait for its exchange
MAX_PENDING = 1000  # codes never exchanged are dropped oldest first


@dataclass(frozen=True)
class Grant:
    customer: str
    client_id: str
    redirect_uri: str
    challenge: str  # S256: base64url(sha256(verifier)), unpadded
    expires: float


class InvalidGrant(Exception):
    """The code is unknown, used, expired, or was issued to another client, redirect or
    verifier; RFC 6749's ``invalid_grant``."""


class Codes:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._grants: OrderedDict[str, Grant] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock

    def issue(self, customer: str, client_id: str, redirect_uri: str, challenge: str) -> str:
        code = secrets.token_urlsafe(32)
        grant = Grant(customer, client_id, redirect_uri, challenge, self._clock() + LIFETIME)
        with self._lock:
            self._grants[code] = grant
            while len(self._grants) > MAX_PENDING:
                self._grants.popitem(last=False)
        return code

    def redeem(self, code: str, client_id: str, redirect_uri: str, verifier: str) -> str:
        """The customer the code was issued for; the code is spent whatever the outcome."""
        with self._lock:
            grant = self._grants.pop(code, None)
        if grant is None or grant.expires < self._clock():
            raise InvalidGrant("the code is unknown, used or expired")
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            raise InvalidGrant("the code was issued to another client or redirect URI")
        if not secrets.compare_digest(challenge_of(verifier), grant.challenge):
            raise InvalidGrant("the code verifier does not match the code challenge")
        return grant.customer


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
