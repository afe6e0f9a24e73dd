#!/usr/bin/env bash
# Entry point of the rabbitmq stand-in (see its Containerfile). RABBITMQ_DEFAULT_USER / _PASS become the
# default user, as in the official image; then the server runs as the rabbitmq user.
set -Eeuo pipefail

if [ "$1" = rabbitmq-server ] && [ "$(id -u)" = 0 ]; then
  if [ -n "${RABBITMQ_DEFAULT_USER:-}" ] || [ -n "${RABBITMQ_DEFAULT_PASS:-}" ]; then
    {
      echo '# Written at start from RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS.'
      [ -z "${RABBITMQ_DEFAULT_USER:-}" ] || echo "default_user = $RABBITMQ_DEFAULT_USER"
      [ -z "${RABBITMQ_DEFAULT_PASS:-}" ] || echo "default_pass = $RABBITMQ_DEFAULT_PASS"
    } >/etc/rabbitmq/conf.d/11-default-user.conf
    chown rabbitmq:rabbitmq /etc/rabbitmq/conf.d/11-default-user.conf
    chmod 600 /etc/rabbitmq/conf.d/11-default-user.conf
  fi
  chown -R rabbitmq:rabbitmq /var/lib/rabbitmq
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$@"
fi

exec "$@"
