"""Scheduled actions of the staff module."""
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('yuexing.employee.certificate|remind_expiring',
                    "Remind Expiring Certificates"),
                ])
