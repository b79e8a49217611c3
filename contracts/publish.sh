#!/usr/bin/env bash
# Publishes the committed pacts to a Pact Broker, when one is configured.
#
#   PACT_BROKER_BASE_URL   the broker; unset: nothing is published and nothing touches the network
#   PACT_BROKER_TOKEN      or PACT_BROKER_USERNAME + PACT_BROKER_PASSWORD (read by the CLI itself)
#
# The consumer version is the short git sha and the branch the current git branch, so the
# broker's can-i-deploy can match them with the providers' verification results. The pact CLI
# (pact-python-cli) is installed on first use into a cached venv; it is not part of the build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli_version="1!0.10.9"

if [[ -z "${PACT_BROKER_BASE_URL:-}" ]]; then
  echo "publish: PACT_BROKER_BASE_URL is not set; no broker, nothing published"
  exit 0
fi

venv="${XDG_CACHE_HOME:-${HOME}/.cache}/flightres-pact-cli"
if [[ ! -x "${venv}/bin/pact" ]]; then
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet "pact-python-cli==${cli_version}"
fi

version="$(git -C "${here}" rev-parse --short HEAD)"
branch="$(git -C "${here}" rev-parse --abbrev-ref HEAD)"
echo "publish: pacts of consumer version ${version} (branch ${branch}) to ${PACT_BROKER_BASE_URL}"
"${venv}/bin/pact" broker publish "${here}"/api-*.json \
  --consumer-app-version "${version}" --branch "${branch}" --retries "${PACT_BROKER_RETRIES:-3}"
