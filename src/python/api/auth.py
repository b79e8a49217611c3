"""Who is calling: the customer named by a bearer token's subject (docs/adr/0015).

An OAuth2 resource server's half of OpenID Connect: the API layer never sees a password. It
checks a JWT's signature against the issuer's public keys (its JWKS, or one PEM file), the
algorithm against an allow-list of asymmetric ones, and the ``iss``, audience, ``exp`` and
``nbf`` claims with a small leeway; the customer is ``sub``.

joserfc rather than PyJWT: measured here, RS256 verification took 80 µs with joserfc and
105 µs with PyJWT 2.15 (whose base64url check walks each character in Python); the same for
ES256 (ADR 0015 has the figures).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    InvalidKeyTypeError,
    JoseError,
    MissingClaimError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import ECKey, KeySet, RSAKey
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

from api.clients.http import ClientConfig, ServiceClient
from api.ports import UpstreamUnavailable

log = logging.getLogger(__name__)

# Asymmetric only: never "none", and never HS256, whose "secret" would be the public key.
ALGORITHMS = ("RS256", "ES256")
LEEWAY = 30  # seconds of clock skew tolerated on exp/nbf
# The reservations service takes customer ids of this shape; a Cognito sub (a UUID) fits.
SUBJECT = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Three base64url parts; a few KiB at most (a Cognito access token is about 1 KiB).
TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
MAX_TOKEN = 8192
KEY_TYPES = frozenset({"RSA", "EC"})
IDENTITY = "identity"  # the issuer, as named in 503 problems and logs
NO_KEYS_RETRY = 1.0  # seconds between fetches while no keys are held


class NotAuthenticated(Exception):
    """No usable credentials. ``error`` is RFC 6750's code: None when the request carried
    no bearer token at all, ``invalid_token`` when it carried a bad one."""

    def __init__(self, description: str, error: str | None = "invalid_token") -> None:
        super().__init__(description)
        self.description = description
        self.error = error


class Authenticator(Protocol):
    async def customer(self, authorization: str | None) -> str:
        """The customer an ``Authorization`` header value speaks for; raises
        NotAuthenticated, or UpstreamUnavailable when the issuer's keys cannot be had."""
        ...


class Keys(Protocol):
    async def key_set(self, refresh: bool) -> KeySet | RSAKey | ECKey:
        """The keys to verify with; ``refresh`` asks for a fresh copy (a token named a key
        that is not in the last one), which a key source may decline to fetch so soon."""
        ...


@dataclass(frozen=True)
class AuthConfig:
    issuer: str
    audience: str
    audience_claim: str = "aud"  # "client_id" for Amazon Cognito's access tokens
    jwks_url: str | None = None
    public_key_file: str | None = None
    leeway: int = LEEWAY
    jwks_min_refresh: float = 30.0  # seconds between fetches caused by unknown key ids
    jwks_max_age: float = 3600.0  # seconds before the keys are fetched again regardless


class Verifier:
    def __init__(self, config: AuthConfig, keys: Keys) -> None:
        self._keys = keys
        required: dict[str, ClaimsOption] = {
            "iss": {"essential": True, "value": config.issuer},
            config.audience_claim: {"essential": True, "value": config.audience},
            "sub": {"essential": True},
            "exp": {"essential": True},
        }
        self._claims = JWTClaimsRegistry(None, config.leeway, **required)

    async def customer(self, authorization: str | None) -> str:
        token = _bearer_token(authorization)
        try:
            verified = _decode(token, await self._keys.key_set(refresh=False))
        except InvalidKeyIdError:
            # The issuer may have rotated its keys since they were fetched.
            try:
                verified = _decode(token, await self._keys.key_set(refresh=True))
            except InvalidKeyIdError:
                raise NotAuthenticated("The token's key id is not one of the issuer's") from None
        claims = verified.claims
        try:
            self._claims.validate(claims)
        except ExpiredTokenError:
            raise NotAuthenticated("The token has expired") from None
        except (InvalidClaimError, MissingClaimError) as exc:
            raise NotAuthenticated(_claim_problem(exc)) from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not SUBJECT.fullmatch(subject):
            raise NotAuthenticated("The token's subject is not a customer id this API takes")
        return subject


