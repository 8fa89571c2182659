"""NC connection settings on the suite's configuration form."""
from trytond import config as trytond_config
from trytond.model import fields
from trytond.pool import PoolMeta

from . import xchange


class Configuration(metaclass=PoolMeta):
    __name__ = 'yuexing.configuration'

    nc_url = fields.Char(
        "NC XChange URL",
        help="http://<nc>/service/XChangeServlet?account=<账套>&groupcode="
        "<集团>; empty: vouchers stay pending. The server setting "
        "[yuexing_nc] url wins.")
    nc_sender = fields.Char("NC Sender", required=True,
        help="The exchange system registered in NC (外部系统编码).")
    nc_account = fields.Char("NC Data Source", required=True)
    nc_group = fields.Char("NC Group", required=True)
    nc_org = fields.Char("NC Organisation", required=True,
        help="财务组织编码 (receiver of the documents).")
    nc_book = fields.Char("NC Accounting Book", required=True)
    nc_voucher_type = fields.Char("NC Voucher Type", required=True)
    nc_preparer = fields.Char("NC Preparer", required=True)
    nc_timeout = fields.Integer("NC Timeout (seconds)", required=True,
        domain=[('nc_timeout', '>', 0)])
    nc_max_attempts = fields.Integer("NC Attempts", required=True,
        domain=[('nc_max_attempts', '>', 0)],
        help="Transport failures are retried with exponential backoff.")
    nc_retry_delay = fields.Integer("NC First Retry (seconds)",
        required=True, domain=[('nc_retry_delay', '>', 0)])
    nc_check_customer = fields.Char("Check Type 客商", required=True)
    nc_check_department = fields.Char("Check Type 部门", required=True)
    nc_check_project = fields.Char("Check Type 项目", required=True)
    nc_check_person = fields.Char("Check Type 人员", required=True)
    nc_department = fields.Char("Default Department Code",
        help="部门 of entries on cost and expense subjects.")
    indirect_basis = fields.Selection([
            ('rate', "Rate on Direct Cost"),
            ('labour_hours', "Labour Hours"),
            ], "Indirect Cost Allocation", required=True,
        help="Rate: the work-order indirect rate. Labour hours: a period's "
        "indirect pool is spread over the orders by their labour hours.")

    @classmethod
    def default_nc_sender(cls):
        return 'yuexing'

    @classmethod
    def default_nc_account(cls):
        return 'develop'

    @classmethod
    def default_nc_group(cls):
        return '0001'

    @classmethod
    def default_nc_org(cls):
        return '0101'

    @classmethod
    def default_nc_book(cls):
        return '0101-0001'

    @classmethod
    def default_nc_voucher_type(cls):
        return '记'

    @classmethod
    def default_nc_preparer(cls):
        return 'yuexing'

    @classmethod
    def default_nc_timeout(cls):
        return 30

    @classmethod
    def default_nc_max_attempts(cls):
        return 8

    @classmethod
    def default_nc_retry_delay(cls):
        return 60

    @classmethod
    def default_nc_check_customer(cls):
        return '客商'

    @classmethod
    def default_nc_check_department(cls):
        return '部门'

    @classmethod
    def default_nc_check_project(cls):
        return '项目'

    @classmethod
    def default_nc_check_person(cls):
        return '人员'

    @classmethod
    def default_indirect_basis(cls):
        return 'rate'

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        # Existing configuration rows get the defaults of the new columns.
        from trytond.transaction import Transaction
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for name in ['nc_sender', 'nc_account', 'nc_group', 'nc_org',
                'nc_book', 'nc_voucher_type', 'nc_preparer', 'nc_timeout',
                'nc_max_attempts', 'nc_retry_delay', 'nc_check_customer',
                'nc_check_department', 'nc_check_project',
                'nc_check_person', 'indirect_basis']:
            column = getattr(table, name)
            cursor.execute(*table.update(
                    [column], [getattr(cls, 'default_' + name)()],
                    where=column == None))  # noqa: E711

    def get_nc_url(self):
        return trytond_config.get('yuexing_nc', 'url') or self.nc_url

    def nc_envelope(self):
        return xchange.Envelope(sender=self.nc_sender,
            receiver=self.nc_org, account=self.nc_account,
            groupcode=self.nc_group)
