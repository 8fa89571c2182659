from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.yuexing_base.tests.tools import WebClientViewsMixin
from trytond.tests.test_tryton import ModuleTestCase


class YuexingNcConnectorTestCase(
        WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test yuexing_nc_connector module"
    module = 'yuexing_nc_connector'
    language = 'zh_CN'


del ModuleTestCase
