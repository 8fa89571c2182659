from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('yuexing.customer.care|generate_reminders',
                    "Generate Customer Care Reminders"),
                ('party.party|recompute_scores',
                    "Recompute Customer Scores"),
                ('yuexing.api.token|clean', "Clean API Tokens"),
                ('yuexing.api.idempotency|clean',
                    "Clean API Idempotency Keys"),
                ('yuexing.api.rate_counter|clean',
                    "Clean API Rate Counters"),
                ('yuexing.login.counter|clean',
                    "Clean Log-in Failure Counters"),
                ('yuexing.auth.sms_code|clean',
                    "Clean SMS Verification Codes"),
                ])