def _bearer_token(authorization: str | None) -> str:
    if authorization is None:
        raise NotAuthenticated("This request needs a bearer token", error=None)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("This request needs a bearer token", error=None)
    if len(token) > MAX_TOKEN or not TOKEN.fullmatch(token):
        raise NotAuthenticated("The bearer token is not a JWT")
    return token


def _decode(token: str, keys: KeySet | RSAKey | ECKey) -> jwt.Token:
    try:
        return jwt.decode(token, keys, algorithms=list(ALGORITHMS))
    except InvalidKeyIdError:
        raise
    except UnsupportedAlgorithmError:
        raise NotAuthenticated(
            f"The token's algorithm is not allowed (allowed: {', '.join(ALGORITHMS)})"
        ) from None
    except BadSignatureError:
        raise NotAuthenticated("The token's signature does not verify") from None
    except InvalidKeyTypeError:  # e.g. RS256 named with an EC key
        raise NotAuthenticated("The token's algorithm does not fit the issuer's key") from None
    except (JoseError, ValueError):  # not JSON, wrong key type for its alg, ...
        raise NotAuthenticated("The token cannot be read") from None


def _claim_problem(error: InvalidClaimError | MissingClaimError) -> str:
    claim = error.claim
    if isinstance(error, MissingClaimError):
        return f"The token has no '{claim}' claim"
    if claim == "nbf":
        return "The token is not valid yet"
    return f"The token's '{claim}' claim is not the one this API takes"


# --- where the keys come from -------------------------------------------------------------


class KeyFile:
    """One public key from a PEM file, read once at start."""

    def __init__(self, path: str) -> None:
        pem = Path(path).read_bytes()
        try:
            self._key: RSAKey | ECKey = RSAKey.import_key(pem)
        except InvalidKeyTypeError:  # a PEM key, but not RSA
            self._key = ECKey.import_key(pem)

    async def key_set(self, refresh: bool) -> RSAKey | ECKey:
        return self._key  # one key: used whatever key id a token names


class Jwks:
    """The issuer's JWKS over HTTP: fetched on first use, again after ``max_age``, and when
    a token names an unknown key id, but not more often than every ``min_refresh`` seconds
    (a stream of made-up key ids must not become a stream of fetches). If a fetch fails,
    the keys already held stay in use; with none held, requests get 503 (not a storm of
    401s) and a fetch is tried again at most every second."""

    def __init__(
        self,
        url: str,
        config: ClientConfig,
        *,
        min_refresh: float,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(url)
        self._path = parts.path or "/"
        self._client = ServiceClient(IDENTITY, f"{parts.scheme}://{parts.netloc}", config)
        self._min_refresh = min_refresh
        self._max_age = max_age
        self._clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = -float("inf")  # the last attempt, successful or not
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def key_set(self, refresh: bool) -> KeySet:
        # Without keys, wait for a fetch in flight rather than answer 503 at once.
        if self._keys is None or self._due(refresh):
            async with self._lock:  # one fetch at a time; who waited uses its result
                if self._due(refresh):
                    await self._fetch()
        if self._keys is None:
            raise UpstreamUnavailable(IDENTITY, "the issuer's keys cannot be fetched")
        return self._keys

    def _due(self, refresh: bool) -> bool:
        age = self._clock() - self._fetched_at
        if self._keys is None:
            return age >= NO_KEYS_RETRY
        return age >= self._max_age or (refresh and age >= self._min_refresh)

    async def _fetch(self) -> None:
        self._fetched_at = self._clock()
        try:
            response = await self._client.send("GET", self._path, retry=True)
        except UpstreamUnavailable as exc:
            log.warning("cannot fetch the issuer's keys: %s", exc)
            return
        keys = _key_set(self._client.json(response)) if response.status == 200 else None
        if keys is None:
            log.warning("the issuer's JWKS answered %d without usable keys", response.status)
            return
        self._keys = keys


def _key_set(document: Any) -> KeySet | None:
    """The signing keys of a JWKS document this API can use; None when it has none."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        return None
    usable = [
        key
        for key in document["keys"]
        if isinstance(key, dict) and key.get("kty") in KEY_TYPES and key.get("use", "sig") == "sig"
    ]
    try:
        return KeySet.import_key_set({"keys": usable}) if usable else None
    except (JoseError, ValueError, TypeError):
        return None
