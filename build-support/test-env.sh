#!/usr/bin/env bash
# Prepares what the integration tests need and prints the environment for them, e.g.
#   env_lines="$(build-support/test-env.sh)" && eval "${env_lines}" && ./pants test ::
#
# - TEST_MYSQL_URL and TEST_REDIS_URL set: the tests use those servers; nothing to prepare.
# - Otherwise a Docker engine is needed (started here if none runs) and images for Testcontainers:
#   MYSQL_IMAGE / REDIS_IMAGE when set, else by FLIGHTRES_IMAGES:
#     auto (default)  the local images if built, else the official ones if already pulled,
#                     else build the local images from Debian packages (no registry needed);
#     official        pull mysql:8.4 / redis:7.4 / python:3.11-slim when missing (needs a
#                     registry);
#     local           build (when missing) and use the local images.
#   BASE_IMAGE, the service images' Python base (pants.toml passes it to `docker build`),
#   follows the same choice: flightres/python:3.11 or python:3.11-slim.
# Progress goes to stderr; only `export` lines go to stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

local_mysql="flightres/mariadb:10.11" local_redis="flightres/redis:7.0"
local_python="flightres/python:3.11"
official_mysql="mysql:8.4" official_redis="redis:7.4" official_python="python:3.11-slim"
mode="${FLIGHTRES_IMAGES:-auto}"

if [[ -n "${TEST_MYSQL_URL:-}" && -n "${TEST_REDIS_URL:-}" ]]; then
  echo "test-env: using TEST_MYSQL_URL and TEST_REDIS_URL; no containers needed" >&2
  exit 0
fi

"${here}/docker-engine.sh" >&2

have() { docker image inspect "$1" >/dev/null 2>&1; }
use_local() {
  "${here}/images/build.sh" >&2
  mysql="${local_mysql}" redis="${local_redis}" python="${local_python}"
}

case "${mode}" in
  auto)
    if have "${local_mysql}" && have "${local_redis}" && have "${local_python}"; then
      mysql="${local_mysql}" redis="${local_redis}" python="${local_python}"
    elif have "${official_mysql}" && have "${official_redis}" && have "${official_python}"; then
      mysql="${official_mysql}" redis="${official_redis}" python="${official_python}"
    else
      use_local
    fi ;;
  official)
    for image in "${official_mysql}" "${official_redis}" "${official_python}"; do
      have "${image}" || docker pull -q "${image}" >&2
    done
    mysql="${official_mysql}" redis="${official_redis}" python="${official_python}" ;;
  local) use_local ;;
  *) echo "test-env: FLIGHTRES_IMAGES must be auto, official or local, not '${mode}'" >&2; exit 2 ;;
esac

echo "export MYSQL_IMAGE=${MYSQL_IMAGE:-${mysql}}"
echo "export REDIS_IMAGE=${REDIS_IMAGE:-${redis}}"
echo "export BASE_IMAGE=${BASE_IMAGE:-${python}}"
# Ryuk (Testcontainers' reaper) cannot be pulled here; the fixtures clean up after themselves.
echo "export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}"
