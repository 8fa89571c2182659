#!/bin/bash
# The backup service (docker-compose.yml "backup"): pgBackRest backs up
# PostgreSQL (the server archives its WAL continuously with
# `pgbackrest archive-push`), restic the attachments (trytond's filestore),
# both to the off-site S3 store. This file only schedules them and names the
# runs; docs/BACKUP.md explains the restores.
#   backup.sh schedule   (default) prepare the repositories, then run cron
#   backup.sh full|diff|incr      a pgBackRest backup of that type
#   backup.sh files      a restic snapshot of the filestore
#   backup.sh prune      restic retention (pgBackRest expires on its own)
#   backup.sh check      both repositories readable, WAL archiving working
#   backup.sh info       what is in the repositories
set -euo pipefail
ENV_FILE=${BACKUP_ENV_FILE:-/run/yuexing-backup.env}
FILESTORE=${BACKUP_FILESTORE:-/var/lib/trytond}

# cron starts its jobs with an empty environment: they read the service's
# settings from this file (root only: it holds the S3 keys).
[ -f "$ENV_FILE" ] && . "$ENV_FILE"

# pgBackRest runs as the owner of the database files (refuses root).
pgbackrest() {
    if [ "$(id -u)" = 0 ]; then
        gosu postgres pgbackrest "$@"
    else
        command pgbackrest "$@"
    fi
}
log() { printf '%s backup: %s\n' "$(date -Is)" "$*"; }

case "${1:-schedule}" in
schedule)
    : "${PGBACKREST_STANZA:?}" "${RESTIC_REPOSITORY:?}" "${RESTIC_PASSWORD:?}"
    (umask 077; export -p | grep -E \
        '^declare -x (PGBACKREST_|RESTIC_|AWS_|BACKUP_|TZ=)' >"$ENV_FILE")
    # Both are no-ops when the repositories exist already.
    pgbackrest stanza-create
    restic cat config >/dev/null 2>&1 || restic init
    # A new installation is not left without a backup until the night.
    if ! pgbackrest info --output=json | grep -q '"label"'; then
        "$0" full &
    fi
    cat >/etc/cron.d/yuexing-backup <<CRON
SHELL=/bin/bash
${BACKUP_FULL_SCHEDULE:-0 2 * * *} root /etc/yuexing-backup/backup.sh full >/proc/1/fd/1 2>&1
${BACKUP_INCR_SCHEDULE:-30 * * * *} root /etc/yuexing-backup/backup.sh incr >/proc/1/fd/1 2>&1
${BACKUP_FILES_SCHEDULE:-15 * * * *} root /etc/yuexing-backup/backup.sh files >/proc/1/fd/1 2>&1
${BACKUP_PRUNE_SCHEDULE:-45 3 * * *} root /etc/yuexing-backup/backup.sh prune >/proc/1/fd/1 2>&1
CRON
    chmod 644 /etc/cron.d/yuexing-backup
    log "scheduled: $(grep -c backup.sh /etc/cron.d/yuexing-backup) jobs"
    exec cron -f
    ;;
full|diff|incr)
    log "pgBackRest $1 backup"
    # The first backup of a stanza is always full (pgBackRest decides).
    pgbackrest --type="$1" backup
    ;;
files)
    log "restic snapshot of $FILESTORE"
    restic backup --tag filestore --host yuexing "$FILESTORE"
    ;;
prune)
    # shellcheck disable=SC2086  # the keep options are a list
    restic forget --prune --tag filestore --host yuexing \
        ${BACKUP_FILES_KEEP:---keep-hourly 48 --keep-daily 30 --keep-weekly 8 --keep-monthly 12}
    ;;
check)
    pgbackrest check
    restic check
    ;;
info)
    pgbackrest info
    restic snapshots --tag filestore
    ;;
*)
    exec "$@"
    ;;
esac
