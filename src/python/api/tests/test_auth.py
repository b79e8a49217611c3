"""Bearer tokens: the verifier's checks one by one (each test fails without its check), the
issuer's keys over real HTTP (rotation, bounded refreshes, the issuer down), and what the
HTTP layer answers (401 with an RFC 6750 challenge, 503 when no keys can be had)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.app import create_app
from api.auth import AuthConfig, Jwks, KeyFile, NotAuthenticated, Verifier
from api.clients.http import ClientConfig
from api.ports import UpstreamUnavailable
from api.tests.conftest import (
    AUDIENCE,
    AUTH,
    ISSUER,
    PUBLIC_KEY_FILE,
    SIGNING_KEY,
    Fakes,
    api_settings,
    bearer,
    spec_checked,
    token,
)
from devissuer.keys import SigningKey
from testsupport.serving import serving_asgi

FAST = ClientConfig(connect_timeout=0.5, read_timeout=0.5, retries=0)


def customer_of(authorization: str | None, config: AuthConfig = AUTH) -> str:
    assert config.public_key_file is not None
    verifier = Verifier(config, KeyFile(config.public_key_file))
    return asyncio.run(verifier.customer(authorization))


def rejection(authorization: str | None, config: AuthConfig = AUTH) -> NotAuthenticated:
    with pytest.raises(NotAuthenticated) as caught:
        customer_of(authorization, config)
    return caught.value


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], sign: Any = None) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"Bearer {signing_input}.{b64(signature)}"


def good_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": now + 600, **changes}


# --- the verifier's checks -----------------------------------------------------------------


def test_a_good_token_names_its_customer() -> None:
    assert customer_of(f"Bearer {token('alice')}") == "alice"
    assert customer_of(f"bearer  {token('bob')} ") == "bob"  # scheme case, spaces


@pytest.mark.parametrize("authorization", [None, "", "Basic YWxpY2U6c2VjcmV0", "Bearer"])
def test_no_bearer_token_is_an_error_without_a_code(authorization: str | None) -> None:
    rejected = rejection(authorization)
    assert (rejected.error, rejected.description) == (None, "This request needs a bearer token")


@pytest.mark.parametrize("value", ["not-a-jwt", "a.b", "a.b.c.d", "é.b.c", "a." * 5000 + "b"])
def test_a_bearer_value_that_is_not_a_jwt(value: str) -> None:
    rejected = rejection(f"Bearer {value}")
    assert rejected.error == "invalid_token"
    assert rejected.description == "The bearer token is not a JWT"


def test_a_tampered_payload_does_not_verify() -> None:
    header, _, signature = token("alice").split(".")
    payload = b64(json.dumps(good_claims(sub="bob")).encode())
    rejected = rejection(f"Bearer {header}.{payload}.{signature}")
    assert rejected.description == "The token's signature does not verify"


def test_a_token_signed_by_another_key_with_the_same_kid_does_not_verify() -> None:
    other = SigningKey.generate()
    impostor = other.mint("alice", issuer=ISSUER, audience=AUDIENCE)
    header = b64(json.dumps({"alg": "RS256", "kid": SIGNING_KEY.kid}).encode())
    _, payload, signature = impostor.split(".")
    rejected = rejection(f"Bearer {header}.{payload}.{signature}")
    assert rejected.description == "The token's signature does not verify"


def test_alg_none_is_refused() -> None:
    rejected = rejection(forged({"alg": "none"}, good_claims()))
    assert rejected.description == "The token's algorithm is not allowed (allowed: RS256, ES256)"


def test_hs256_with_the_public_key_as_its_secret_is_refused() -> None:
    # The classic confusion: a verifier that lets the token pick HMAC would take the public
    # key, which anyone has, as the shared secret.
    secret = SIGNING_KEY.public_pem()
    token_ = forged(
        {"alg": "HS256", "kid": SIGNING_KEY.kid},
        good_claims(),
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )
    rejected = rejection(token_)
    assert rejected.description == "The token's algorithm is not allowed (allowed: RS256, ES256)"


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"iss": "https://evil.test"}, "The token's 'iss' claim is not the one this API takes"),
        ({"aud": "another-api"}, "The token's 'aud' claim is not the one this API takes"),
        ({"aud": ["another-api", "x"]}, "The token's 'aud' claim is not the one this API takes"),
        ({"iss": None}, "The token has no 'iss' claim"),
        ({"aud": None}, "The token has no 'aud' claim"),
        ({"exp": None}, "The token has no 'exp' claim"),
        ({"sub": None}, "The token has no 'sub' claim"),
        ({"sub": "alice smith"}, "The token's subject is not a customer id this API takes"),
        ({"sub": "a" * 65}, "The token's subject is not a customer id this API takes"),
    ],
    ids=["iss", "aud", "aud-list", "no-iss", "no-aud", "no-exp", "no-sub", "sub-space", "sub-65"],
)
def test_claims_other_than_this_apis_are_refused(claims: dict[str, Any], description: str) -> None:
    payload = {k: v for k, v in good_claims(**claims).items() if v is not None}
    header = {"alg": "RS256", "kid": SIGNING_KEY.kid}
    rejected = rejection(f"Bearer {jwt.encode(header, payload, SIGNING_KEY.key)}")
    assert rejected.description == description


def test_an_audience_list_naming_this_api_is_taken() -> None:
    mixed = SIGNING_KEY.mint("alice", issuer=ISSUER, audience="x", aud=["other", AUDIENCE])
    assert customer_of(f"Bearer {mixed}") == "alice"


def test_expiry_is_checked_with_a_small_leeway() -> None:
    now = int(time.time())
    within = SIGNING_KEY.mint("alice", issuer=ISSUER, audience=AUDIENCE, now=now - 3600 - 10)
    beyond = SIGNING_KEY.mint("alice", issuer=ISSUER, audience=AUDIENCE, now=now - 3600 - 60)

    assert customer_of(f"Bearer {within}") == "alice"
    assert rejection(f"Bearer {beyond}").description == "The token has expired"


def test_a_token_not_valid_yet_is_refused() -> None:
    early = token("alice", nbf=int(time.time()) + 120)
    assert rejection(f"Bearer {early}").description == "The token is not valid yet"


def test_es256_tokens_verify_against_an_ec_key(tmp_path: Any) -> None:
    ec = SigningKey.generate("EC")
    pem = tmp_path / "ec.pem"
    pem.write_bytes(ec.public_pem())
    config = AuthConfig(issuer=ISSUER, audience=AUDIENCE, public_key_file=str(pem))

    es256 = ec.mint("alice", issuer=ISSUER, audience=AUDIENCE)
    assert customer_of(f"Bearer {es256}", config) == "alice"
    # An RS256 token is not verified with the EC key, whatever it claims.
    assert rejection(f"Bearer {token('alice')}", config).description == (
        "The token's algorithm does not fit the issuer's key"
    )


def test_cognito_access_tokens_carry_the_audience_in_client_id() -> None:
    config = AuthConfig(issuer=ISSUER, audience="app-client-1", audience_claim="client_id",
                        public_key_file=PUBLIC_KEY_FILE)
    access = SIGNING_KEY.mint(
        "alice", issuer=ISSUER, audience="", client_id="app-client-1", token_use="access"
    )
    other_client = SIGNING_KEY.mint("alice", issuer=ISSUER, audience="", client_id="app-client-2")

    assert customer_of(f"Bearer {access}", config) == "alice"
    assert rejection(f"Bearer {other_client}", config).description == (
        "The token's 'client_id' claim is not the one this API takes"
    )


# --- the issuer's keys over HTTP -----------------------------------------------------------


@dataclass
class FakeIssuer:
    """A JWKS endpoint whose keys, and whether it answers, a test sets."""

    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey.generate()])
    status: int = 200
    fetches: int = 0
    delay: float = 0.0

    def app(self) -> Starlette:
        async def jwks(request: Request) -> Response:
            self.fetches += 1
            await asyncio.sleep(self.delay)
            if self.status != 200:
                return Response(status_code=self.status)
            return JSONResponse({"keys": [key.jwks()["keys"][0] for key in self.keys]})

        return Starlette(routes=[Route("/.well-known/jwks.json", jwks)])

    def bearer(self, customer: str, key: int = 0) -> str:
        return f"Bearer {self.keys[key].mint(customer, issuer=ISSUER, audience=AUDIENCE)}"


@pytest.fixture()
def issuer() -> Iterator[tuple[FakeIssuer, str]]:
    fake = FakeIssuer()
    with serving_asgi(fake.app()) as url:
        yield fake, f"{url}/.well-known/jwks.json"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def verifier_of(jwks_url: str, clock: Clock) -> AsyncIterator[Verifier]:
    """One verifier (one API process) with keys of its own, closed afterwards."""
    keys = Jwks(jwks_url, FAST, min_refresh=30, max_age=3600, clock=clock)
    try:
        yield Verifier(AUTH, keys)
    finally:
        await keys.aclose()


def run_verifier(jwks_url: str, clock: Clock, *authorizations: str) -> list[str | Exception]:
    """What one verifier makes of each header in turn."""

    async def go() -> list[str | Exception]:
        results: list[str | Exception] = []
        async with verifier_of(jwks_url, clock) as verifier:
            for authorization in authorizations:
                try:
                    results.append(await verifier.customer(authorization))
                except (NotAuthenticated, UpstreamUnavailable) as exc:
                    results.append(exc)
        return results

    return asyncio.run(go())


def test_keys_are_fetched_once_and_kept(issuer: tuple[FakeIssuer, str]) -> None:
    fake, url = issuer
    results = run_verifier(url, Clock(), fake.bearer("alice"), fake.bearer("bob"))
    assert results == ["alice", "bob"]
    assert fake.fetches == 1


def test_requests_arriving_during_the_first_fetch_wait_for_it(
    issuer: tuple[FakeIssuer, str],
) -> None:
    fake, url = issuer
    fake.delay = 0.3  # a burst arrives while the first fetch is on its way

    async def go() -> list[str]:
        async with verifier_of(url, Clock()) as verifier:
            burst = [verifier.customer(fake.bearer(f"c{n}")) for n in range(5)]
            return list(await asyncio.gather(*burst))

    assert asyncio.run(go()) == ["c0", "c1", "c2", "c3", "c4"]
    assert fake.fetches == 1


def test_a_rotated_key_is_fetched_when_a_token_names_it(issuer: tuple[FakeIssuer, str]) -> None:
    fake, url = issuer
    clock = Clock()
    old = fake.bearer("alice")
    rotated = FakeIssuer(keys=[SigningKey.generate(), *fake.keys])

    async def go() -> list[str]:
        async with verifier_of(url, clock) as verifier:
            first = await verifier.customer(old)
            fake.keys = rotated.keys  # the issuer publishes a new key next to the old one
            clock.now += 31
            second = await verifier.customer(rotated.bearer("bob"))
            return [first, second]

    assert asyncio.run(go()) == ["alice", "bob"]
    assert fake.fetches == 2


def test_unknown_key_ids_cause_at_most_one_fetch_per_interval(
    issuer: tuple[FakeIssuer, str],
) -> None:
    fake, url = issuer
    strangers = [FakeIssuer().bearer("mallory") for _ in range(5)]

    results = run_verifier(url, Clock(), fake.bearer("alice"), *strangers)

    assert results[0] == "alice"
    for result in results[1:]:
        assert isinstance(result, NotAuthenticated)
        assert result.description == "The token's key id is not one of the issuer's"
    assert fake.fetches == 1  # the first fetch was just now: no refetch for made-up kids


def test_the_issuer_down_before_any_keys_is_unavailable_not_unauthenticated(
    issuer: tuple[FakeIssuer, str],
) -> None:
    fake, url = issuer
    fake.status = 503
    clock = Clock()

    async def go() -> list[object]:
        outcomes: list[object] = []
        async with verifier_of(url, clock) as verifier:
            for _ in range(3):  # a burst: one fetch, the others answered from that failure
                try:
                    outcomes.append(await verifier.customer(fake.bearer("alice")))
                except UpstreamUnavailable as exc:
                    outcomes.append(exc.service)
            fake.status = 200  # back
            clock.now += 1
            outcomes.append(await verifier.customer(fake.bearer("alice")))
        return outcomes

    assert asyncio.run(go()) == ["identity", "identity", "identity", "alice"]
    assert fake.fetches == 2


def test_the_issuer_down_later_keeps_the_keys_held(issuer: tuple[FakeIssuer, str]) -> None:
    fake, url = issuer
    clock = Clock()

    async def go() -> list[str]:
        async with verifier_of(url, clock) as verifier:
            first = await verifier.customer(fake.bearer("alice"))
            fake.status = 500
            clock.now += 7200  # past max_age: a refetch is tried, fails, the keys stay
            second = await verifier.customer(fake.bearer("bob"))
            return [first, second]

    assert asyncio.run(go()) == ["alice", "bob"]
    assert fake.fetches == 2


# --- through the HTTP layer ---------------------------------------------------------------


def test_a_booking_without_a_token_is_a_401_with_a_challenge(api: TestClient, fakes: Fakes) -> None:
    response = api.post("/bookings", json={"flight_id": 1, "seats": ["12A"]},
                        headers={"Authorization": ""})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="flightres"'
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "This request needs a bearer token"
    assert fakes.reservations.seen == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/bookings"),
        ("GET", "/bookings/01JE5Z8Q4W6V0G2X9R3M7T1B5K"),
        ("DELETE", "/bookings/01JE5Z8Q4W6V0G2X9R3M7T1B5K"),
        ("DELETE", "/bookings/1/12A"),
        ("POST", "/bookings"),
    ],
)
def test_every_bookings_route_needs_a_valid_token(
    api: TestClient, fakes: Fakes, method: str, path: str
) -> None:
    expired = token("cust-1", exp=int(time.time()) - 3600)
    body = {"flight_id": 1, "seats": ["12A"]} if method == "POST" else None

    response = api.request(method, path, json=body, headers={"Authorization": f"Bearer {expired}"})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer realm="flightres", error="invalid_token",'
        ' error_description="The token has expired"'
    )
    assert fakes.reservations.seen == []


def test_search_and_seat_maps_need_no_token(api: TestClient) -> None:
    anonymous = {"Authorization": ""}
    assert api.get("/flights?origin=JFK", headers=anonymous).status_code == 200
    assert api.get("/flights/1/seats", headers=anonymous).status_code == 200


def test_no_keys_from_the_issuer_is_a_503(fakes: Fakes, issuer: tuple[FakeIssuer, str]) -> None:
    fake, url = issuer
    fake.status = 503
    settings = api_settings(fakes.flights_url, fakes.reservations_url)
    auth = AuthConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url=url)
    app = create_app(type(settings)(**{**settings.__dict__, "auth": auth}))

    with spec_checked(TestClient(app, raise_server_exceptions=False)) as api:
        response = api.post("/bookings", json={"flight_id": 1, "seats": ["12A"]},
                            headers={"Authorization": fake.bearer("alice")})

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["detail"] == "The identity service is unavailable, please retry later"
    assert fakes.reservations.seen == []


def test_the_booking_is_the_tokens_customers(api: TestClient, fakes: Fakes) -> None:
    response = api.post("/bookings", json={"flight_id": 1, "seats": ["12A"]},
                        headers=bearer("alice"))

    assert response.status_code == 201
    assert response.json()["customer_id"] == "alice"
    assert fakes.reservations.held == {("1", "12A"): "alice"}
