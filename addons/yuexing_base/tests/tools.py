"""Helpers shared by the tests of every yuexing module."""
from contextlib import contextmanager

from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase
from trytond.transaction import Transaction


class FunctionalTestCase(_DBTestCase):
    """A test case on a database with the module activated, without
    repeating the generic checks of ModuleTestCase (run once per module in
    test_module.py)."""
    language = 'zh_CN'

# Shanghai, Zhejiang, Jiangsu: enough for the demo cities, fast to import.
TEST_PROVINCES = ['31', '33', '32']


def load_regions():
    Subdivision = Pool().get('country.subdivision')
    Subdivision.import_china(provinces=TEST_PROVINCES)


def setup_company():
    "The company 月星防水 as the set-up command creates it."
    Setup = Pool().get('yuexing.setup')
    return Setup.run(provinces=TEST_PROVINCES)


def create_user(login, groups, company=None, **values):
    """Create a user holding the given roles (xml ids, 'yuexing_base.' may be
    left out)."""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    group_ids = []
    for group in groups:
        module, _, name = group.rpartition('.')
        group_ids.append(ModelData.get_id(module or 'yuexing_base', name))
    if company:
        values.setdefault('companies', [('add', [company.id])])
        values.setdefault('company', company.id)
    user, = User.create([{
                'login': login, 'name': login,
                'groups': [('add', group_ids)], **values}])
    return user


@contextmanager
def acting_as(user):
    "Run as user with access rights and record rules enforced, as over RPC."
    transaction = Transaction()
    with transaction.set_user(user.id), \
            transaction.set_context(_check_access=True, company=(
                    user.company.id if user.company else None)):
        yield


def create_customer(name='王先生', phone='13800138000', address=None,
        customer_type='individual', **values):
    pool = Pool()
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    party_values = {
        'name': name,
        'customer_type': customer_type,
        **values,
        }
    if phone:
        party_values['contact_mechanisms'] = [('create', [{
                        'type': 'mobile' if phone.startswith('1') else 'phone',
                        'value': phone}])]
    if address:
        party_values['addresses'] = [
            ('create', [Address.values_from_text(address)])]
    party, = Party.create([party_values])
    return party


@contextmanager
def rolled_back_on_error():
    """Undo what the block wrote when it raises, as the RPC layer does for a
    failed request, so a test can check that nothing was saved."""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT yx_test_block')
    try:
        yield
    except Exception:
        cursor.execute('ROLLBACK TO SAVEPOINT yx_test_block')
        transaction.cache.clear()
        raise
    cursor.execute('RELEASE SAVEPOINT yx_test_block')


class WebClientViewsMixin:
    """Checks the views of the module against what the web client (sao 8.0)
    can display: tree views have no column type for DateTime fields, which
    must be shown as a widget="date" and a widget="time" column."""

    def test_tree_datetime_columns(self):
        from lxml import etree

        from trytond.tests.test_tryton import with_transaction

        @with_transaction()
        def check():
            pool = Pool()
            View = pool.get('ir.ui.view')
            for view in View.search([
                        ('module', '=', self.module), ('type', '=', 'tree')]):
                Model = pool.get(view.model)
                tree = etree.fromstring(view.arch)
                for node in tree.iter('field'):
                    field = Model._fields.get(node.get('name'))
                    if field is None:
                        continue
                    kind = getattr(field, '_field', field)._type
                    if kind in {'datetime', 'timestamp'}:
                        with self.subTest(view=view.name,
                                field=node.get('name')):
                            self.assertIn(node.get('widget'),
                                {'date', 'time'},
                                msg="DateTime column without widget "
                                "date/time: sao cannot show it")
        check()
