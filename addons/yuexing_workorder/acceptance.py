"""验收: the supervisor's quality inspection (a failed one opens a linked
rework order), the customer's signed acceptance and the PDF report."""
import base64
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import ConstructionError

RESULTS = [
    ('pass', "Pass"),
    ('fail', "Fail"),
    ]
# Points a supervisor checks on every waterproofing job (GB 50207/50208):
# messages msg_check_1 .. msg_check_5.
DEFAULT_CHECK_COUNT = 5


class Inspection(ModelSQL, ModelView):
    "Quality Inspection"
    __name__ = 'yuexing.work_order.inspection'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE', readonly=True)
    inspector = fields.Many2One('res.user', "Inspector", readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    result = fields.Selection(RESULTS, "Result", required=True, readonly=True)
    checks = fields.One2Many(
        'yuexing.work_order.inspection.check', 'inspection', "Checks",
        readonly=True)
    comment = fields.Text("Comment", readonly=True)
    rework_order = fields.Many2One(
        'yuexing.work_order', "Rework Order", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('work_order')
        cls._order = [('date', 'DESC'), ('id', 'DESC')]


class InspectionCheck(ModelSQL, ModelView):
    "Quality Inspection Check"
    __name__ = 'yuexing.work_order.inspection.check'
    inspection = fields.Many2One(
        'yuexing.work_order.inspection', "Inspection", required=True,
        ondelete='CASCADE')
    name = fields.Char("Check", required=True)
    result = fields.Selection(RESULTS, "Result", required=True)
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('inspection')


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    inspections = fields.One2Many(
        'yuexing.work_order.inspection', 'work_order', "Inspections",
        readonly=True)
    qc_passed = fields.Function(
        fields.Boolean("Inspection Passed"), 'get_qc_passed')
    customer_signature = fields.Binary(
        "Customer Signature", readonly=True, file_id='signature_id')
    signature_id = fields.Char("Signature ID", readonly=True)
    signed_by = fields.Char("Signed By", readonly=True)
    signed_at = fields.DateTime("Signed At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'inspect': {
                    'invisible': Eval('state') != 'to_accept',
                    'depends': ['state'],
                    },
                'customer_sign': {
                    'invisible': ((Eval('state') != 'to_accept')
                        | Eval('signed_at')),
                    'depends': ['state', 'signed_at'],
                    },
                })

    def get_qc_passed(self, name):
        # The latest inspection decides.
        if self.inspections:
            return self.inspections[0].result == 'pass'
        return False

    def check_dispatchable(self):
        # A rework is part of the original job: no new quote.
        if self.rework_of:
            return
        super().check_dispatchable()

    @classmethod
    @ModelView.button_action('yuexing_workorder.wizard_inspect')
    def inspect(cls, orders):
        pass

    @classmethod
    def record_inspection(cls, order, result, checks, comment=None):
        """Record a QC inspection; a failure opens a rework order for the same
        technician. Returns the inspection."""
        pool = Pool()
        Inspection = pool.get('yuexing.work_order.inspection')
        if order.state != 'to_accept':
            raise ConstructionError(gettext(
                    'yuexing_workorder.msg_inspect_state',
                    order=order.rec_name))
        failed = [c for c in checks if c['result'] == 'fail']
        if result == 'pass' and failed:
            raise ConstructionError(gettext(
                    'yuexing_workorder.msg_inspect_pass_with_failures',
                    checks='、'.join(c['name'] for c in failed)))
        if result == 'fail' and not (comment or failed):
            raise ConstructionError(gettext(
                    'yuexing_workorder.msg_inspect_fail_reason'))
        inspection, = Inspection.create([{
                    'work_order': order.id,
                    'inspector': Transaction().user or None,
                    'date': dt.datetime.now(),
                    'result': result,
                    'comment': comment,
                    'checks': [('create', checks)],
                    }])
        if result == 'fail':
            rework = cls.create_rework(order, inspection)
            Inspection.write([inspection], {'rework_order': rework.id})
        else:
            cls.try_finish([order])
        return inspection

    @classmethod
    def create_rework(cls, order, inspection):
        "A rework order linked to the original, offered to its technician."
        problems = '；'.join(
            c.name for c in inspection.checks if c.result == 'fail')
        description = gettext(
            'yuexing_workorder.msg_rework_description',
            order=order.rec_name,
            problems=problems or inspection.comment or '')
        with without_check_access():
            rework, = cls.create([{
                        'company': order.company.id,
                        'type': order.type,
                        'channel': order.channel.id if order.channel else None,
                        'customer': order.customer.id,
                        'contact_name': order.contact_name,
                        'contact_phone': order.contact_phone,
                        'address': order.address.id,
                        'leak_site': order.leak_site,
                        'severity': order.severity,
                        'material_grade': order.material_grade,
                        'quantity': order.quantity,
                        'priority': 'high',
                        'description': description,
                        'required_skills': [
                            ('add', [s.id for s in order.required_skills])],
                        'rework_of': order.id,
                        'origin': str(inspection),
                        }])
            cls.submit([rework])
            with cls._set_state_reason(description):
                cls.write([rework], {'state': 'confirmed'})
            if order.technician:
                cls.assign([rework], order.technician, note=description,
                    check=False)
        return rework

    @classmethod
    def _get_origin_models(cls):
        return super()._get_origin_models() + [
            'yuexing.work_order.inspection']

    @classmethod
    @ModelView.button_action('yuexing_workorder.wizard_customer_sign')
    def customer_sign(cls, orders):
        pass

    @classmethod
    def sign(cls, order, signature, signer):
        "The customer accepts the work with a handwritten signature image."
        if order.state != 'to_accept':
            raise ConstructionError(gettext(
                    'yuexing_workorder.msg_sign_state', order=order.rec_name))
        if not signature or not signer:
            raise ConstructionError(gettext(
                    'yuexing_workorder.msg_sign_required'))
        cls.write([order], {
                'customer_signature': signature,
                'signed_by': signer,
                'signed_at': dt.datetime.now(),
                })
        cls.try_finish([order])

    @classmethod
    def try_finish(cls, orders):
        "Done once QC passed and the customer signed (in either order)."
        finished = [o for o in orders
            if o.state == 'to_accept' and o.qc_passed and o.signed_at]
        if finished:
            cls.mark_done(finished)

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['inspections', 'customer_signature', 'signed_by',
                'signed_at']:
            default.setdefault(name, None)
        return super().copy(orders, default=default)


