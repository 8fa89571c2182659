from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.yuexing_base.tests.tools import WebClientViewsMixin
from trytond.tests.test_tryton import ModuleTestCase


class YuexingWarrantyTestCase(
        WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test yuexing_warranty module"
    module = 'yuexing_warranty'
    language = 'zh_CN'


del ModuleTestCase
