#!/usr/bin/env bash
# Starts the local PostgreSQL (5432) and MariaDB (3306), two extra trust-auth PostgreSQL clusters
# (5433, 5434) so tests can put users, products and orders on three separate servers, and a
# password-protected cluster (5435, scram-sha-256 on TCP), a primary with a streaming standby
# (5436, 5437), a MariaDB user with a password, which the server suites connect through, as real
# deployments do, and a MariaDB primary with a replica (3307, 3308). Safe to run repeatedly.
set -euo pipefail
log() { printf '[servers] %s\n' "$*"; }
PGVER=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
PGVER=${PGVER:-15}
# The password the server suites use (test/support/servers.ts), URL-encoded there.
TEST_USER=distdb
TEST_PASSWORD='s3cr3t@Pw:%x'

pg_ctlcluster --skip-systemctl-redirect "$PGVER" main start 2>/dev/null || true

ensure_cluster() {
  local name=$1 port=$2
  shift 2
  if ! pg_lsclusters -h | awk '{print $2}' | grep -qx "$name"; then
    log "creating PostgreSQL cluster $name on port $port"
    pg_createcluster "$PGVER" "$name" --port "$port" -- "$@" >/dev/null
  fi
  pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$name" start 2>/dev/null || true
}
ensure_cluster users_node 5433 --auth=trust
ensure_cluster orders_node 5434 --auth=trust
# Local socket connections stay trusted so this script can create the role.
ensure_cluster secure_node 5435 --auth-local=trust --auth-host=scram-sha-256

# Two-phase commit (`atomic`) needs prepared transactions on the servers its tests use; 5435
# keeps the default (0), so a test sees the error that names the setting.
for spec in main:5432 users_node:5433 orders_node:5434; do
  name=${spec%%:*} port=${spec##*:}
  for _ in $(seq 1 30); do psql -h 127.0.0.1 -p "$port" -U postgres -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
  if [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -Atc 'SHOW max_prepared_transactions')" = 0 ]; then
    log "enabling prepared transactions on PostgreSQL $port"
    psql -q -h 127.0.0.1 -p "$port" -U postgres -c 'ALTER SYSTEM SET max_prepared_transactions = 100'
    pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$name" restart
  fi
done

# Read replicas: a primary of its own (5436) and a streaming standby of it (5437, made with
# pg_basebackup -R). The standby applies each commit 300 ms late, so a read that goes to it too
# early would see the data stale.
ensure_cluster replica_primary 5436 --auth=trust
for _ in $(seq 1 30); do psql -h 127.0.0.1 -p 5436 -U postgres -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
if ! pg_lsclusters -h | awk '{print $2}' | grep -qx replica_standby; then
  pg_createcluster "$PGVER" replica_standby --port 5437 -- --auth=trust >/dev/null
fi
standby_data=$(pg_lsclusters -h | awk '$2 == "replica_standby" {print $6}')
if [ ! -f "$standby_data/standby.signal" ]; then
  log "making PostgreSQL 5437 a streaming standby of 5436"
  pg_ctlcluster --skip-systemctl-redirect "$PGVER" replica_standby stop 2>/dev/null || true
  rm -rf "$standby_data"
  install -d -o postgres -g postgres -m 700 "$standby_data"
  runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p 5436 -U postgres -D "$standby_data" -R -X stream
  echo "recovery_min_apply_delay = '300ms'" >"/etc/postgresql/$PGVER/replica_standby/conf.d/replica.conf"
fi
pg_ctlcluster --skip-systemctl-redirect "$PGVER" replica_standby start 2>/dev/null || true

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
wait_for "PostgreSQL 5435" psql -h /var/run/postgresql -p 5435 -U postgres -c 'SELECT 1'
wait_for "PostgreSQL 5436" psql -h 127.0.0.1 -p 5436 -U postgres -c 'SELECT 1'
wait_for "PostgreSQL 5437 (standby of 5436)" psql -h 127.0.0.1 -p 5437 -U postgres -Atc 'SELECT pg_is_in_recovery()'
wait_for "MariaDB 3306" mariadb -h 127.0.0.1 -P 3306 -uroot -e 'SELECT 1'

psql -q -h /var/run/postgresql -p 5435 -U postgres -v ON_ERROR_STOP=1 <<SQL
SET password_encryption = 'scram-sha-256';
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$TEST_USER') THEN
    CREATE ROLE $TEST_USER LOGIN SUPERUSER;
  END IF;
END \$\$;
ALTER ROLE $TEST_USER PASSWORD '$TEST_PASSWORD';
SQL
wait_for "PostgreSQL 5435 (scram, user $TEST_USER)" \
  env PGPASSWORD="$TEST_PASSWORD" psql -h 127.0.0.1 -p 5435 -U "$TEST_USER" -d postgres -c 'SELECT 1'

mariadb -h 127.0.0.1 -P 3306 -uroot <<SQL
CREATE OR REPLACE USER '$TEST_USER'@'%' IDENTIFIED BY '$TEST_PASSWORD';
CREATE OR REPLACE USER '$TEST_USER'@'localhost' IDENTIFIED BY '$TEST_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$TEST_USER'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$TEST_USER'@'localhost' WITH GRANT OPTION;
SQL
wait_for "MariaDB 3306 (password, user $TEST_USER)" \
  mariadb -h 127.0.0.1 -P 3306 -u "$TEST_USER" -p"$TEST_PASSWORD" -e 'SELECT 1'

# Read replicas on MariaDB: a primary with GTIDs and a replica applying each transaction 1 s late.
bash "$(dirname "$0")/mariadb-pair.sh" up
wait_for "MariaDB 3308 (replica of 3307)" \
  sh -c "mariadb -h 127.0.0.1 -P 3308 -uroot -e 'SHOW SLAVE STATUS\\G' | grep -q 'Slave_SQL_Running: Yes'"
