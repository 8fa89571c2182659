#!/usr/bin/env bash
# Entrypoint of the application containers (and of CI's entrypoint test).
#   entrypoint.sh init     create or upgrade the database, company set-up
#   entrypoint.sh server   serve the WSGI app with gunicorn (>= 2 workers)
#   entrypoint.sh worker   run the task queue (ir.queue)
#   entrypoint.sh cron     run the scheduled jobs
# Configuration comes from the environment only: TRYTOND_DATABASE__URI
# (postgresql://user:password@host:5432/), YUEXING_DATABASE, WEB_WORKERS...
# With YUEXING_PRODUCTION=1 the encryption keys YUEXING_ENCRYPTION_KEYS
# (comma separated, the first encrypts) are required.
set -euo pipefail

ROOT=${YUEXING_ROOT:-/app}
PYTHON=${YUEXING_PYTHON:-python}
BIN=$(dirname "$(command -v "$PYTHON")")
DB=${YUEXING_DATABASE:-yuexing}
export TRYTOND_CONFIG=${TRYTOND_CONFIG:-$ROOT/config/trytond.conf}
export TRYTOND_DATABASE_NAMES=$DB
export YUEXING_DATABASE=$DB
# One JSON object per log line, with the request id (yuexing_ops);
# YUEXING_LOG_FORMAT=text keeps trytond's plain lines.
if [ "${YUEXING_LOG_FORMAT:-json}" = json ]; then
    export TRYTOND_LOGGING_CONFIG=${TRYTOND_LOGGING_CONFIG:-$ROOT/config/logging-json.conf}
fi
: "${TRYTOND_DATABASE__URI:?TRYTOND_DATABASE__URI must be set}"

# Encryption at rest: production never falls back to a generated key (the
# data would be unreadable by the other containers and after a rebuild).
if [ "${YUEXING_PRODUCTION:-0}" = 1 ]; then
    : "${YUEXING_ENCRYPTION_KEYS:?YUEXING_ENCRYPTION_KEYS must be set when YUEXING_PRODUCTION=1 (scripts/manage.py gen-key)}"
    "$PYTHON" - <<'PY'
import os, sys
from cryptography.fernet import Fernet
keys = [k.strip() for k in os.environ['YUEXING_ENCRYPTION_KEYS'].split(',')
    if k.strip()]
try:
    if not keys:
        raise ValueError("empty")
    for key in keys:
        Fernet(key)
except Exception as exception:
    sys.exit(f"YUEXING_ENCRYPTION_KEYS holds an invalid key: {exception}")
PY
fi

wait_for_database() {
    for _ in $(seq 1 60); do
        if "$PYTHON" - <<'PY'
import os, sys
import psycopg
try:
    psycopg.connect(os.environ['TRYTOND_DATABASE__URI'] + 'postgres',
        connect_timeout=2).close()
except Exception:
    sys.exit(1)
PY
        then return 0; fi
        sleep 2
    done
    echo "database not reachable" >&2
    exit 1
}

role=${1:-server}
shift || true
case "$role" in
    init)
        wait_for_database
        demo=()
        [ "${YUEXING_DEMO:-0}" = 1 ] && demo=(--demo)
        exec "$PYTHON" "$ROOT/scripts/manage.py" initdb -d "$DB" "${demo[@]}" "$@"
        ;;
    server)
        wait_for_database
        # The workers' metrics are summed by whichever worker is scraped.
        export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${YUEXING_STATE_DIR:-/tmp}/prometheus}
        rm -rf "$PROMETHEUS_MULTIPROC_DIR"
        mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
        exec "$BIN/gunicorn" \
            --config "$ROOT/docker/gunicorn.conf.py" \
            --workers "${WEB_WORKERS:-4}" \
            --bind "${WEB_BIND:-0.0.0.0:8000}" \
            --timeout "${WEB_TIMEOUT:-120}" \
            --access-logfile - \
            "$@" trytond.application:app
        ;;
    worker)
        wait_for_database
        exec "$BIN/trytond-worker" -d "$DB" "$@"
        ;;
    cron)
        wait_for_database
        exec "$BIN/trytond-cron" -d "$DB" "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
