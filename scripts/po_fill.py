#!/usr/bin/env python3
"""Developer tool: fill translations of a po file from a JSON mapping.

    po_fill.py addons/<module>/locale/zh_CN.po mapping.json

The mapping is {"English msgid": "中文"} or {"msgctxt|msgid": "中文"} for
one context. Entries Tryton guessed (#, fuzzy) are replaced when the
mapping has them and unflagged; what stays untranslated is listed.
"""
import json
import sys

import polib


def main(po_path, mapping_path):
    mapping = json.load(open(mapping_path, encoding='utf-8'))
    po = polib.pofile(po_path)
    missing = []
    for entry in po:
        keyed = f'{entry.msgctxt}|{entry.msgid}'
        if keyed in mapping:
            entry.msgstr = mapping[keyed]
        elif entry.msgid in mapping and (
                not entry.msgstr or 'fuzzy' in entry.flags):
            entry.msgstr = mapping[entry.msgid]
        if 'fuzzy' in entry.flags and entry.msgstr:
            entry.flags.remove('fuzzy')
        if not entry.msgstr:
            missing.append(f'{entry.msgctxt} | {entry.msgid}')
    po.save(po_path)
    print(f'{len(missing)} untranslated')
    for line in missing:
        print('  ' + line)


if __name__ == '__main__':
    main(*sys.argv[1:3])
