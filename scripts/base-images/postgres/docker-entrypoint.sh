#!/bin/bash
# The official image's contract, reduced to what a compose stack uses: initialise PGDATA on first
# start with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, listen on all interfaces, run as
# the postgres user.
set -euo pipefail
if [ "${1:-}" = "postgres" ]; then
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" && chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
  fi
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set (as with the official image)}"
    user=${POSTGRES_USER:-postgres}
    pwfile=$(mktemp); printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=trust >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    db=${POSTGRES_DB:-$user}
    if [ "$db" != postgres ]; then
      postgres --single -D "$PGDATA" postgres <<<"CREATE DATABASE \"$db\";" >/dev/null
    fi
  fi
  shift
  exec postgres -c listen_addresses='*' "$@"
fi
exec "$@"
