"""The development-only issuer over HTTP (Starlette's TestClient): its tokens verify against
the JWKS it publishes, with the claims the API layer requires, and bad customers get a 422."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from joserfc.jwk import KeySet

from devissuer.app import create_app
from devissuer.codes import Codes, InvalidGrant, challenge_of
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


# The sign-in flow (authorization code with PKCE), as the web front end runs it.
CLIENT = {"client_id": "test-api", "redirect_uri": "http://127.0.0.1:8000/signin/callback"}
VERIFIER = "v" * 50


def sign_in(client: TestClient, customer: str = "alice", **overrides: str) -> Any:
    params = {
        **CLIENT,
        "response_type": "code",
        "state": "s-123",
        "code_challenge": challenge_of(VERIFIER),
        "code_challenge_method": "S256",
        "customer": customer,
        **overrides,
    }
    return client.post("/authorize", data=params, follow_redirects=False)


def code_of(response: Any) -> str:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == CLIENT["redirect_uri"]
    assert query["state"] == ["s-123"]
    return str(query["code"][0])


def exchange(client: TestClient, code: str, **overrides: str) -> Any:
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER}
    return client.post("/token", data={**CLIENT, **form, **overrides})


def test_discovery_names_the_sign_in_page_at_the_public_url(client: TestClient) -> None:
    discovery = client.get("/.well-known/openid-configuration").json()
    assert discovery["authorization_endpoint"] == f"{SETTINGS.public_url}/authorize"
    assert discovery["token_endpoint"] == "http://issuer.test:8090/token"
    assert discovery["code_challenge_methods_supported"] == ["S256"]


def test_the_sign_in_page_carries_the_request_into_its_form(client: TestClient) -> None:
    params = {**CLIENT, "response_type": "code", "state": "s<1>", "code_challenge": "c",
              "code_challenge_method": "S256"}
    page = client.get("/authorize", params=params)
    assert page.status_code == 200
    assert 'name="customer"' in page.text
    assert 'name="state" value="s&lt;1&gt;"' in page.text  # escaped, not markup


def test_a_code_is_exchanged_once_for_a_token_of_that_customer(client: TestClient) -> None:
    code = code_of(sign_in(client, "carol"))
    response = exchange(client, code)
    assert response.status_code == 200, response.text
    assert verified_claims(client, response.json()["access_token"])["sub"] == "carol"
    again = exchange(client, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "override",
    [
        {"code_verifier": "w" * 50},
        {"redirect_uri": "http://127.0.0.1:8000/elsewhere"},
        {"client_id": "someone-else"},
    ],
)
def test_a_code_needs_its_verifier_client_and_redirect(
    client: TestClient, override: dict[str, str]
) -> None:
    code = code_of(sign_in(client))
    refused = exchange(client, code, **override)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert exchange(client, code).status_code == 400  # spent by the failed attempt


@pytest.mark.parametrize(
    "override",
    [
        {"redirect_uri": "https://attacker.example/callback"},
        {"client_id": "another-client"},
        {"code_challenge_method": "plain"},
        {"code_challenge": ""},
    ],
)
def test_a_bad_sign_in_request_is_refused_on_the_page_not_redirected(
    client: TestClient, override: dict[str, str]
) -> None:
    response = sign_in(client, **override)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_a_bad_name_redraws_the_form(client: TestClient) -> None:
    response = sign_in(client, "not a name")
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert 'name="customer"' in response.text


def test_codes_expire() -> None:
    now = [0.0]
    codes = Codes(clock=lambda: now[0])
    code = codes.issue("alice", "c", "http://x/cb", challenge_of(VERIFIER))
    now[0] += 61
    with pytest.raises(InvalidGrant):
        codes.redeem(code, "c", "http://x/cb", VERIFIER)
