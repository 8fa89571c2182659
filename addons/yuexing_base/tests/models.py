"Models registered only when testing (tests/tryton.cfg)."
from trytond.model import ModelSQL, fields
from trytond.pool import PoolMeta


class ServiceRecord(ModelSQL):
    "A business record of a customer, standing for the work orders and bills"
    __name__ = 'yuexing.test.service_record'
    name = fields.Char("Name")
    party = fields.Many2One('party.party', "Customer", ondelete='RESTRICT')


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def delete_blockers(cls):
        return super().delete_blockers() + [
            ('yuexing.test.service_record', 'party')]
