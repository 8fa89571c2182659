from tests.test_access_matrix import AccessMatrixTestCase
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction
from trytond.pool import Pool

class Debug(AccessMatrixTestCase):
    def test_debug(self):
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Access = pool.get('ir.model.access')
            rows = {a.model if isinstance(a.model, str) else a.model.name for a in Access.search([])}
            out = []
            for name in sorted(self.models):
                M = pool.get(name)
                chain = {name} | {getattr(M, f).get_target().__name__ for f in M.__access__}
                if not chain & rows:
                    out.append(name + ('(tq)' if callable(getattr(M, 'table_query', None)) else ''))
            print(len(out), ' '.join(out))
del AccessMatrixTestCase
