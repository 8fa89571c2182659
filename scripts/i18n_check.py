#!/usr/bin/env python3
"""Developer tool: list the zh_CN translations trytond would not show.

    i18n_check.py -d DATABASE [--json FILE] [MODULE ...]

Reads an activated database (``scripts/i18n.sh`` builds one) and, for every
activated module (or the MODULEs given), lists what a Chinese user would
see in English because the zh_CN entry is missing, empty or ``#, fuzzy``
(trytond ignores fuzzy entries): model names, field labels and help,
selection values, view strings, wizard buttons, and the translatable
fields of the module's XML records (menus, groups, actions, tab names,
buttons, ir.message texts...). Reports are left out.

Each line reads ``module | missing/empty/fuzzy/stale | msgctxt | msgid``
("stale": our po translates an older English text of a record or a model
name, which trytond shows all the same), the
msgctxt written as it goes in a po file: for a stock Tryton module in the
form that overrides it from one of ours (``model:res.group,name:
account.group_account``, ``field:party.address,attn:party.``; see
``locale/override/zh_CN.po`` in yuexing_base, yuexing_account,
yuexing_staff, yuexing_workorder). An entry "missing" from the Tryton
module's po cannot be overridden by trytond (it overrides existing rows
only): a model, field, selection, view or button string then goes without
the prefix (``field:party.address,attn:``), which trytond applies whatever
module holds it; a record's (menu, group, message...) is marked "no res
row" and written with the prefix all the same: yuexing_base's
``ir.translation`` creates the row before trytond's import (and unflags a
fuzzy row the override confirms).

The exit status is 1 when something is untranslated.
"""
import argparse
import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANG = 'zh_CN'
# the kinds of strings of a module, not bound to a record
TYPES = ('model', 'field', 'help', 'selection', 'view', 'wizard_button')
# records whose translatable fields are technical, never on screen
SKIPPED_MODELS = {'ir.model', 'ir.model.field', 'ir.translation',
    'ir.model.data'}
LETTERS = re.compile('[A-Za-z]')
# a stock record's entry with no zh_CN row: trytond cannot override it
# from a po, yuexing_base's ir.translation creates the row first
NO_ROW = (" (no res row: not overridable from a po by trytond alone, "
    "created by yuexing_base's translation import)")


def ours(module):
    return module.startswith('yuexing_')


def msgctxt(module, type_, name, fs_id, found):
    """The po context of an entry; for a stock module, the form that
    overrides it (when trytond can: the stock row exists)."""
    if ours(module):
        return f'{type_}:{name}:{fs_id}'
    if fs_id:
        return f'{type_}:{name}:{module}.{fs_id}'
    if found:
        return f'{type_}:{name}:{module}.'
    return f'{type_}:{name}:'


def key_of(row):
    """What trytond looks a row up by: a model name without its source
    (a database upgraded from an older English name keeps that one)."""
    return (row.type, row.name, None if row.type == 'model' else row.src)


def po_sources():
    """{(module, msgctxt): msgid} of our po files (overrides
    included), to find a translation of an older English text: trytond
    looks a record's (or a model name's) translation up without its source,
    so the old Chinese shows for the new English."""
    import polib
    result = {}
    for path in sorted(ROOT.glob(f'addons/*/locale/{LANG}.po')):
        module = path.parent.parent.name
        for entry in polib.pofile(str(path)):
            result[(module, entry.msgctxt)] = entry.msgid
    for path in sorted(ROOT.glob(f'addons/*/locale/override/{LANG}.po')):
        for entry in polib.pofile(str(path)):
            # type:name:module.fs_id, of that module
            module = entry.msgctxt.split(':', 2)[2].split('.')[0]
            result[(module, entry.msgctxt)] = entry.msgid
    return result


def stale(sources, module, ctxt, src):
    "Why a translated entry is wrong all the same (None: it is right)."
    msgid = sources.get((module, ctxt))
    if msgid is not None and msgid != src:
        return f'stale (the po translates {msgid!r})'


def reason(rows):
    "Why the zh_CN rows found show nothing (None: translated)."
    if not rows:
        return 'missing'
    if any(r.value and not r.fuzzy for r in rows):
        return None
    if any(r.value for r in rows):
        return 'fuzzy'
    return 'empty'


