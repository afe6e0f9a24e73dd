#!/usr/bin/env bash
# Entry point of the postgres stand-in (see its Containerfile): the documented first-start behaviour of
# the official image that docker-compose.yml relies on. Not supported, unlike the official image:
# /docker-entrypoint-initdb.d, *_FILE secrets, POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  # A fresh volume may belong to root: give it to postgres, then drop root.
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo 'error: database is uninitialized and the superuser password is not specified: set POSTGRES_PASSWORD' >&2
    exit 1
  fi
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  # Initialisation runs a server that listens on the socket only, so nothing connects over TCP before
  # the database exists (the compose health check asks over TCP for this reason).
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  if [ "$db" != postgres ]; then
    printf 'CREATE DATABASE :"db";\n' | psql -v ON_ERROR_STOP=1 -v db="$db" --username "$user" --dbname postgres --no-psqlrc -q
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
