from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('yuexing.work_order|check_timeouts',
                    "Escalate Work Orders Not Taken in Time"),
                ('yuexing.work_order|check_sla', "Check SLA Deadlines"),
                ])
