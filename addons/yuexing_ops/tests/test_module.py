from trytond.tests.test_tryton import ModuleTestCase


class OpsTestCase(ModuleTestCase):
    "Test the ops module"
    module = 'yuexing_ops'
    language = 'zh_CN'


del ModuleTestCase
