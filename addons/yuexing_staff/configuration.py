"""Staff settings on the suite's configuration form."""
import datetime as dt
from decimal import Decimal

from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    work_start = fields.Time(
        "Start of Work",
        help="A first clock-in after this time (plus the grace) is late.")
    late_grace_minutes = fields.Integer(
        "Late Grace (minutes)",
        domain=['OR', ('late_grace_minutes', '=', None),
            ('late_grace_minutes', '>=', 0)])
    improvement_threshold = fields.Numeric(
        "Improvement Plan Below", digits=(5, 2),
        help="An evaluation scoring below this needs an improvement plan.")
    default_si_city = fields.Many2One(
        'yuexing.payroll.city', "Default Social Insurance City")

    @classmethod
    def default_work_start(cls):
        return dt.time(8, 30)

    @classmethod
    def default_late_grace_minutes(cls):
        return 5

    @classmethod
    def default_improvement_threshold(cls):
        return Decimal(60)

    def get_work_start(self):
        return self.work_start or self.default_work_start()

    def get_improvement_threshold(self):
        if self.improvement_threshold is None:
            return self.default_improvement_threshold()
        return self.improvement_threshold
