"""No English on a Chinese screen: with every module of addons/ activated
(and the Tryton modules they depend on) in zh_CN, every menu, group, model
name, field label and help, selection value, action (window title), tab,
button and message reads Chinese, read through the ORM as the web client
gets them (``fields_get``, ``read``) with the context language zh_CN.

Tryton's own zh_CN catalogues miss entries and flag others ``#, fuzzy``
(ignored by trytond): ours complete them in ``locale/override/zh_CN.po``
of the module depending on the Tryton module. ``scripts/i18n.sh --check``
lists the entries left, with the msgctxt to write.
"""
import re
from pathlib import Path

from trytond.pool import Pool
from trytond.tests.test_tryton import (
    TestCase,
    activate_module,
    drop_db,
    with_transaction,
)
from trytond.transaction import Transaction

ROOT = Path(__file__).resolve().parent.parent

# Latin words a Chinese user reads as they are (abbreviations, formats,
# brands, units): anything else made of two letters or more is English.
WHITELIST = {
    'API', 'CSV', 'EAN', 'GLN', 'GTIN', 'HTML', 'HTTP', 'HTTPS', 'ID',
    'IBAN', 'ISBN', 'ISO', 'JSON', 'NC', 'OSS', 'PDF', 'SKU', 'SLA', 'SMS',
    'SMTP', 'UPC', 'URL', 'URI', 'UUID', 'VAT', 'XML', 'ODT', 'ODS',
    'SQL', 'IP', 'QR', 'CPU', 'UTC', 'OK', 'APP', 'App', 'PIN', 'VIN',
    'GPS', 'S3', 'IMEI', 'ISSN', 'ISMN', 'ISAN', 'ISIL', 'ISRC', 'ISWC',
    'BIC', 'EDI', 'Tryton', 'SAO', 'WeChat', 'AppID', 'AppSecret',
    'OpenID', 'UnionID', 'Token', 'AccessKey', 'AccessKeyId',
    'AccessKeySecret', 'Webhook', 'Excel', 'HMAC', 'SHA', 'LDAP',
    'PostgreSQL', 'SQLite', 'Sentry', 'Prometheus', 'OpenAPI',
    # interfaces and file formats named as the Chinese user meets them
    'REST', 'PYSON', 'Python', 'Unix', 'ASCII', 'XLSX', 'JPEG', 'PNG',
    'WebP', 'M4A', 'Markdown', 'Word', 'PEM', 'APIv3', 'XChange', 'VIP',
    'SVG', 'SIP', 'Skype', 'Cookie', 'IRC', 'Jabber', 'LibreOffice',
    'Genshi', 'strftime', 'RFC', 'UN', 'M49',
    # units, standards (GB 国标, GCJ-02 国测局坐标), date patterns
    'KB', 'MB', 'GB', 'GCJ', 'YYYY', 'MM', 'DD',
    # waterproofing trade names (PY 聚酯胎, SBS/APP 改性沥青, TPO/PVC 高分子)
    'PY', 'SBS', 'TPO', 'PVC',
    # JSON values and the WeChat identifier, written as the API reads them
    'true', 'false', 'openid',
    }
# %(name)s, %s, {name}, ${name}, {{name}}: replaced by values, not read
PLACEHOLDER = re.compile(
    r'%\([^)]*\)[sdirfxc]|%[sdirfxc]|\$?\{\{?[^}]*\}?\}')
# Written as they are, not read as English: HTTP headers and terms of the
# services we connect to; URLs, paths and media types (image/jpeg);
# dotted names (wx.chooseLocation); code names with an underscore
# (TRYTOND_..., upload_id); a lowercase name in brackets or quotes (an API
# parameter, a context key: "（answers）", '"employees"'); ISO date-times;
# "key: {{...}}" in template examples; material codes.
CODE = re.compile('|'.join([
            r'\b(?:Idempotency-Key|Content-Type|Tus-Resumable'
            r'|Upload-(?:Metadata|Offset|Length)|AccessKey Secret)\b',
            r'https?://[^\s；，。）]*',
            r'[\w.+-]*/[\w.+/?=&<>…-]*',
            r'\b[A-Za-z_]\w*(?:\.\w+)+',
            r'\b\w*_\w*',
            r'[(（"“\'][a-z][a-z0-9]*[)）"”\']',
            r'\d{4}-\d{2}-\d{2}T[\d:+-]+',
            r'\b\w+:\s*(?=\{\{)',
            # material codes (JC-0001, JC-SBS-3)
            r'\b[A-Z]{2,4}(?:-[A-Z0-9]+)+\b',
            ]), re.ASCII)
WORD = re.compile(r'[A-Za-z][A-Za-z0-9_]*')


