#!/usr/bin/env bash
# Prepares what the integration tests need and prints the environment for them, e.g.
#   eval "$(build-support/test-env.sh)" && ./pants test ::
#
# - TEST_MYSQL_URL / TEST_REDIS_URL set: the tests use those servers; nothing to prepare.
# - Otherwise a Docker engine is needed (started here if none runs) and images for Testcontainers:
#   MYSQL_IMAGE / REDIS_IMAGE if set; else the locally built images if they exist; else the
#   official images if they can be pulled; else the local images are built from Debian packages.
# Progress goes to stderr; only `export` lines go to stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

local_mysql="flightres/mariadb:10.11"
local_redis="flightres/redis:7.0"
official_mysql="mysql:8.4"
official_redis="redis:7.4"

if [[ -n "${TEST_MYSQL_URL:-}" && -n "${TEST_REDIS_URL:-}" ]]; then
  echo "test-env: using TEST_MYSQL_URL and TEST_REDIS_URL; no containers needed" >&2
  exit 0
fi

"${here}/docker-engine.sh" >&2

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if [[ -z "${MYSQL_IMAGE:-}" || -z "${REDIS_IMAGE:-}" ]]; then
  if have_image "${local_mysql}" && have_image "${local_redis}"; then
    mysql_image="${local_mysql}" redis_image="${local_redis}"
  elif have_image "${official_mysql}" && have_image "${official_redis}"; then
    mysql_image="${official_mysql}" redis_image="${official_redis}"
  elif timeout 60 docker pull -q "${official_mysql}" >&2 2>/dev/null \
    && timeout 60 docker pull -q "${official_redis}" >&2 2>/dev/null; then
    mysql_image="${official_mysql}" redis_image="${official_redis}"
  else
    echo "test-env: no registry reachable; building local images from Debian packages" >&2
    "${here}/images/build.sh" >&2
    mysql_image="${local_mysql}" redis_image="${local_redis}"
  fi
  echo "export MYSQL_IMAGE=${MYSQL_IMAGE:-${mysql_image}}"
  echo "export REDIS_IMAGE=${REDIS_IMAGE:-${redis_image}}"
fi
# Ryuk (Testcontainers' reaper) cannot be pulled here; the fixtures clean up after themselves.
echo "export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}"
