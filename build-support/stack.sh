#!/usr/bin/env bash
# The local stack behind `make start|stop|ps|logs`: docker-compose.yml, run as the Compose
# project "flightres" with the images Pants builds.
#
#   build-support/stack.sh start   prepare what is missing (Docker engine, docker-compose, base
#                                  and database images), build the service images with Pants
#                                  (cached: only what changed), `docker-compose up`, which runs
#                                  migrations and seed, wait for health, print the URLs.
#                                  One progress line per step; a failed step's output is shown
#                                  and kept in a log (progress.sh). Safe to run twice: running
#                                  containers whose image did not change are left alone.
#   build-support/stack.sh stop    remove the stack's containers, network and volumes
#   build-support/stack.sh ps      what runs, with health
#   build-support/stack.sh logs    follow the logs
#
# Ports (override with the environment): API 8080, flights 8081, reservations 8082,
# MySQL 13306, Redis 16379, all on 127.0.0.1.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo}"
source build-support/progress.sh

export COMPOSE_PROJECT_NAME=flightres
api_port="${API_PORT:-8080}" flights_port="${FLIGHTS_PORT:-8081}"
reservations_port="${RESERVATIONS_PORT:-8082}"
mysql_port="${STACK_MYSQL_PORT:-13306}" redis_port="${STACK_REDIS_PORT:-16379}"
images=(src/python/flights:image src/python/reservations:image src/python/api:image)

log() { printf 'stack: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

compose() { docker-compose --profile edge "$@"; }

api_healthy() {
  curl -fsS --max-time 2 "http://127.0.0.1:${api_port}/health" 2>/dev/null | grep -Eq '^\{"status": ?"pass"'
}

start() {
  local started=${SECONDS}
  command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
  step 1/5 "docker-compose" build-support/host-tools.sh docker-compose
  step 2/5 "Docker engine" build-support/docker-engine.sh
  # The image choice shared with the tests: MYSQL_IMAGE, REDIS_IMAGE, BASE_IMAGE (local images
  # built from Debian packages when no registry is reachable).
  local env_lines
  env_lines="$(step 3/5 "Base and database images" build-support/test-env.sh)"
  eval "${env_lines}"
  export MYSQL_IMAGE REDIS_IMAGE BASE_IMAGE
  step 4/5 "Service images, built by Pants (only what changed)" ./pants package "${images[@]}"
  # Without --profile edge: Traefik only starts when asked for (see docker-compose.yml).
  step 5/5 "The stack: databases, migrations, seed, services" docker-compose up -d --remove-orphans
  local deadline=$((SECONDS + 120))
  until api_healthy; do
    ((SECONDS < deadline)) || { compose ps >&2; die "the API is not healthy after 120s (make logs)"; }
    sleep 1
  done
  log "ready in $((SECONDS - started))s"
  cat <<EOT

  API layer      http://127.0.0.1:${api_port}      (docs: /docs, spec: /openapi.json)
  flights        http://127.0.0.1:${flights_port}
  reservations   http://127.0.0.1:${reservations_port}
  MySQL          127.0.0.1:${mysql_port}  (flights / flights-local)
  Redis          127.0.0.1:${redis_port}

Try:
  curl -s 'http://127.0.0.1:${api_port}/flights?origin=JFK&limit=3'
  make ps | make logs | make stop
EOT
}

stop() {
  if ! command -v docker-compose >/dev/null || ! docker info >/dev/null 2>&1; then
    log "no Docker engine or docker-compose: nothing runs"
    return
  fi
  compose down --volumes --remove-orphans >&2
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  ps) compose ps ;;
  logs) compose logs --follow --tail 50 ;;
  *) echo "usage: $0 start|stop|ps|logs" >&2; exit 2 ;;
esac
