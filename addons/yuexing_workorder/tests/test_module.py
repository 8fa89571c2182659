from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.yuexing_base.tests.tools import WebClientViewsMixin
from trytond.tests.test_tryton import ModuleTestCase


class YuexingWorkOrderTestCase(
        WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test yuexing_workorder module"
    module = 'yuexing_workorder'
    language = 'zh_CN'


del ModuleTestCase
