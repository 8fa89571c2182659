"""Content settings on the suite's configuration form."""
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    service_intro = fields.Text(
        "Service Introduction",
        help="Shown on the home page of the mini-program.")
