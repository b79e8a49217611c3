#!/usr/bin/env bash
# The local stack behind `make start|stop|ps|logs`: MariaDB and Redis as containers with ports
# published on 127.0.0.1, the three services run from their PEX files as local processes.
#
#   build-support/stack.sh start   prepare what is missing, start what is not running, wait for
#                                  health, migrate + seed, print the URLs (safe to run twice)
#   build-support/stack.sh stop    stop the services and remove the containers
#   build-support/stack.sh ps      what runs, with health
#   build-support/stack.sh logs    follow the services' logs
#
# Ports (override with the environment): API 8080, flights 8081, reservations 8082,
# MySQL 13306, Redis 16379. State (pids, logs) lives in .stack/ (git-ignored).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo}"

state=".stack"
api_port="${API_PORT:-8080}" flights_port="${FLIGHTS_PORT:-8081}"
reservations_port="${RESERVATIONS_PORT:-8082}"
mysql_port="${STACK_MYSQL_PORT:-13306}" redis_port="${STACK_REDIS_PORT:-16379}"
mysql_image="${MYSQL_IMAGE:-flightres/mariadb:10.11}" redis_image="${REDIS_IMAGE:-flightres/redis:7.0}"
mysql_container=flightres-stack-mysql redis_container=flightres-stack-redis
# Local-only credentials for a database bound to 127.0.0.1; never used outside this stack.
db_password=flights-local
flights_db_url="mysql://flights:${db_password}@127.0.0.1:${mysql_port}/flights"
services=(flights reservations api)

log() { printf 'stack: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_of() {
  case "$1" in
    flights) echo "${flights_port}" ;; reservations) echo "${reservations_port}" ;; api) echo "${api_port}" ;;
  esac
}
pex_of() { echo "dist/src.python.$1/$1.pex"; }
pid_of() { cat "${state}/$1.pid" 2>/dev/null || true; }
running() { local pid; pid="$(pid_of "$1")"; [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null; }
healthy() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$(port_of "$1")/health"; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "${what} not ready after ${seconds}s"
    sleep 0.5
  done
}

container_running() { [[ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" == true ]]; }

start_containers() {
  if ! container_running "${mysql_container}"; then
    docker rm -f "${mysql_container}" >/dev/null 2>&1 || true
    log "starting MySQL-compatible server (${mysql_image}) on 127.0.0.1:${mysql_port}"
    docker run -d --name "${mysql_container}" -p "127.0.0.1:${mysql_port}:3306" \
      -e MYSQL_ROOT_PASSWORD="${db_password}" -e MYSQL_DATABASE=flights \
      -e MYSQL_USER=flights -e MYSQL_PASSWORD="${db_password}" "${mysql_image}" >/dev/null
  fi
  if ! container_running "${redis_container}"; then
    docker rm -f "${redis_container}" >/dev/null 2>&1 || true
    log "starting Redis (${redis_image}) on 127.0.0.1:${redis_port}"
    docker run -d --name "${redis_container}" -p "127.0.0.1:${redis_port}:6379" \
      "${redis_image}" >/dev/null
  fi
}

build_pexes() {
  local missing=()
  for svc in "${services[@]}"; do [[ -f "$(pex_of "${svc}")" ]] || missing+=("src/python/${svc}:${svc}"); done
  if ((${#missing[@]})) || [[ "${STACK_REBUILD:-0}" == 1 ]]; then
    log "building PEX files with Pants"
    ./pants package src/python/flights:flights src/python/reservations:reservations src/python/api:api >&2
  fi
}

start_service() { # start_service NAME ENV...
  local svc="$1"; shift
  if running "${svc}"; then log "${svc} already running (pid $(pid_of "${svc}"))"; return; fi
  log "starting ${svc} on 127.0.0.1:$(port_of "${svc}")"
  env HOST=127.0.0.1 PORT="$(port_of "${svc}")" "$@" \
    setsid nohup "$(pex_of "${svc}")" >>"${state}/${svc}.log" 2>&1 </dev/null &
  echo $! >"${state}/${svc}.pid"
}

start() {
  local started=${SECONDS}
  mkdir -p "${state}"
  command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
  build-support/docker-engine.sh
  build-support/images/build.sh >&2
  start_containers
  build_pexes
  wait_for 60 "MySQL" env FLIGHTS_DATABASE_URL="${flights_db_url}" "$(pex_of flights)" migrate --wait 1
  log "migrating and seeding the flights database"
  FLIGHTS_DATABASE_URL="${flights_db_url}" "$(pex_of flights)" seed >>"${state}/flights.log" 2>&1
  start_service flights FLIGHTS_DATABASE_URL="${flights_db_url}"
  start_service reservations RESERVATIONS_REDIS_URL="redis://127.0.0.1:${redis_port}/0"
  start_service api FLIGHTS_URL="http://127.0.0.1:${flights_port}" \
    RESERVATIONS_URL="http://127.0.0.1:${reservations_port}"
  for svc in "${services[@]}"; do
    wait_for 60 "${svc} (see ${state}/${svc}.log)" healthy "${svc}"
  done
  log "ready in $((SECONDS - started))s"
  cat <<EOT

  API layer      http://127.0.0.1:${api_port}      (docs: /docs, spec: /openapi.json)
  flights        http://127.0.0.1:${flights_port}
  reservations   http://127.0.0.1:${reservations_port}
  MySQL          127.0.0.1:${mysql_port}  (flights / ${db_password})
  Redis          127.0.0.1:${redis_port}

Try:
  curl -s 'http://127.0.0.1:${api_port}/flights?origin=JFK&limit=3'
  make ps | make logs | make stop
EOT
}

stop() {
  for svc in "${services[@]}"; do
    if running "${svc}"; then
      log "stopping ${svc}"
      kill -TERM -- "-$(pid_of "${svc}")" 2>/dev/null || kill -TERM "$(pid_of "${svc}")" 2>/dev/null || true
    fi
    rm -f "${state}/${svc}.pid"
  done
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    docker rm -f "${mysql_container}" "${redis_container}" >/dev/null 2>&1 || true
  fi
  log "stopped"
}

ps_() {
  for svc in "${services[@]}"; do
    local status=stopped
    if running "${svc}"; then
      status="running (pid $(pid_of "${svc}")), $(healthy "${svc}" && echo healthy || echo 'not healthy')"
    fi
    printf '  %-13s :%-6s %s\n' "${svc}" "$(port_of "${svc}")" "${status}"
  done
  for c in "${mysql_container}" "${redis_container}"; do
    printf '  %-21s %s\n' "${c}" "$(container_running "${c}" && echo running || echo stopped)"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  ps) ps_ ;;
  logs) mkdir -p "${state}"; touch "${state}"/{flights,reservations,api}.log; tail -n 50 -F "${state}"/*.log ;;
  *) echo "usage: $0 start|stop|ps|logs" >&2; exit 2 ;;
esac
