from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('yuexing.file.version|archive_cold',
                    "Move Cold Files to Infrequent Access"),
                ('yuexing.file.upload|expire', "Expire Unfinished Uploads"),
                ('yuexing.file.share|deactivate_expired',
                    "Deactivate Expired Shares"),
                ])
