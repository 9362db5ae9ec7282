#!/usr/bin/env bash
# A MariaDB primary (3307, binary log with GTIDs) and a replica of it (3308, applying each
# transaction 1 s late), apart from the main server (3306): for the read replica suite.
#   mariadb-pair.sh up              makes, starts and connects both (idempotent)
#   mariadb-pair.sh stop|start N    stops (fast) or starts one: N is primary or replica
set -euo pipefail

dir() { echo "/var/lib/distdb-mariadb-$1"; }
port() { if [ "$1" = primary ]; then echo 3307; else echo 3308; fi; }

start() {
  local n=$1 d
  d=$(dir "$n")
  local extra=(--log-bin=mariadb-bin --binlog-format=ROW)
  [ "$n" = replica ] && extra=(--read-only --relay-log=relay-bin)
  start-stop-daemon --start --oknodo --background --pidfile "$d/mariadbd.pid" --exec /usr/sbin/mariadbd -- \
    --no-defaults --user=mysql --datadir="$d" --port="$(port "$n")" --bind-address=127.0.0.1 \
    --socket="$d/mariadbd.sock" --pid-file="$d/mariadbd.pid" --log-error="$d/error.log" \
    --server-id="$(port "$n")" --innodb-buffer-pool-size=64M --skip-name-resolve "${extra[@]}" >/dev/null
  for _ in $(seq 1 60); do
    mariadb -h 127.0.0.1 -P "$(port "$n")" -uroot -e 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "MariaDB $n ($(port "$n")) did not come up" >&2
  return 1
}

stop() {
  local d
  d=$(dir "$1")
  start-stop-daemon --stop --oknodo --retry 30 --pidfile "$d/mariadbd.pid" --exec /usr/sbin/mariadbd >/dev/null
}

up() {
  for n in primary replica; do
    local d
    d=$(dir "$n")
    if [ ! -d "$d/mysql" ]; then
      install -d -o mysql -g mysql "$d"
      mariadb-install-db --user=mysql --datadir="$d" --auth-root-authentication-method=normal \
        --skip-test-db >/dev/null
    fi
    start "$n"
  done
  if [ -z "$(mariadb -h 127.0.0.1 -P 3308 -uroot -e 'SHOW SLAVE STATUS')" ]; then
    mariadb -h 127.0.0.1 -P 3308 -uroot -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3307,
      MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_DELAY=1; START SLAVE"
  fi
  mariadb -h 127.0.0.1 -P 3308 -uroot -e 'START SLAVE' 2>/dev/null || true
}

case "${1:-}" in
  up) up ;;
  stop) stop "$2" ;;
  start) start "$2" ;;
  *) echo "usage: $0 up | stop NAME | start NAME" >&2; exit 2 ;;
esac
