"""Consumer contract tests: each interaction against Pact's mock server, and the committed
pacts in contracts/ compared with what these tests write now (stale pacts fail CI)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.tests.pacts import (
    PROVIDERS,
    REGENERATE,
    SCENARIOS,
    Scenario,
    normalised,
    pact_file,
    run_scenario,
    write_pacts,
)

# The repository root, in a checkout and in a Pants sandbox alike (tests/BUILD makes the
# committed pacts part of this test's sandbox).
ROOT = Path(__file__).resolve().parents[4]
CONTRACTS = ROOT / "contracts"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s.provider}: {s.description}")
def test_the_client_keeps_its_side_of_the_contract(scenario: Scenario) -> None:
    run_scenario(scenario)


def test_the_committed_pacts_are_what_the_consumer_tests_write(tmp_path: Path) -> None:
    written = write_pacts(tmp_path)
    stale = []
    for provider, fresh in zip(PROVIDERS, written, strict=True):
        committed = pact_file(CONTRACTS, provider)
        if not committed.is_file():
            stale.append(f"{committed.name} is missing")
        elif normalised(json.loads(committed.read_text("utf-8"))) != fresh.read_text("utf-8"):
            stale.append(f"{committed.name} differs")
    assert not stale, f"pacts are stale ({'; '.join(stale)}): run `{REGENERATE}` to regenerate"


def test_every_interaction_has_its_own_description() -> None:
    # Pact merges interactions by description and provider state: a repeated one would
    # silently replace another.
    keys = [(s.provider, s.description) for s in SCENARIOS]
    assert len(keys) == len(set(keys))


def test_the_readme_lists_every_provider_state() -> None:
    readme = (CONTRACTS / "README.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))
    used = {
        state["name"]
        for provider in PROVIDERS
        for interaction in json.loads(pact_file(CONTRACTS, provider).read_text("utf-8"))[
            "interactions"
        ]
        for state in interaction.get("providerStates", [])
    }
    assert used <= documented, f"contracts/README.md lacks {sorted(used - documented)}"
