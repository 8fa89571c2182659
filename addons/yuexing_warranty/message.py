"""Warranty, survey and complaint events of the message centre, and the
warranty reminder cron."""
from trytond.pool import PoolMeta

EVENTS = [
    ('warranty_expiring', "Warranty Expiring"),
    ('survey_sent', "Satisfaction Survey"),
    ('complaint_received', "Complaint Received"),
    ('complaint_answered', "Complaint Answered"),
    ]


class Template(metaclass=PoolMeta):
    __name__ = 'yuexing.message.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        known = {code for code, _ in cls.event.selection}
        cls.event.selection.extend(
            e for e in EVENTS if e[0] not in known)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('yuexing.warranty|send_reminders',
                    "Remind Warranties Expiring Soon"),
                ])
