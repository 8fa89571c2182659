"""工单推送: a new assignment or a new grab-pool order reaches the technician
through the message centre — in the app and, when a WeChat subscribe
template is active for the event, as a subscribe message to the openid the
师傅端 bound (POST /technician/wechat/bind)."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

EVENTS = [
    ('order_pool_published', "New Order in the Grab Pool"),
    ]


class Template(metaclass=PoolMeta):
    __name__ = 'yuexing.message.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        known = {code for code, _ in cls.event.selection}
        cls.event.selection.extend(
            e for e in EVENTS if e[0] not in known)


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    @classmethod
    def publish(cls, orders):
        super().publish(orders)
        cls.notify_pool(orders)

    @classmethod
    def notify_pool(cls, orders):
        """Tell the technicians eligible for each published order (skills,
        certificates, service region, load) that it is in the pool."""
        Dispatch = Pool().get('yuexing.work_order.dispatch')
        with without_check_access():
            for order in orders:
                eligible = [c['technician']
                    for c in Dispatch.candidates(order) if c['eligible']]
                if eligible:
                    cls.notify('order_pool_published', [order],
                        users=cls.users_of(eligible))
