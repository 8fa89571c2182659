"""Fixtures of the warranty tests."""
from trytond.modules.yuexing_workorder.tests.tools import create_order
from trytond.pool import Pool


def finished_order(customer, technician=None, **values):
    """A work order brought to done (the visit and construction steps are
    the work-order module's business, tested there): its warranty and
    survey are made by mark_done."""
    WorkOrder = Pool().get('yuexing.work_order')
    values.setdefault('leak_site', 'roof')
    order = create_order(customer, **values)
    WorkOrder.submit([order])
    WorkOrder.write([order], {
            'state': 'to_accept',
            'technician': technician.id if technician else None})
    WorkOrder.mark_done([WorkOrder(order.id)])
    return WorkOrder(order.id)


def finish(order):
    "Bring an open order (an after-sales repair) to done."
    WorkOrder = Pool().get('yuexing.work_order')
    WorkOrder.write([order], {'state': 'to_accept'})
    WorkOrder.mark_done([WorkOrder(order.id)])
    return WorkOrder(order.id)
