#!/usr/bin/env bash
# Install the host tools the stack and the tests use, from Debian's packages, when missing:
#   docker-compose   `make start` and the compose file's validation (Compose v1.29: Debian
#                    bookworm has no Compose v2 plugin)
#   docker-registry  the registry on 127.0.0.1 that the release-flow test pushes to
#   wrk              the HTTP load tool of `make bench`
#   chromium         the headless browser of the web front end's tests (driven by Playwright;
#                    Playwright's own browser download needs the internet)
# Usage: build-support/host-tools.sh [COMMAND...]   (default: all of them)
# Prints one progress line; apt's output goes to a log that is shown and named on failure.
set -euo pipefail
# shellcheck source=build-support/progress.sh
source "$(dirname "${BASH_SOURCE[0]}")/progress.sh"
declare -A package=([docker-compose]=docker-compose [docker-registry]=docker-registry [wrk]=wrk
                    [chromium]="chromium fonts-dejavu-core")
wanted=("$@")
((${#wanted[@]})) || wanted=("${!package[@]}")

missing=()
for tool in "${wanted[@]}"; do
  [[ -n "${package[${tool}]:-}" ]] || { echo "host-tools: unknown tool '${tool}'" >&2; exit 2; }
  if ! command -v "${tool}" >/dev/null 2>&1; then
    read -ra packages <<<"${package[${tool}]}"
    missing+=("${packages[@]}")
  fi
done

apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -qq "$@"; }
# Keep the packages' init scripts from starting services (docker-registry would listen on every
# interface; the release-flow test starts its own on 127.0.0.1): a policy-rc.d that says no,
# unless the machine has one already.
policy=/usr/sbin/policy-rc.d

install_missing() {
  ((${#missing[@]})) || return 0
  [[ "$(id -u)" -eq 0 ]] || { echo "host-tools: need root to install ${missing[*]} (run: sudo $0)" >&2; exit 1; }
  echo "host-tools: installing ${missing[*]}" >&2
  if [[ ! -e "${policy}" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"${policy}" && chmod +x "${policy}"
    trap 'rm -f "${policy}"' EXIT
  fi
  # A fresh machine may have empty package lists: update first.
  apt_get update >&2
  apt_get install -y --no-install-recommends "${missing[@]}" >&2
}

step 1/1 "Host tools (${wanted[*]})" install_missing