def check(modules=None):
    """The untranslated entries [(module, reason, msgctxt, msgid)] of the
    activated modules, inside an open transaction."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Module = pool.get('ir.module')
    Translation = pool.get('ir.translation')
    ModelData = pool.get('ir.model.data')
    TranslationSet = pool.get('ir.translation.set', type='wizard')

    activated = {m.name for m in Module.search([
                ('state', '=', 'activated')])}
    modules = set(modules or activated) & activated

    # the view strings have no source row until "Set translations" runs
    session_id, _, _ = TranslationSet.create()
    TranslationSet.execute(session_id, {}, 'set_')
    TranslationSet.delete(session_id)

    zh = defaultdict(list)
    for row in Translation.search([
                ('lang', '=', LANG),
                ('type', 'in', TYPES),
                ('res_id', '=', -1),
                ], order=[]):
        zh[key_of(row)].append(row)
    sources = po_sources()
    helps = defaultdict(int)
    for row in Translation.search([
                ('lang', '=', 'en'), ('type', '=', 'help'),
                ('res_id', '=', -1)], order=[]):
        helps[(row.name, row.module)] += 1
    result, seen = [], set()
    for row in Translation.search([
                ('lang', '=', 'en'),
                ('type', 'in', TYPES),
                ('res_id', '=', -1),
                ('module', 'in', list(modules)),
                ], order=[('module', 'ASC'), ('type', 'ASC'),
                ('name', 'ASC'), ('id', 'ASC')]):
        key = key_of(row)
        if key in seen or not LETTERS.search(row.src or ''):
            continue
        seen.add(key)
        rows = zh.get(key, [])
        why = reason(rows)
        own = [r for r in rows if r.module == row.module]
        # trytond's override finds a help row by its name only: a
        # selection's help per value (several rows) goes without the prefix
        ctxt = msgctxt(row.module, row.type, row.name, '',
            bool(own) and helps[(row.name, row.module)] < 2)
        if not why and row.type == 'model':
            why = stale(sources, row.module, ctxt, row.src)
        if why:
            result.append((row.module, why, ctxt, row.src))

    zh_records = defaultdict(list)
    for row in Translation.search([
                ('lang', '=', LANG),
                ('type', '=', 'model'),
                ('res_id', '>=', 0),
                ], order=[]):
        zh_records[(row.name, row.res_id)].append(row)
    by_model = defaultdict(list)
    for data in ModelData.search([
                ('module', 'in', list(modules)),
                ], order=[('module', 'ASC'), ('fs_id', 'ASC')]):
        if data.model not in SKIPPED_MODELS:
            by_model[data.model].append(data)
    for model, datas in sorted(by_model.items()):
        try:
            Model = pool.get(model)
        except KeyError:
            continue  # a model of a module removed since
        action = 'action' in Model._fields and model.startswith('ir.action.')
        names = [n for n, f in Model._fields.items()
            if getattr(f, 'translate', False)
            and (not hasattr(f, 'getter') or action)]
        if not names:
            continue
        with Transaction().set_context(language='en', active_test=False):
            records = Model.search([('id', 'in', [d.db_id for d in datas])])
            values = {r['id']: r for r in Model.read(
                    [r.id for r in records], names + (
                        ['action'] if action else []))}
        for data in datas:
            for name in names:
                src = (values.get(data.db_id) or {}).get(name)
                if not src or not LETTERS.search(src):
                    continue
                owner, res_id = model, data.db_id
                if action and name in pool.get('ir.action')._fields:
                    # ir.action.act_window.name is ir.action's
                    owner, res_id = 'ir.action', values[data.db_id]['action']
                trans_name = f'{owner},{name}'
                why = reason(zh_records.get((trans_name, res_id), []))
                if why == 'missing' and not ours(data.module):
                    # trytond's override needs the row: ours creates it
                    why += NO_ROW
                ctxt = msgctxt(
                    data.module, 'model', trans_name, data.fs_id, True)
                if not why:
                    why = stale(sources, data.module, ctxt, src)
                if why:
                    result.append((data.module, why, ctxt, src))
    return sorted(set(result))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('--json', help="also write the entries there")
    parser.add_argument('modules', nargs='*')
    args = parser.parse_args(argv)

    from trytond import config
    config.update_etc(os.environ.get('TRYTOND_CONFIG'))
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool(args.database).init()
    with Transaction().start(args.database, 0, readonly=False) as tx:
        entries = check(args.modules)
        tx.rollback()
    counts = defaultdict(lambda: defaultdict(int))
    for module, why, ctxt, msgid in entries:
        counts[module]['stale' if why.startswith('stale') else why] += 1
        print(f'{module} | {why} | {ctxt} | {msgid!r}')
    for module, by in sorted(counts.items()):
        print(f'{module}: ' + ', '.join(
                f'{n} {why}' for why, n in sorted(by.items())),
            file=sys.stderr)
    print(f'{len(entries)} untranslated zh_CN entries', file=sys.stderr)
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as fp:
            json.dump(entries, fp, ensure_ascii=False, indent=1)
    return 1 if entries else 0


if __name__ == '__main__':
    sys.exit(main())
