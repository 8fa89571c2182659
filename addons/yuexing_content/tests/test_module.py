from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.yuexing_base.tests.tools import WebClientViewsMixin
from trytond.tests.test_tryton import ModuleTestCase


class YuexingContentTestCase(
        WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test yuexing_content module"
    module = 'yuexing_content'
    language = 'zh_CN'


del ModuleTestCase
