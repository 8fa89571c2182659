from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.yuexing_base.tests.tools import WebClientViewsMixin
from trytond.tests.test_tryton import ModuleTestCase


class YuexingPaymentTestCase(
        WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test yuexing_payment module"
    module = 'yuexing_payment'
    language = 'zh_CN'


del ModuleTestCase
