# shellcheck shell=bash
# A throwaway PostgreSQL cluster for the store tests: pg_start initialises
# one in a temp directory as the unprivileged postgres user (or as the
# caller when not root), listening on 127.0.0.1 on a free port and a socket
# in that directory only, exports CA_TEST_POSTGRES, and stops it and removes
# the directory on exit (pg_stop). Source this file, then call pg_start.

pg_as() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

pg_start() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_DIR=$(mktemp -d /tmp/ca-ci-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  chmod 700 "$PG_DIR"
  local port
  for port in $(seq 55432 55532); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  trap pg_stop EXIT
  pg_as "$PG_BIN/initdb -D $PG_DIR/data -U postgres --auth=trust -E UTF8 >$PG_DIR/initdb.log 2>&1"
  pg_as "$PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/server.log -w -t 60 -o '-h 127.0.0.1 -p $port -k $PG_DIR -c fsync=off' start >/dev/null"
  PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
  export CA_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
  echo "postgresql $("$PG_BIN/postgres" --version | awk '{print $3}') (pid $PG_PID) at $CA_TEST_POSTGRES"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    pg_as "$PG_BIN/pg_ctl -D $PG_DIR/data -m fast -w stop >/dev/null" || kill "$PG_PID" 2>/dev/null || true
  fi
  rm -rf "$PG_DIR"
  PG_DIR=
}