class InspectStart(ModelView):
    "Quality Inspection"
    __name__ = 'yuexing.work_order.inspect.start'
    result = fields.Selection(RESULTS, "Result", required=True)
    checks = fields.One2Many(
        'yuexing.work_order.inspect.check', None, "Checks")
    comment = fields.Text("Comment",
        states={'required': Eval('result') == 'fail'})


class InspectCheck(ModelView):
    "Quality Inspection Check"
    __name__ = 'yuexing.work_order.inspect.check'
    name = fields.Char("Check", required=True)
    result = fields.Selection(RESULTS, "Result", required=True)
    note = fields.Char("Note")


class Inspect(Wizard):
    "Quality Inspection"
    __name__ = 'yuexing.work_order.inspect'
    start = StateView('yuexing.work_order.inspect.start',
        'yuexing_workorder.inspect_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Record", 'record_', 'tryton-ok', default=True),
            ])
    record_ = StateTransition()

    def default_start(self, fields):
        names = [gettext('yuexing_workorder.msg_check_%d' % i)
            for i in range(1, DEFAULT_CHECK_COUNT + 1)]
        for step in self.record.steps:
            for check in step.checks:
                if check.mandatory and check.name not in names:
                    names.append(check.name)
        return {
            'result': 'pass',
            'checks': [{'name': n, 'result': 'pass'} for n in names],
            }

    def transition_record_(self):
        self.model.record_inspection(self.record, self.start.result, [{
                    'name': c.name, 'result': c.result, 'note': c.note,
                    } for c in self.start.checks], self.start.comment)
        return 'end'


class SignStart(ModelView):
    "Customer Acceptance"
    __name__ = 'yuexing.work_order.sign.start'
    signed_by = fields.Char("Signed By", required=True)
    signature = fields.Binary("Signature", required=True)


class Sign(Wizard):
    "Customer Acceptance"
    __name__ = 'yuexing.work_order.sign'
    start = StateView('yuexing.work_order.sign.start',
        'yuexing_workorder.sign_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Accept the Work", 'sign', 'tryton-ok', default=True),
            ])
    sign = StateTransition()

    def default_start(self, fields):
        return {'signed_by': self.record.contact_name
            or self.record.customer.name}

    def transition_sign(self):
        self.model.sign(
            self.record, self.start.signature, self.start.signed_by)
        return 'end'


class AcceptanceReport(Report):
    "Acceptance Report"
    __name__ = 'yuexing.work_order.acceptance_report'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['signature_uri'] = cls.signature_uri
        context['local'] = cls.local_time
        return context

    @staticmethod
    def signature_uri(order):
        if not order.customer_signature:
            return None
        return 'data:image/png;base64,' + base64.b64encode(
            bytes(order.customer_signature)).decode()

    @staticmethod
    def local_time(value):
        if not value:
            return ''
        Visit = Pool().get('yuexing.work_order.visit')
        return Visit.format_local(value)
