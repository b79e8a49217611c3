from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from api.auth import AuthConfig, KeyFile, NotAuthenticated, Verifier
from benchmarks.baselines import UnverifiedSubject, describe, mint_tokens
from devissuer.keys import SigningKey


def test_the_baselines_are_described_with_the_services_server_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The report's server settings come from the services' own settings, read from the
    same environment as the baselines': change one, and both change."""
    monkeypatch.setenv("RESERVATIONS_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("RESERVATIONS_WORKER_CLASS", "sync")
    monkeypatch.setenv("RESERVATIONS_WORKERS", "8")
    monkeypatch.setenv("API_WORKERS", "2")
    described = describe()
    assert described["reservations"]["worker_class"] == "sync"
    assert described["reservations"]["workers"] == 8
    assert described["uvicorn_options"]["workers"] == 2


def test_tokens_are_minted_per_customer_and_verify_with_the_api_layers_verifier(
    tmp_path: Path,
) -> None:
    minted = mint_tokens(str(tmp_path), 3, "https://issuer.test", "flightres-api", 600)
    assert minted["tokens"] == 3
    assert minted["verify_us"] > 0
    document = json.loads((tmp_path / "tokens.json").read_text())
    assert document["customers"] == ["bench-c0", "bench-c1", "bench-c2"]
    config = AuthConfig("https://issuer.test", "flightres-api")
    verifier = Verifier(config, KeyFile(minted["issuer_pem"]))
    customers = [
        asyncio.run(verifier.customer(f"Bearer {token}")) for token in document["tokens"]
    ]
    assert customers == document["customers"]


def test_the_unverified_verifier_takes_any_subject_and_checks_nothing() -> None:
    forged = SigningKey.generate().mint("mallory", issuer="anyone", audience="anything")
    assert asyncio.run(UnverifiedSubject().customer(f"Bearer {forged}")) == "mallory"
    for header in (None, "", "Basic abc", "Bearer not-a-jwt"):
        with pytest.raises(NotAuthenticated):
            asyncio.run(UnverifiedSubject().customer(header))
