#!/usr/bin/env bash
# Installs what the platform needs and reuses what is already there, so that
# `make run` and `make test` work on a fresh Debian machine and start fast on
# the second call. Usage: scripts/bootstrap.sh [--with-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

with_browser=0
[ "${1:-}" = "--with-browser" ] && with_browser=1
PYTHON=${PYTHON:-python3}

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }

# 1. Debian packages, only those missing.
missing=()
command -v "$PYTHON" >/dev/null 2>&1 || missing+=(python3)
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
# Chinese fonts: the web client, the screenshots and the PDF reports need them.
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
# PDF reports (weasyprint) render with Pango.
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0' \
    || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$with_browser" = 1 ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
    # The production nginx configuration is rendered (envsubst) and run
    # (tests/test_nginx); the backup drill runs a PostgreSQL 15 cluster of
    # its own with pgBackRest, the attachments' with restic, both through
    # docker/backup/backup.sh (tests/test_backup_drill).
    command -v envsubst >/dev/null 2>&1 || missing+=(gettext-base)
    [ -x /usr/sbin/nginx ] || missing+=(nginx)
    command -v pgbackrest >/dev/null 2>&1 || missing+=(pgbackrest)
    command -v restic >/dev/null 2>&1 || missing+=(restic)
    command -v gosu >/dev/null 2>&1 || missing+=(gosu)
    [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
fi
if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Python virtual environment with Tryton and our modules (editable).
if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp_of() { cat "$@" 2>/dev/null | sha1sum | cut -c1-16; }
pip_stamp=$(stamp_of requirements.txt addons/*/pyproject.toml)
if [ "$(cat .venv/.yx-pip 2>/dev/null)" != "$pip_stamp" ]; then
    log "pip install (Tryton 8.0 and our modules)"
    editable=()
    for d in addons/*/; do
        [ -f "$d/pyproject.toml" ] && editable+=(-e "$d")
    done
    .venv/bin/pip install -q --disable-pip-version-check \
        -r requirements.txt "${editable[@]}" 2>&1 \
        | grep -v "^WARNING: Location" || true
    .venv/bin/python -c 'import trytond, trytond.modules.yuexing_base' \
        || { echo "pip install failed" >&2; exit 1; }
    echo "$pip_stamp" > .venv/.yx-pip
fi

# 3. Web client (tryton-sao 8.0) and playwright-core from npm.
npm_stamp=$(stamp_of package.json package-lock.json)
if [ "$(cat node_modules/.yx-npm 2>/dev/null)" != "$npm_stamp" ]; then
    log "npm install (tryton-sao 8.0, playwright-core)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    # sao's index.html loads node_modules/... next to itself while npm hoists
    # its dependencies one level up: point it at the hoisted folder.
    ln -sfn .. node_modules/tryton-sao/node_modules
    echo "$npm_stamp" > node_modules/.yx-npm
fi
# Our title and styles for the web client (sao loads custom.js/custom.css).
cp web/custom.js web/custom.css node_modules/tryton-sao/
