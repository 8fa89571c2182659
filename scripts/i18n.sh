#!/usr/bin/env bash
# Developer tool: refresh addons/*/locale/zh_CN.po from the code (new labels,
# messages, menus) keeping the existing translations, then list what is
# still untranslated. Uses a throw-away English database (Tryton exports
# translations only from a database whose default language is English).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^language = zh_CN$/language = en/' config/trytond.conf > "$tmp/i18n.conf"
export TRYTOND_DATABASE__PATH=$tmp TRYTONPASSFILE=$tmp/pw
echo yuexing2026 > "$tmp/pw"
touch "$tmp/i18n.sqlite"
modules=${*:-$(.venv/bin/python scripts/manage.py modules)}
.venv/bin/trytond-admin -c "$tmp/i18n.conf" -d i18n --email a@b.c \
    -u $modules --activate-dependencies -l zh_CN >/dev/null
.venv/bin/trytond-admin -c "$tmp/i18n.conf" -d i18n \
    -u $modules -l zh_CN --export-translations >/dev/null
.venv/bin/python - $modules <<'PY'
import sys
import polib
for module in sys.argv[1:]:
    po = polib.pofile(f'addons/{module}/locale/zh_CN.po')
    missing = [e for e in po if not e.msgstr]
    print(f'{module}: {len(po)} entries, {len(missing)} untranslated')
    for e in missing:
        print(f'  {e.msgctxt} | {e.msgid}')
PY
