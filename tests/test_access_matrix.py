"""The access matrix holds: each back-office role, logged in through the
generic JSON-RPC as the web client is (``common.db.login``, then
``model.<name>.<method>`` with the session), may do on every model of the
registry exactly what its matrix (``addons/*/access/<role>.toml``, see
``yuexing_base/tests/access_matrix.py``) declares, no more and no less:

- ``search_read`` of all fields and of the name of every linked record
  (``party.rec_name``, as the web client reads a list), the refused fields
  found one by one: they must be the fields declared denied,
- ``write``, ``create`` and ``delete``, probed with no records: the RPC
  path runs the access check and then has nothing to change,
- every button of ``ir.model.button``, probed with no records: the button
  wrapper checks the access and, when it grants it, logs the click just
  before running the button; the test's log stops the call there
  (``ButtonReached``), so nothing runs,
- the record rules (``ir.rule.group``, global ones left out) that apply.

The external roles (师傅, B端, C端) get nothing through the RPC: their log-in
is refused, and a session obtained another way is refused on every call.

A model a later module adds is walked as well: missing from every matrix,
it must be refused to every role (system administrators included: the
matrix lists what they may do).

    YUEXING_ACCESS_DUMP=1  writes the effective rights as the matrix files
                           (addons/<module>/access/<role>.toml) instead of
                           comparing: a start for a review, never a fix.
"""
import base64
import configparser
import functools
import json
import logging
import os
import re
import sys
from collections import defaultdict
from pathlib import Path
from unittest import mock

from werkzeug.test import Client
from werkzeug.wrappers import Response

