"""Local fake of Yonyou NC XChange for the tests and benchmarks.

    from trytond.modules.yuexing_nc_connector.tests.fakes import FakeNC

    with FakeNC() as nc:
        ... configure nc.url as the XChange URL ...
        nc.fail_next('科目 9999 不存在')    # business error once
        nc.timeout_after_commit(1)          # store, then never answer
"""
from .nc import FakeNC

__all__ = ['FakeNC']
