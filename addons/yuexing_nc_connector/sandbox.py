"The NC link the sandbox guard knows (see yuexing_base.sandbox)."
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    @classmethod
    def sandbox_systems(cls):
        # XChange has no credential: a URL that is not local is a real NC
        return super().sandbox_systems() + [("用友NC", 'nc_url', [])]