from trytond.model import ModelStorage, dualmethod
from trytond.modules.yuexing_base.tests import access_matrix
from trytond.modules.yuexing_base.tests.tools import (
    create_user,
    setup_company,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction
from trytond.wsgi import app

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = 'Matrix-Probe-2026'
ROLES = access_matrix.INTERNAL_ROLES
EXTERNAL = access_matrix.EXTERNAL_ROLES
DENIED = re.compile(r'^You are not allowed to access "(?P<target>.+)"\.$')
BUTTON_DENIED = re.compile(r'^Calling button ')
REACHED = 'yuexing-access-probe-button-reached'
DUMP = os.environ.get('YUEXING_ACCESS_DUMP')


@functools.cache
def depends_of(module):
    "The modules a module of ours depends on directly (its tryton.cfg)."
    config = configparser.ConfigParser()
    config.read(ROOT / 'addons' / module / 'tryton.cfg')
    return set(config.get('tryton', 'depends', fallback='').split())


class ButtonReached(Exception):
    "Raised by the test's log just before a granted button would run."

    def __str__(self):
        return REACHED


_log = ModelStorage.__dict__['log']


@dualmethod
def _probe_log(cls, records, event, *args, **kwargs):
    if event == 'button':
        raise ButtonReached()
    return _log.__get__(None, cls)(records, event, *args, **kwargs)


class Rpc:
    "A JSON-RPC client of the WSGI app, as sao is."

    def __init__(self, login, password=PASSWORD):
        self.client = Client(app, Response)
        self.login, self.password = login, password
        self.session = None

    def post(self, method, params, headers=None):
        response = self.client.post(f'/{DB_NAME}/rpc/',
            data=json.dumps({'id': 1, 'method': method, 'params': params}),
            headers={'Content-Type': 'application/json', **(headers or {})},
            environ_base={'REMOTE_ADDR': '10.1.2.3'})
        return response

    def do_login(self):
        response = self.post('common.db.login',
            [self.login, {'password': self.password}, 'en'])
        if response.status_code != 200:
            return response.status_code
        user_id, key, _ = json.loads(response.get_data())['result']
        self.session = (user_id, key)
        return 200

    def call(self, method, *params):
        user_id, key = self.session
        token = base64.b64encode(
            f'{self.login}:{user_id}:{key}'.encode()).decode()
        response = self.post(method, [*params, {'language': 'en'}],
            headers={'Authorization': f'Session {token}'})
        if response.status_code != 200:
            return 'http', response.status_code
        body = json.loads(response.get_data())
        if 'error' in body:
            return 'error', body['error']
        return 'result', body['result']


def module_dirs(modules):
    "The folders of the activated yuexing modules (the access/ files)."
    return [ROOT / 'addons' / m for m in modules
        if (ROOT / 'addons' / m).is_dir()]


class AccessMatrixTestCase(RouteTestCase):
    "The rights of every role over JSON-RPC are its access matrix."
    # every module of addons/: a new module is walked without editing here
    module = 'yuexing_base'
    extras = sorted(p.name for p in (ROOT / 'addons').iterdir()
        if (p / 'tryton.cfg').is_file() and p.name != 'yuexing_base')
    language = 'zh_CN'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with Transaction().start(DB_NAME, 0) as transaction:
            cls.setUpWorld()
            transaction.commit()

    @classmethod
    def setUpWorld(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        Button = pool.get('ir.model.button')
        company = setup_company()
        cls.users = {}
        for role in ROLES + EXTERNAL:
            create_user(f'matrix_{role}', [f'group_{role}'], company=company,
                password=PASSWORD)
        cls.modules = sorted(pool._modules)
        cls.models = {}     # name: (module, name, field names)
        cls.field_labels = defaultdict(lambda: defaultdict(set))
        with Transaction().set_context(language='en'):
            for model in Model.search([]):
                Class = pool.get(model.name)
                if not issubclass(Class, ModelStorage):
                    continue  # a wizard's form: no data of its own
                if model.name.startswith('yuexing.test.'):
                    continue  # registered by the tests only, never deployed
                # as the web client: the name of each linked record too
                related = [f'{n}.rec_name' for n, f in Class._fields.items()
                    if f._type in {'many2one', 'reference'}]
                cls.models[model.name] = (model.module, model.name,
                    sorted(Class._fields) + sorted(related))
                for name, definition in Class.fields_get().items():
                    cls.field_labels[model.name][
                        definition['string']].add(name)
            labels = {m.name: m.string for m in Model.search([])}
        cls.model_labels = labels
        cls.buttons = defaultdict(list)
        for button in Button.search([]):
            model = getattr(button.model, 'name', button.model)
            if model in cls.models:
                cls.buttons[model].append(button.name)
        cls.rules = cls.rules_of_roles()
        cls.matrix = access_matrix.load(module_dirs(cls.modules))

    @classmethod
    def rules_of_roles(cls):
        "{role: {model: {rule xml ids}}}: the non-global read rules."
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        ModelData = pool.get('ir.model.data')
        xml_ids = {d.db_id: f'{d.module}.{d.fs_id}' for d in ModelData.search(
                [('model', '=', 'ir.rule.group')])}
        group_ids = {role: ModelData.get_id('yuexing_base', f'group_{role}')
            for role in ROLES}
        rules = {role: defaultdict(set) for role in ROLES}
        for rule in RuleGroup.search([
                    ('global_p', '=', False), ('perm_read', '=', True)]):
            groups = {g.id for g in rule.groups}
            for role in ROLES:
                if rule.default_p or group_ids[role] in groups:
                    rules[role][getattr(rule.model, 'name', rule.model)].add(
                        xml_ids.get(rule.id, f'ir.rule.group,{rule.id}'))
        return rules

    # ---- probing -----------------------------------------------------------
    def classify(self, model, answer):
        """'allowed', 'denied' or a text saying why it is inconclusive
        (refused on another model)."""
        kind, value = answer
        if kind == 'http':
            return 'denied'
        if kind == 'result' or value[0] == REACHED:
            return 'allowed'
        # a TrytonException is [class name, args], another one [str, trace]
        value = value[1][0] if isinstance(value[1], list) else ''
        if BUTTON_DENIED.match(value or ''):
            return 'denied'
        match = DENIED.match(value or '')
        if not match:
            # failed on something else, before or after the access check
            return 'inconclusive'
        target = match['target']  # a model's label or "label.field label"
        label = self.model_labels[model]
        if target == label:
            return 'denied'
        if target.startswith(label + '.'):
            return f'denied field {target[len(label) + 1:]}'
        return f'refused on {target!r}: {value}'

    def effective(self, rpc, model):
        "The Entry the server grants for model, and the problems met."
        _, _, fields = self.models[model]
        entry = access_matrix.Entry()
        problems = []
        # read all fields; a field refused is left out and the read tried
        # again, so that every refused field is found
        readable = list(fields)
        while True:
            answer = self.classify(model, rpc.call(
                    f'model.{model}.search_read', [], 0, 20, None, readable))
            if not answer.startswith('denied field '):
                break
            names = self.field_labels[model].get(
                answer[len('denied field '):], set()) & set(readable)
            if not names:
                problems.append(f'read {answer}: unknown field')
                break
            entry.denied_fields |= names
            readable = [f for f in readable
                if f not in names and f.split('.')[0] not in names]
        if answer in {'allowed', 'inconclusive'}:
            entry.perms.add('read')
        elif answer != 'denied':
            entry.perms.add('read')
            problems.append(f'read {answer}')
        # the probes with no records run the access check of the RPC path;
        # a model may refuse an empty call on its own before it (a user
        # cannot be deleted, a singleton not created): the right is granted
        # when the probe is not refused and the access layer grants it too
        probes = {
            'write': ('write', [], {}),
            'create': ('create', []),
            'delete': ('delete', []),
            }
        not_refused = [perm for perm, (method, *params) in probes.items()
            if self.classify(model, rpc.call(
                    f'model.{model}.{method}', *params)) != 'denied']
        if not_refused:
            kind, layer = rpc.call(
                'model.ir.model.access.get_access', [model])
            layer = layer[model] if kind == 'result' else {}
            entry.perms |= {p for p in not_refused if layer.get(p)}
        for button in self.buttons.get(model, []):
            answer = self.classify(model,
                rpc.call(f'model.{model}.{button}', []))
            if answer not in {'denied', 'inconclusive'}:
                entry.buttons.add(button)
        entry.rules = set(self.rules[rpc.role].get(model, set()))
        return entry, problems

    def matrix_of(self, role):
        return self.matrix[role]

    def walk(self, role):
        rpc = Rpc(f'matrix_{role}')
        rpc.role = role
        self.assertEqual(rpc.do_login(), 200, f'{role} cannot log in')
        effective, problems = {}, {}
        with mock.patch.object(ModelStorage, 'log', _probe_log):
            for model in sorted(self.models):
                entry, model_problems = self.effective(rpc, model)
                if entry.perms or entry.buttons:
                    effective[model] = entry
                if model_problems:
                    problems[model] = model_problems
        return effective, problems

    def compare(self, role, effective):
        declared = self.matrix_of(role)
        differences = []
        for model in sorted(set(effective) | set(declared)):
            granted = effective.get(model, access_matrix.Entry())
            entry = declared.get(model, access_matrix.Entry())
            where = ', '.join(entry.sources) or 'no matrix file'
            for perm in sorted(granted.perms - entry.perms):
                differences.append(f'{model}: {perm} granted, not declared '
                    f'({where})')
            for perm in sorted(entry.perms - granted.perms):
                differences.append(f'{model}: {perm} declared, refused '
                    f'({where})')
            buttons = {b for b in self.buttons.get(model, [])
                if entry.allows_button(b)}
            for button in sorted(granted.buttons - buttons):
                differences.append(f'{model}: button {button} granted, not '
                    f'declared ({where})')
            for button in sorted(buttons - granted.buttons):
                differences.append(f'{model}: button {button} declared, '
                    f'refused ({where})')
            if 'read' in granted.perms:
                for name in sorted(granted.denied_fields
                        - entry.denied_fields):
                    differences.append(f'{model}: field {name} refused, not '
                        f'in denied_fields ({where})')
                for name in sorted(entry.denied_fields
                        - granted.denied_fields):
                    differences.append(f'{model}: field {name} readable, '
                        f'declared denied ({where})')
            if entry.perms or granted.perms:
                for rule in sorted(granted.rules - entry.rules):
                    differences.append(f'{model}: record rule {rule} applies, '
                        f'not declared ({where})')
                for rule in sorted(entry.rules - granted.rules):
                    differences.append(f'{model}: record rule {rule} '
                        f'declared, does not apply ({where})')
        return differences

    def test_matrix(self):
        "Every role gets over RPC what its matrix says, on every model"
        logging.getLogger('trytond.protocols.dispatcher').disabled = True
        self.addCleanup(setattr,
            logging.getLogger('trytond.protocols.dispatcher'), 'disabled',
            False)
        dumped = {}
        for role in ROLES:
            effective, problems = self.walk(role)
            if DUMP:
                dumped[role] = effective
                for model, model_problems in sorted(problems.items()):
                    for problem in model_problems:
                        print(f'{role}: {model}: {problem}', file=sys.stderr)
                continue
            with self.subTest(role=role):
                report = self.compare(role, effective) + [
                    f'{m}: {p}' for m, ps in sorted(problems.items())
                    for p in ps]
                self.assertFalse(report, f'\n{role}:\n  '
                    + '\n  '.join(report))
        if DUMP:
            self.dump(dumped)

    def dump(self, dumped):
        yuexing = {p.name for p in (ROOT / 'addons').iterdir()
            if (p / 'tryton.cfg').exists()}
        for role, effective in dumped.items():
            by_module = defaultdict(dict)
            for model, entry in effective.items():
                module = self.models[model][0]
                if module not in yuexing:
                    # a Tryton model goes with yuexing_base when it depends
                    # on its module, else with the first of our modules
                    # that does (stock → yuexing_material)
                    module = next((m for m in ['yuexing_base'] + sorted(
                                yuexing - {'yuexing_base'})
                            if module in depends_of(m)), 'yuexing_base')
                by_module[module][model] = entry
            for module, entries in by_module.items():
                path = ROOT / 'addons' / module / 'access' / f'{role}.toml'
                path.parent.mkdir(exist_ok=True)
                path.write_text(access_matrix.dump(entries))

    def test_menus(self):
        "Each role's menus open only what its matrix lets it read"
        with Transaction().start(DB_NAME, 0):
            ActWindow = Pool().get('ir.action.act_window')
            models = {f'ir.action.act_window,{a.id}': a.res_model
                for a in ActWindow.search([])}
        for role in ROLES:
            with self.subTest(role=role):
                rpc = Rpc(f'matrix_{role}')
                self.assertEqual(rpc.do_login(), 200)
                kind, menus = rpc.call('model.ir.ui.menu.search_read',
                    [], 0, None, None, ['complete_name', 'action'])
                self.assertEqual(kind, 'result')
                matrix = self.matrix_of(role)
                unreadable = [
                    f'{m["complete_name"]} → {models[m["action"]]}'
                    for m in menus if m['action'] in models
                    and 'read' not in matrix.get(models[m['action']],
                        access_matrix.Entry()).perms]
                self.assertFalse(unreadable, f'{role} sees menus of what '
                    'it may not read:\n  ' + '\n  '.join(unreadable))

    # ---- external roles --------------------------------------------------
    def test_external_roles_rpc_login_refused(self):
        "师傅, B端 and C端 cannot log in through the generic JSON-RPC"
        for role in EXTERNAL:
            with self.subTest(role=role):
                self.assertEqual(Rpc(f'matrix_{role}').do_login(), 401)
        self.assertEqual(Rpc('matrix_dispatcher').do_login(), 200)

    def test_external_roles_rpc_session_refused(self):
        "A session of an external role obtained another way is refused"
        def session_of(role):
            with Transaction().start(DB_NAME, 0) as transaction:
                User = Pool().get('res.user')
                user, = User.search([('login', '=', f'matrix_{role}')])
                with Transaction().set_user(user.id), \
                        Transaction().set_context(
                            _request={'remote_addr': '10.1.2.3'}):
                    key = Pool().get('ir.session').new()
                transaction.commit()
            rpc = Rpc(f'matrix_{role}')
            rpc.session = (user.id, key)
            return rpc

        # the same way gives a working session to a back-office role
        kind, _ = session_of('dispatcher').call(
            'model.res.user.get_preferences', False)
        self.assertEqual(kind, 'result')
        for role in EXTERNAL:
            with self.subTest(role=role):
                rpc = session_of(role)
                self.assertEqual(rpc.call('model.party.party.search_read',
                        [], 0, None, None, ['name']), ('http', 401))
                self.assertEqual(rpc.call(
                        'model.res.user.get_preferences', False),
                    ('http', 401))