def english(text):
    "The English words of a text (none when it reads Chinese)."
    if not text:
        return []
    text = PLACEHOLDER.sub(' ', CODE.sub(' ', text))
    return [w for w in WORD.findall(text)
        if len(w) > 1 and w not in WHITELIST
        and w.upper() not in WHITELIST]


class ChineseEverywhereTestCase(TestCase):
    "What a Chinese user reads in the back office is Chinese."
    # the database of tests/test_access_matrix.py (same modules, language):
    # built once per run
    module = 'yuexing_base'
    extras = sorted(p.name for p in (ROOT / 'addons').iterdir()
        if (p / 'tryton.cfg').is_file() and p.name != 'yuexing_base')
    language = 'zh_CN'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module([cls.module, *cls.extras], lang=cls.language)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def assertChinese(self, what, entries):
        "entries: (where, text); fail naming those with English left"
        found = sorted({f'{where}: {text!r}' for where, text in entries
                if english(text)})
        self.assertFalse(found, f"{len(found)} {what} in English:\n"
            + '\n'.join(found))

    def records(self, model, *names, domain=None):
        Model = Pool().get(model)
        with Transaction().set_context(language='zh_CN'):
            records = Model.search(domain or [], order=[('id', 'ASC')])
            yield from Model.read([r.id for r in records], list(names))

    def data_names(self, model):
        "fs ids of the records of model, for the failure message"
        ModelData = Pool().get('ir.model.data')
        return {d.db_id: f'{d.module}.{d.fs_id}' for d in ModelData.search(
                [('model', '=', model)])}

    def check_records(self, what, model, *names, domain=None):
        fs_ids = self.data_names(model)
        self.assertChinese(what, [
                (f'{model},{name}:{fs_ids.get(v["id"], v["id"])}', v[name])
                for v in self.records(model, *names, domain=domain)
                for name in names])

    @with_transaction()
    def test_menus(self):
        "Every menu entry"
        self.check_records("menus", 'ir.ui.menu', 'name')

    @with_transaction()
    def test_groups(self):
        "Every group (role)"
        self.check_records("groups", 'res.group', 'name')

    @with_transaction()
    def test_actions(self):
        "Every action name (a window's or a report's title)"
        self.check_records("actions", 'ir.action', 'name')

    @with_transaction()
    def test_tabs(self):
        "Every tab of a list (action domains)"
        self.check_records(
            "tabs", 'ir.action.act_window.domain', 'name')

    @with_transaction()
    def test_buttons(self):
        "Every button's label, help and confirmation"
        self.check_records(
            "buttons", 'ir.model.button', 'string', 'help', 'confirm')

    @with_transaction()
    def test_messages(self):
        "Every message (errors, warnings)"
        self.check_records("messages", 'ir.message', 'text')

    @with_transaction()
    def test_models(self):
        "Every model's name"
        self.check_records("model names", 'ir.model', 'string',
            domain=[('name', 'not like', 'yuexing.test.%')])

    @with_transaction()
    def test_fields(self):
        "Every field's label, help and selection values, as fields_get"
        pool = Pool()
        labels, helps, selections = [], [], []
        with Transaction().set_context(language='zh_CN'):
            for name, Model in pool.iterobject():
                if name.startswith('yuexing.test.'):
                    continue
                if not hasattr(Model, 'fields_get'):
                    continue
                for field, desc in Model.fields_get().items():
                    where = f'{name},{field}'
                    labels.append((where, desc.get('string')))
                    helps.append((where, desc.get('help')))
                    selection = desc.get('selection')
                    # translate=False: names Tryton does not translate
                    # (time zones, report file formats)
                    translated = getattr(Model._fields.get(field),
                        'translate_selection', True)
                    if translated and isinstance(selection, (list, tuple)):
                        selections.extend(
                            (f'{where}:{value}', label)
                            for value, label in selection)
        self.assertGreater(len(labels), 1000)
        self.assertChinese("field labels", labels)
        self.assertChinese("selection values", selections)
        self.assertChinese("field helps", helps)

    @with_transaction()
    def test_wizard_buttons(self):
        "Every wizard button"
        pool = Pool()
        Translation = pool.get('ir.translation')
        buttons = []
        for name, Wizard in pool.iterobject(type='wizard'):
            if name.startswith('yuexing.test.'):
                continue
            for state_name, state in Wizard.states.items():
                for button in getattr(state, 'buttons', []):
                    if not button.string:
                        continue
                    key = f'{name},{state_name},{button.state}'
                    value = Translation.get_source(
                        key, 'wizard_button', 'zh_CN', button.string)
                    buttons.append((key, value or button.string))
        self.assertChinese("wizard buttons", buttons)

