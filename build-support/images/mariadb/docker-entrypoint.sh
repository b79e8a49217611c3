#!/usr/bin/env bash
# Entrypoint for flightres/mariadb: a small subset of the official mysql/mariadb images'
# entrypoint, enough for Testcontainers' MySqlContainer and docker-compose.
#
# First start (empty datadir): initialise it, start a temporary socket-only server, apply
#   MYSQL_ROOT_PASSWORD (or MYSQL_ALLOW_EMPTY_PASSWORD / MYSQL_RANDOM_ROOT_PASSWORD),
#   MYSQL_ROOT_HOST (default %), MYSQL_DATABASE, MYSQL_USER + MYSQL_PASSWORD (all privileges
#   on MYSQL_DATABASE) and /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sh, stop it.
#   MARIADB_* spellings are accepted too.
# Every start: exec the server in the foreground as the mysql user.
#
# The init server and the final server each log "ready for connections"; Testcontainers'
# MySqlContainer waits for that line twice, exactly as with the official image.
set -euo pipefail

log() { printf '%s [Entrypoint]: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

# `docker run IMAGE --some-option` means options for the server.
if [[ "${1:-}" == -* ]]; then
    set -- mariadbd "$@"
fi

# Anything other than the server (e.g. `bash`, `mariadb ...`) runs unchanged.
if [[ "${1:-}" != mariadbd && "${1:-}" != mysqld ]]; then
    exec "$@"
fi

# The server's effective setting KEY (config files + command line): server_setting KEY CMD...
server_setting() {
    local key="$1"
    shift
    # Only the "Variables" table counts (wrapped help text can start with the same word);
    # awk reads to the end so the server never gets SIGPIPE (pipefail).
    "$@" --verbose --help 2>/dev/null \
        | awk -v key="$key" '/^Variables / { table = 1 } table && !found && $1 == key { print $2; found = 1 }'
}

# Started as root (e.g. `--user root`, or a root-owned volume): fix ownership, drop to mysql.
if [[ "$(id -u)" -eq 0 ]]; then
    datadir="$(server_setting datadir "$@")"
    chown -R mysql:mysql "${datadir:-/var/lib/mysql}" /run/mysqld
    exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"
fi

# Accept the MariaDB image's spellings as fallbacks.
: "${MYSQL_ROOT_PASSWORD:=${MARIADB_ROOT_PASSWORD:-}}"
: "${MYSQL_ALLOW_EMPTY_PASSWORD:=${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}}"
: "${MYSQL_RANDOM_ROOT_PASSWORD:=${MARIADB_RANDOM_ROOT_PASSWORD:-}}"
: "${MYSQL_ROOT_HOST:=${MARIADB_ROOT_HOST:-%}}"
: "${MYSQL_DATABASE:=${MARIADB_DATABASE:-}}"
: "${MYSQL_USER:=${MARIADB_USER:-}}"
: "${MYSQL_PASSWORD:=${MARIADB_PASSWORD:-}}"

datadir="$(server_setting datadir "$@")"
socket="$(server_setting socket "$@")"
[[ -n "$datadir" && -n "$socket" ]] || die "cannot read datadir/socket from '$* --verbose --help'; is the configuration valid?"

# SQL string literal / identifier quoting for values that come from the environment.
sql_string() { local s="${1//\\/\\\\}"; printf "'%s'" "${s//\'/\\\'}"; }
# shellcheck disable=SC2016  # literal backticks: MySQL identifier quotes
sql_ident() { printf '`%s`' "${1//\`/\`\`}"; }

# Run SQL (stdin) as root over the temporary server's socket.
run_sql() { mariadb --protocol=socket --socket="$socket" --user=root --batch --skip-column-names "$@"; }

initialise() {
    if [[ -z "$MYSQL_ROOT_PASSWORD" && -z "$MYSQL_ALLOW_EMPTY_PASSWORD" && -z "$MYSQL_RANDOM_ROOT_PASSWORD" ]]; then
        die "the database is uninitialised and no root password option is set: set one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD or MYSQL_RANDOM_ROOT_PASSWORD"
    fi
    if [[ "$MYSQL_USER" == root ]]; then
        die "MYSQL_USER=root: MYSQL_USER and MYSQL_PASSWORD are for a regular user; use MYSQL_ROOT_PASSWORD for root"
    fi
    if [[ -n "$MYSQL_RANDOM_ROOT_PASSWORD" ]]; then
        MYSQL_ROOT_PASSWORD="$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)"
        log "GENERATED ROOT PASSWORD: ${MYSQL_ROOT_PASSWORD}"
    fi

    log "initialising database files in ${datadir}"
    # normal: root@localhost starts password-less with native auth (set below); socket auth
    # would tie root to the OS root user, which this container never is.
    mariadb-install-db --datadir="$datadir" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve --skip-log-bin >/dev/null \
        || die "mariadb-install-db failed"

    log "starting temporary server (socket only)"
    "$@" --skip-networking --socket="$socket" --skip-log-bin &
    local pid=$!
    local i
    for ((i = 0; i < 120; i++)); do
        if mariadb-admin --protocol=socket --socket="$socket" --user=root --silent ping >/dev/null 2>&1; then
            break
        fi
        kill -0 "$pid" 2>/dev/null || die "the temporary server exited during initialisation"
        sleep 0.25
    done
    ((i < 120)) || die "the temporary server did not answer within 30 s"

    local root_pw root_host
    root_pw="$(sql_string "$MYSQL_ROOT_PASSWORD")"
    root_host="$(sql_string "$MYSQL_ROOT_HOST")"
    {
        echo "SET @@SESSION.SQL_LOG_BIN = 0;"
        # Only the accounts we define: no anonymous users, no extra root@<hostname>.
        echo "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');"
        echo "DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';"
        echo "FLUSH PRIVILEGES;"
        if [[ "$MYSQL_ROOT_HOST" != localhost ]]; then
            echo "CREATE USER 'root'@${root_host} IDENTIFIED BY ${root_pw};"
            echo "GRANT ALL ON *.* TO 'root'@${root_host} WITH GRANT OPTION;"
            echo "GRANT PROXY ON ''@'%' TO 'root'@${root_host} WITH GRANT OPTION;"
        fi
        if [[ -n "$MYSQL_DATABASE" ]]; then
            echo "CREATE DATABASE IF NOT EXISTS $(sql_ident "$MYSQL_DATABASE");"
        fi
        if [[ -n "$MYSQL_USER" ]]; then
            [[ -n "$MYSQL_PASSWORD" ]] || die "MYSQL_USER is set but MYSQL_PASSWORD is empty"
            echo "CREATE USER $(sql_string "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_string "$MYSQL_PASSWORD");"
            if [[ -n "$MYSQL_DATABASE" ]]; then
                echo "GRANT ALL ON $(sql_ident "$MYSQL_DATABASE").* TO $(sql_string "$MYSQL_USER")@'%';"
            fi
        fi
    } | run_sql || die "creating the accounts/database failed"

    local f
    for f in /docker-entrypoint-initdb.d/*; do
        [[ -e "$f" ]] || continue
        case "$f" in
            *.sh) log "running $f"; bash "$f" ;;
            *.sql) log "running $f"; run_sql ${MYSQL_DATABASE:+"--database=$MYSQL_DATABASE"} <"$f" ;;
            *.sql.gz) log "running $f"; gzip -dc "$f" | run_sql ${MYSQL_DATABASE:+"--database=$MYSQL_DATABASE"} ;;
            *) log "ignoring $f" ;;
        esac
    done

    # Last: from here on root@localhost needs the password too.
    echo "SET PASSWORD FOR 'root'@'localhost' = PASSWORD(${root_pw});" | run_sql \
        || die "setting the root password failed"

    log "stopping temporary server"
    kill -TERM "$pid"
    wait "$pid" || die "the temporary server did not shut down cleanly"
    log "MariaDB init process done. Ready for start up."
}

if [[ ! -d "${datadir}/mysql" ]]; then
    initialise "$@"
fi

exec "$@"
