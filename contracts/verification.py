"""Provider verification shared by the services' pact tests: find a provider's pacts in this
directory, check that every provider state has a handler, replay the pacts against the running
provider with the states served by ``provider_states.serve``, and fail the test with Pact's report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import provider_states
import pytest
from pact import Verifier

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")  # else every verify calls an analytics host

# The committed pacts sit next to this module, in the repository and in Pants' sandbox alike
# (tests that verify depend on contracts:pacts).
CONTRACTS = Path(__file__).resolve().parent


def pacts_for(provider: str) -> list[Path]:
    pacts = sorted(
        path
        for path in CONTRACTS.glob("*.json")
        if json.loads(path.read_text("utf-8"))["provider"]["name"] == provider
    )
    if not pacts:
        pytest.fail(
            f"no pact for provider {provider!r} in {CONTRACTS}: is contracts:pacts a "
            "dependency of this test (tests/BUILD)?",
            pytrace=False,
        )
    return pacts


def verify(
    provider: str, service_url: str, handlers: Mapping[str, provider_states.Handler]
) -> None:
    """Replay every pact of ``provider`` against ``service_url``; fails the test with Pact's
    report on any mismatch (Pact prints the report either way)."""
    pacts = pacts_for(provider)
    # A state without a handler makes Pact retry its state change for about two minutes.
    unknown = provider_states.missing_handlers(pacts, handlers)
    if unknown:
        pytest.fail(
            f"the pacts for {provider} use provider states this test has no handler for: "
            f"{sorted(unknown)}; add them to the handlers (contracts/README.md says what "
            "each must set up)",
            pytrace=False,
        )
    # A handler that raises would make the endpoint answer 500, and Pact would retry for
    # minutes too: record the error, answer with no values, and fail after the run.
    state_errors: list[str] = []

    def reporting(name: str, handler: provider_states.Handler) -> provider_states.Handler:
        def handle(action: str, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
            try:
                return handler(action, params)
            except Exception as exc:  # noqa: BLE001 - reported with the verification result
                state_errors.append(f"{name!r} {action} {dict(params)}: {exc!r}")
                return None

        return handle

    with provider_states.serve(
        {name: reporting(name, handler) for name, handler in handlers.items()}
    ) as states_url:
        verifier = (
            Verifier(provider, host="127.0.0.1")
            .add_transport(url=service_url)
            .state_handler(states_url, teardown=True, body=True)
            .set_coloured_output(enabled=False)
            .set_error_on_empty_pact(enabled=True)
        )
        for pact in pacts:
            verifier.add_source(pact)
        try:
            verifier.verify()
        except RuntimeError:
            failed = True
        else:
            failed = False
    report = str(verifier.output(strip_ansi=True))
    if state_errors:
        pytest.fail(
            "provider state set-up failed:\n" + "\n".join(state_errors) + "\n\n" + report,
            pytrace=False,
        )
    if failed:
        pytest.fail(f"{provider} does not honour its pacts:\n{report}", pytrace=False)
