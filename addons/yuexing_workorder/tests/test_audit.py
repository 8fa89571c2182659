"""The audit trail of work orders and quotes (old → new) and the masked
contact phones of work orders per role."""
import json

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.tools import (
    FunctionalTestCase,
    acting_as,
    create_user,
)
from trytond.modules.yuexing_workorder.tests.tools import (
    company_and_customer,
    create_order,
    create_product,
    create_technician,
    quote_and_confirm,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction


def entries(record, action=None):
    Log = Pool().get('yuexing.audit.log')
    domain = [('model', '=', record.__name__), ('record_id', '=', record.id)]
    if action:
        domain.append(('action', '=', action))
    return Log.search(domain, order=[('id', 'ASC')])


class WorkOrderAuditTestCase(FunctionalTestCase):
    "Work orders and quotes leave an audit trail"
    module = 'yuexing_workorder'

    @with_transaction()
    def test_order_life_logged_with_state_changes(self):
        WorkOrder = Pool().get('yuexing.work_order')
        company, resident, _ = company_and_customer()
        with set_company(company):
            membrane = create_product(
                'SBS改性沥青防水卷材', '230', '165', 'yuexing_base.uom_roll')
            technician = create_technician(company, '王师傅',
                [('membrane', 'senior')])
            order = create_order(resident, leak_site='roof')
            quote = quote_and_confirm(order, [(membrane, 2)])
            WorkOrder.assign([order], technician)
        created, = entries(order, 'create')
        self.assertEqual(json.loads(created.changes)['customer'], resident.id)
        states = [tuple(json.loads(e.changes)['state'])
            for e in entries(order, 'write')
            if 'state' in json.loads(e.changes)]
        self.assertEqual(states, [('draft', 'submitted'),
                ('submitted', 'quoted'), ('quoted', 'confirmed'),
                ('confirmed', 'dispatched')])
        assigned = [e for e in entries(order, 'write')
            if 'technician' in json.loads(e.changes)][-1]
        self.assertEqual(json.loads(assigned.changes)['technician'],
            [None, technician.id])
        self.assertIn('状态', assigned.changes_text)
        quote_states = [tuple(json.loads(e.changes)['state'])
            for e in entries(quote, 'write')
            if 'state' in json.loads(e.changes)]
        self.assertIn(('sent', 'confirmed'), quote_states)

    @with_transaction()
    def test_contact_phone_masked_for_finance_not_dispatch(self):
        WorkOrder = Pool().get('yuexing.work_order')
        company, resident, _ = company_and_customer()
        with set_company(company):
            order = create_order(resident, contact_phone='13955556666')
        finance = create_user('wo_finance', ['group_finance'],
            company=company)
        dispatcher = create_user('wo_dispatcher', ['group_dispatcher'],
            company=company)
        with acting_as(finance):
            row, = WorkOrder.read([order.id], ['contact_phone'])
            self.assertEqual(row['contact_phone'], '139****6666')
            rows = WorkOrder.export_data([WorkOrder(order.id)],
                ['number', 'contact_phone'])
            self.assertEqual(rows[0][1], '139****6666')
        with acting_as(dispatcher):
            row, = WorkOrder.read([order.id], ['contact_phone'])
            self.assertEqual(row['contact_phone'], '139 5555 6666')
