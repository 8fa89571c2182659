#!/usr/bin/env bash
# Developer tool: refresh addons/*/locale/zh_CN.po from the code (new labels,
# messages, menus) keeping the existing translations, list what is still
# untranslated or fuzzy, then list every zh_CN entry trytond would show in
# English in all the activated modules, Tryton's included
# (scripts/i18n_check.py: write those of a Tryton module in the
# locale/override/zh_CN.po of our module depending on it).
#
#   scripts/i18n.sh [module ...]          refresh the po files, then check
#   scripts/i18n.sh --check [module ...]  check only, no file written
#
# Uses a throw-away English database (Tryton exports translations only from
# a database whose default language is English); I18N_DB_DIR=<dir> keeps it
# there and upgrades it on the next run instead of building it again.
# The exit status is 1 when something is left untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
check_only=
if [ "${1:-}" = --check ]; then
    check_only=1
    shift
fi
if [ -n "${I18N_DB_DIR:-}" ]; then
    tmp=$I18N_DB_DIR
    mkdir -p "$tmp"
else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
fi
sed 's/^language = zh_CN$/language = en/' config/trytond.conf > "$tmp/i18n.conf"
export TRYTOND_DATABASE__PATH=$tmp TRYTONPASSFILE=$tmp/pw TRYTOND_CONFIG=$tmp/i18n.conf
echo yuexing2026 > "$tmp/pw"
all=$(.venv/bin/python scripts/manage.py modules)
modules=${*:-$all}
if [ ! -s "$tmp/i18n.sqlite" ]; then
    touch "$tmp/i18n.sqlite"
    .venv/bin/trytond-admin -c "$tmp/i18n.conf" -d i18n --email a@b.c \
        -u $all --activate-dependencies -l zh_CN >/dev/null
else
    .venv/bin/trytond-admin -c "$tmp/i18n.conf" -d i18n \
        -u $all -l zh_CN >/dev/null
fi
status=0
if [ -z "$check_only" ]; then
    for module in $modules; do
        po=addons/$module/locale/zh_CN.po
        [ ! -f "$po" ] || cp "$po" "$tmp/$module.po"
    done
    .venv/bin/trytond-admin -c "$tmp/i18n.conf" -d i18n \
        -u $modules -l zh_CN --export-translations >/dev/null
    # trytond removes the po of a module with nothing to translate
    # (yuexing_ops): keep ours, with its comment
    for module in $modules; do
        po=addons/$module/locale/zh_CN.po
        [ -f "$po" ] || [ ! -f "$tmp/$module.po" ] || cp "$tmp/$module.po" "$po"
    done
    .venv/bin/python - $modules <<'PY' || status=1
import sys
from pathlib import Path
import polib
left = 0
for module in sys.argv[1:]:
    path = Path(f'addons/{module}/locale/zh_CN.po')
    po = polib.pofile(str(path))
    override = path.parent / 'override' / 'zh_CN.po'
    if override.exists():
        # the entries of other modules' strings written there come back
        # in the export (they are this module's rows): keep them once
        there = {(e.msgctxt, e.msgid) for e in polib.pofile(str(override))}
        for entry in [e for e in po if (e.msgctxt, e.msgid) in there]:
            po.remove(entry)
        po.save(str(path))
    missing = [e for e in po if not e.msgstr]
    fuzzy = [e for e in po if 'fuzzy' in e.flags]
    left += len(missing) + len(fuzzy)
    print(f'{module}: {len(po)} entries, {len(missing)} untranslated, '
        f'{len(fuzzy)} fuzzy')
    for e in missing:
        print(f'  {e.msgctxt} | {e.msgid}')
    for e in fuzzy:
        print(f'  fuzzy: {e.msgctxt} | {e.msgid} | {e.msgstr}')
sys.exit(1 if left else 0)
PY
fi
.venv/bin/python scripts/i18n_check.py -d i18n || status=1
exit $status
