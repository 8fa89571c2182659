"""客户分类 and 渠道: the two M:N ways of grouping customers."""
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)


class _CodedName(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "A translatable name with a stable code that imports and APIs use."
    __slots__ = ()
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True, strip=True)
    description = fields.Text("Description")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'yuexing_base.msg_code_unique'),
            ]

    @classmethod
    def from_code(cls, code):
        records = cls.search([('code', '=', code)], limit=1)
        return records[0] if records else None


class Classification(_CodedName):
    "Customer Classification"
    __name__ = 'yuexing.customer.classification'


class Channel(_CodedName):
    "Customer Channel"
    __name__ = 'yuexing.channel'
