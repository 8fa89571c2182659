from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.yuexing_base.tests.tools import WebClientViewsMixin
from trytond.tests.test_tryton import ModuleTestCase


class FileTestCase(WebClientViewsMixin, CompanyTestMixin, ModuleTestCase):
    "Test the file centre module"
    module = 'yuexing_file'
    language = 'zh_CN'


del ModuleTestCase
