#!/usr/bin/env bash
# Starts the local PostgreSQL (5432) and MariaDB (3306), plus two extra PostgreSQL clusters
# (5433, 5434) so tests can put users, products and orders on three separate servers.
# Safe to run repeatedly.
set -euo pipefail
log() { printf '[servers] %s\n' "$*"; }
PGVER=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
PGVER=${PGVER:-15}

pg_ctlcluster --skip-systemctl-redirect "$PGVER" main start 2>/dev/null || true

for spec in users_node:5433 orders_node:5434; do
  name=${spec%%:*}
  port=${spec##*:}
  if ! pg_lsclusters -h | awk '{print $2}' | grep -qx "$name"; then
    log "creating PostgreSQL cluster $name on port $port"
    pg_createcluster "$PGVER" "$name" --port "$port" -- --auth=trust >/dev/null
  fi
  pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$name" start 2>/dev/null || true
done

start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null || true

wait_for() {
  local what=$1
  shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then
      log "$what is up"
      return 0
    fi
    sleep 1
  done
  log "$what did not come up"
  return 1
}
wait_for "PostgreSQL 5432" psql -h 127.0.0.1 -p 5432 -U postgres -c 'SELECT 1'
wait_for "PostgreSQL 5433" psql -h 127.0.0.1 -p 5433 -U postgres -c 'SELECT 1'
wait_for "PostgreSQL 5434" psql -h 127.0.0.1 -p 5434 -U postgres -c 'SELECT 1'
wait_for "MariaDB 3306" mariadb -h 127.0.0.1 -P 3306 -uroot -e 'SELECT 1'
