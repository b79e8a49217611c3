"""The development-only issuer over HTTP (Starlette's TestClient): its tokens verify against
the JWKS it publishes, with the claims the API layer requires, and bad customers get a 422."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from joserfc.jwk import KeySet

from devissuer.app import create_app
from devissuer.keys import SigningKey
from devissuer.settings import Settings

SETTINGS = Settings(issuer="http://issuer.test:8090", audience="test-api", token_lifetime=600)


@pytest.fixture()
def client() -> Iterator[TestClient]:
    with TestClient(create_app(SETTINGS)) as test_client:
        yield test_client


def token_for(client: TestClient, **request: Any) -> dict[str, Any]:
    response = client.post("/token", **request)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def verified_claims(client: TestClient, access_token: str) -> dict[str, Any]:
    """The token's claims once verified as the API layer does: the issuer's JWKS, found
    through its discovery document, then iss, aud, sub and exp."""
    discovery = client.get("/.well-known/openid-configuration").json()
    assert discovery["jwks_uri"] == "http://issuer.test:8090/.well-known/jwks.json"
    jwks = client.get("/.well-known/jwks.json").json()
    keys = KeySet.import_key_set(jwks)
    token = jwt.decode(access_token, keys, algorithms=["RS256"])
    assert token.header["kid"] == jwks["keys"][0]["kid"]
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": SETTINGS.issuer},
        aud={"essential": True, "value": SETTINGS.audience},
        sub={"essential": True},
        exp={"essential": True},
    )
    registry.validate(token.claims)
    return dict(token.claims)


def test_a_token_for_a_form_request_verifies_against_the_published_keys(
    client: TestClient,
) -> None:
    before = int(time.time())
    body = token_for(client, data={"customer": "alice"})
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    claims = verified_claims(client, body["access_token"])
    assert claims["iss"] == "http://issuer.test:8090"
    assert claims["aud"] == "test-api"
    assert claims["sub"] == "alice"
    assert before + 600 <= claims["exp"] <= int(time.time()) + 600


def test_a_json_request_works_too(client: TestClient) -> None:
    body = token_for(client, json={"customer": "bob_2-B"})
    assert verified_claims(client, body["access_token"])["sub"] == "bob_2-B"


def test_the_discovery_document_names_the_issuer_and_its_algorithm(client: TestClient) -> None:
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == SETTINGS.issuer
    assert document["token_endpoint"] == f"{SETTINGS.issuer}/token"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]


def test_the_jwks_holds_the_public_half_only(client: TestClient) -> None:
    (key,) = client.get("/.well-known/jwks.json").json()["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert {"n", "e", "kid"} <= key.keys()
    assert not {"d", "p", "q", "dp", "dq", "qi"} & key.keys()


def test_each_start_has_a_key_of_its_own() -> None:
    """A token from another run (another key) does not verify against this run's JWKS."""
    with TestClient(create_app(SETTINGS)) as first, TestClient(create_app(SETTINGS)) as second:
        old = token_for(first, data={"customer": "alice"})["access_token"]
        first_kid = first.get("/.well-known/jwks.json").json()["keys"][0]["kid"]
        jwks = second.get("/.well-known/jwks.json").json()
        assert jwks["keys"][0]["kid"] != first_kid
        with pytest.raises((InvalidKeyIdError, BadSignatureError)):
            jwt.decode(old, KeySet.import_key_set(jwks), algorithms=["RS256"])


def test_a_given_key_is_the_one_that_signs() -> None:
    key = SigningKey.generate()
    with TestClient(create_app(SETTINGS, key)) as client:
        assert client.get("/.well-known/jwks.json").json() == key.jwks()


@pytest.mark.parametrize(
    "request_",
    [
        {"data": {"customer": ""}},
        {"data": {"customer": "a" * 65}},
        {"data": {"customer": "alice smith"}},
        {"data": {"customer": "alice/../bob"}},
        {"data": {"customer": "ålice"}},
        {"data": {"someone": "alice"}},
        {"data": {"customer": ["alice", "bob"]}},
        {"json": {"customer": 7}},
        {"json": {"customer": None}},
        {"json": ["alice"]},
        {"json": {}},
    ],
)
def test_a_bad_customer_is_a_422_problem(client: TestClient, request_: dict[str, Any]) -> None:
    response = client.post("/token", **request_)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert "customer" in problem["detail"]
    assert problem["errors"][0]["field"] == "body.customer"


def test_other_media_types_and_bad_json_are_refused(client: TestClient) -> None:
    wrong_type = client.post("/token", content=b"alice", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 415
    bad_json = client.post(
        "/token", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert bad_json.headers["content-type"].startswith("application/problem+json")


def test_health_passes(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "pass"
