"""Deny by default: Tryton grants every right on a model to a user when no
``ir.model.access`` row applies to him (no row without group, none of his
groups), for the model and the models it takes its access from
(``__access__``). Here such a model is refused to every user but the
administrators (``res.group_admin``) whenever access is checked (RPC, the
JSON API): a model a module adds without access rows, or with rows for some
groups only, is closed to the others, not open.

Pure relation tables (``ModelSQL`` without a view, e.g.
``res.user-res.group``) keep Tryton's default: they are read and written
through their parents' ``Many2Many`` fields, whose access is checked.

The rights each role really gets are declared in the access matrix
(``addons/<module>/access/<role>.toml``) and compared with the server by
``tests/test_access_matrix.py``.
"""
from sql import Literal, Null

from trytond.cache import Cache
from trytond.model import ModelView
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

NONE = {'read': False, 'write': False, 'create': False, 'delete': False}


class ModelAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.access'
    _models_with_rows = Cache(
        'ir.model.access.models_with_rows', context=False)

    @classmethod
    def models_with_rows(cls, groups):
        """The names of the models with an active access row that applies to
        users of groups: a row without group or of one of the groups."""
        key = tuple(sorted(groups))
        models = cls._models_with_rows.get(key)
        if models is None:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(table.model,
                    where=(table.active == Literal(True))
                    & ((table.group == Null)
                        | table.group.in_(list(key) or [-1])),
                    group_by=table.model))
            models = [m for m, in cursor]
            cls._models_with_rows.set(key, models)
        return set(models)

    @classmethod
    def get_access(cls, models):
        access = super().get_access(models)
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if not Transaction().user:
            return access
        groups = User.get_groups()
        if ModelData.get_id('res', 'group_admin') in groups:
            return access
        with_rows = cls.models_with_rows(groups)
        for model in models:
            Model = pool.get(model)
            if not issubclass(Model, ModelView):
                continue
            if not (access_chain(Model) & with_rows):
                access[model] = NONE.copy()
        return access

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls._models_with_rows.clear()


def access_chain(Model, seen=None):
    "The names of Model and of the models it takes its access from."
    seen = set() if seen is None else seen
    if Model.__name__ in seen:
        return seen
    seen.add(Model.__name__)
    for name in Model.__access__:
        access_chain(getattr(Model, name).get_target(), seen)
    return seen
