from trytond.pool import Pool, PoolMeta

from .encrypted import hidden_fields


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


class FieldAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.field.access'

    @classmethod
    def get_access(cls, models):
        """Encrypted columns and their hashes are never readable over RPC,
        whatever the access rows grant (administrators included): only
        server code reads them, through EncryptedMixin.decrypted."""
        accesses = super().get_access(models)
        pool = Pool()
        result = {}
        for model, maccesses in accesses.items():
            try:
                hidden = hidden_fields(pool.get(model))
            except KeyError:
                hidden = ()
            if hidden:
                # copies: super() caches and shares its dictionaries
                maccesses = dict(maccesses)
                for name in hidden:
                    maccesses[name] = dict(
                        maccesses.get(name, {'write': 1, 'create': 1,
                                'delete': 1}), read=0)
            result[model] = maccesses
        return result
