#!/usr/bin/env bash
# with-postgres.sh CMD [ARGS...]: runs CMD with a throwaway PostgreSQL server, then removes it.
#
# The server is Debian's PostgreSQL (the `postgresql` package; `make deps` installs it), made
# with `initdb` in a fresh temporary directory owned by the `postgres` user, listening on a Unix
# socket in that directory only (listen_addresses=''): no TCP port is opened, so parallel runs
# and a PostgreSQL already running on this machine never collide. PORT only names the socket
# file (DIR/.s.PGSQL.PORT). Trust authentication: only processes that can reach the private
# socket directory can connect, and the data is thrown away.
#
# CMD sees, for the test fixtures (DropStreamTestWorld's StorageFixture) and for psql:
#   DROPSTREAM_TEST_POSTGRES_SOCKET_DIR  the socket directory
#   DROPSTREAM_TEST_POSTGRES_PORT        the port in the socket file's name
#   DROPSTREAM_TEST_POSTGRES_USER        a superuser role (postgres) that may create databases
#   PGHOST, PGPORT, PGUSER, PGDATABASE   the same, so `psql` needs no arguments
#
# On exit — CMD succeeded or failed, Ctrl-C, SIGTERM — the server is stopped (-m fast) and the
# directory removed. The exit status is CMD's (130/143 after SIGINT/SIGTERM).
#
# Needs root (runuser) or sudo: initdb refuses to run as root, so the server runs as `postgres`.
# Environment: PG_BIN (default: the newest /usr/lib/postgresql/*/bin), WITH_POSTGRES_PORT (5432),
# WITH_POSTGRES_KEEP=1 keeps the directory (its `log` file) for a look after a failure.
set -uo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 64
fi

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    echo "$0: PostgreSQL's initdb/pg_ctl not found under /usr/lib/postgresql/*/bin;" \
        "install Debian's postgresql package (make deps does)." >&2
    exit 69
fi
if ! id postgres >/dev/null 2>&1; then
    echo "$0: no 'postgres' user; install Debian's postgresql package (make deps does)." >&2
    exit 69
fi
PORT="${WITH_POSTGRES_PORT:-5432}"

# How to run a command as postgres, and one as root for the directory's owner and removal.
if [ "$(id -u)" = 0 ]; then
    as_postgres() { runuser -u postgres -- "$@"; }
    as_root() { "$@"; }
else
    # sudo -n: never hang on a password prompt inside make; say what is needed instead.
    if ! sudo -n true 2>/dev/null; then
        echo "$0: needs root or password-less sudo to run initdb/pg_ctl as the postgres user." >&2
        exit 77
    fi
    as_postgres() { sudo -n -u postgres -- "$@"; }
    as_root() { sudo -n -- "$@"; }
fi

DIR="$(mktemp -d "${TMPDIR:-/tmp}/dropstream-pg.XXXXXX")" || exit 70
STARTED=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ "$STARTED" = 1 ]; then
        # -m fast: roll back open transactions and disconnect clients (a test's pool may still
        # hold connections); -w: wait until it is down before the directory goes.
        as_postgres "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
            || echo "$0: pg_ctl stop failed; see $DIR/log" >&2
    fi
    if [ "${WITH_POSTGRES_KEEP:-0}" = 1 ]; then
        echo "$0: kept $DIR (WITH_POSTGRES_KEEP=1)" >&2
    else
        as_root rm -rf -- "$DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
# A signal while CMD runs: CMD (same process group) gets it too; the EXIT trap then cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The directory is reachable by the caller (to connect through the socket) but only postgres
# writes in it; data/ is made 0700 by initdb.
chmod 0755 "$DIR"
as_root chown postgres: "$DIR"

# --no-locale: C collation, the same byte order as SQLite's default, so both engines sort text
# alike in the behaviour suite.
if ! as_postgres "$PG_BIN/initdb" -D "$DIR/data" -A trust -U postgres --no-locale -E UTF8 \
    >"$DIR/initdb.log" 2>&1; then
    echo "$0: initdb failed:" >&2
    cat "$DIR/initdb.log" >&2
    exit 70
fi

# fsync off: a throwaway server's data need not survive a power loss, and 2 cores shared by
# parallel test runs are better spent on the tests. max_connections: every parallel test opens
# its own database and pool.
STARTED=1
if ! as_postgres "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 \
    -o "-k $DIR -c listen_addresses='' -p $PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null; then
    echo "$0: the server did not start:" >&2
    cat "$DIR/log" >&2
    exit 70
fi

export DROPSTREAM_TEST_POSTGRES_SOCKET_DIR="$DIR"
export DROPSTREAM_TEST_POSTGRES_PORT="$PORT"
export DROPSTREAM_TEST_POSTGRES_USER=postgres
export PGHOST="$DIR" PGPORT="$PORT" PGUSER=postgres PGDATABASE=postgres

"$@"
exit $?
