"""批量报修: work orders imported from an xlsx template, every row validated
first (a report names the row and the field), then all-or-nothing or
valid-rows-only as the user chooses. Large files run on the task queue."""
import datetime as dt
import io

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.yuexing_base import phone as phone_tools
from trytond.modules.yuexing_base.region import parse_addresses
from trytond.modules.yuexing_base.xlsx import workbook
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import (
    Button,
    StateAction,
    StateTransition,
    StateView,
    Wizard,
)

from .exceptions import ImportRowError
from .work_order import LEAK_SITES, PRIORITIES, SEVERITIES

MODES = [
    ('all', "All or Nothing"),
    ('valid', "Valid Rows Only"),
    ]
JOB_STATES = [
    ('draft', "Draft"),
    ('queued', "Queued"),
    ('done', "Done"),
    ('failed', "Failed"),
    ]
# Column keys in template order; headers come from messages (Chinese).
COLUMNS = ['customer', 'contact_name', 'contact_phone', 'address',
    'leak_site', 'description', 'quantity', 'severity', 'priority',
    'preferred_date']
# Above this many rows the import runs on the task queue.
QUEUE_THRESHOLD = 500


def _headers():
    return [gettext('yuexing_workorder.msg_import_column_' + c)
        for c in COLUMNS]


def _labels(selection, model, field):
    "Accepted cell values (code or translated label) → code."
    labels = dict(model.fields_get([field])[field]['selection'])
    mapping = {code: code for code, _ in selection}
    mapping.update({label: code for code, label in labels.items() if label})
    return mapping


def template_file():
    "The xlsx template: headers and one example row."
    example = ['KH000001', '刘经理', '13911112222',
        '上海市浦东新区碧波路690号3号楼屋面', '屋面', '会议室天花板雨后渗水',
        20, '中等', '高', dt.date.today() + dt.timedelta(days=2)]
    return workbook([(gettext('yuexing_workorder.msg_import_sheet'),
                _headers(), [example])])


def read_rows(data):
    "Rows of the first sheet as dicts keyed by column (header row skipped)."
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True,
            data_only=True)
    except Exception as exception:
        raise ImportRowError(gettext(
                'yuexing_workorder.msg_import_not_xlsx')) from exception
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if values is None or all(v in (None, '') for v in values):
            continue
        values = list(values) + [None] * len(COLUMNS)
        rows.append(dict(zip(COLUMNS, values[:len(COLUMNS)],
                    strict=True)))
    return rows


def _text(value):
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _ErrorList:
    "Collects the Chinese errors of one row, each naming its column."

    def __init__(self, errors, number, headers):
        self.errors, self.number, self.headers = errors, number, headers

    def __call__(self, column, message, **kwargs):
        self.errors.append(gettext(
                'yuexing_workorder.msg_import_row_error',
                row=self.number, column=self.headers[column],
                message=gettext('yuexing_workorder.' + message, **kwargs)))


class Importer:
    "Validates rows in bulk (a few queries for any number of rows)."

    def __init__(self, company, default_customer=None):
        pool = Pool()
        self.WorkOrder = pool.get('yuexing.work_order')
        self.company = company
        self.default_customer = default_customer
        self.leak_sites = _labels(LEAK_SITES, self.WorkOrder, 'leak_site')
        self.severities = _labels(SEVERITIES, self.WorkOrder, 'severity')
        self.priorities = _labels(PRIORITIES, self.WorkOrder, 'priority')

    def customers(self, rows):
        "Customers by code, exact name or phone, in three queries."
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')
        keys = {_text(r['customer']) for r in rows if _text(r['customer'])}
        found = {}
        for party in Party.search([
                    ('customer_type', '!=', None),
                    ['OR', ('code', 'in', list(keys)),
                        ('name', 'in', list(keys))]]):
            found.setdefault(party.code, party)
            found.setdefault(party.name, party)
        phones = {phone_tools.normalize(k): k for k in keys
            if k not in found and phone_tools.normalize(k)}
        if phones:
            for mechanism in ContactMechanism.search([
                        ('value_compact', 'in', list(phones)),
                        ('party.customer_type', '!=', None)]):
                found.setdefault(phones[mechanism.value_compact],
                    mechanism.party)
        return found

    def validate(self, rows):
        """Return [(row number, values or None, [errors])]: values ready for
        create, or the errors (each naming the column)."""
        Subdivision = Pool().get('country.subdivision')
        customers = self.customers(rows)
        texts = [_text(r['address']) for r in rows]
        parsed = dict(zip(texts, parse_addresses(texts), strict=True))
        regions = Subdivision.regions_of(
            p['adcode'] for p in parsed.values() if p)
        for text, value in list(parsed.items()):
            if value and value['adcode'] not in regions:
                parsed[text] = None
        today = dt.date.today()
        headers = dict(zip(COLUMNS, _headers(), strict=True))
        results = []
        for number, row in enumerate(rows, 2):
            errors = []
            error = _ErrorList(errors, number, headers)
            key = _text(row['customer'])
            customer = customers.get(key) if key else self.default_customer
            if not customer:
                error('customer', 'msg_import_unknown_customer', value=key)
            phone = _text(row['contact_phone'])
            if phone:
                try:
                    phone_tools.parse(phone)
                except phone_tools.PhoneError as reason:
                    error('contact_phone', 'msg_import_bad_phone',
                        value=phone, reason=str(reason))
            address_text = _text(row['address'])
            address = parsed.get(address_text)
            if not address_text:
                error('address', 'msg_import_required')
            elif not address and not (customer and any(
                        a.district for a in customer.addresses)):
                error('address', 'msg_import_bad_address',
                    value=address_text)
            leak_site = self.leak_sites.get(_text(row['leak_site']))
            if not leak_site:
                error('leak_site', 'msg_import_bad_choice',
                    value=_text(row['leak_site']),
                    choices='、'.join(sorted(
                            k for k in self.leak_sites
                            if k not in dict(LEAK_SITES))))
            description = _text(row['description'])
            if not description:
                error('description', 'msg_import_required')
            quantity = row['quantity']
            if quantity not in (None, ''):
                try:
                    quantity = float(quantity)
                    if quantity <= 0:
                        raise ValueError
                except (TypeError, ValueError):
                    error('quantity', 'msg_import_bad_number',
                        value=_text(row['quantity']))
                    quantity = None
            else:
                quantity = None
            severity = self.severities.get(
                _text(row['severity']) or 'moderate')
            if not severity:
                error('severity', 'msg_import_bad_choice',
                    value=_text(row['severity']),
                    choices='、'.join(k for k in self.severities
                        if k not in dict(SEVERITIES)))
            priority = self.priorities.get(
                _text(row['priority']) or 'normal')
            if not priority:
                error('priority', 'msg_import_bad_choice',
                    value=_text(row['priority']),
                    choices='、'.join(k for k in self.priorities
                        if k not in dict(PRIORITIES)))
            preferred = row['preferred_date']
            if isinstance(preferred, dt.datetime):
                preferred = preferred.date()
            elif preferred not in (None, ''):
                try:
                    preferred = dt.date.fromisoformat(_text(preferred))
                except ValueError:
                    error('preferred_date', 'msg_import_bad_date',
                        value=_text(preferred))
                    preferred = None
            else:
                preferred = None
            if preferred and preferred < today:
                error('preferred_date', 'msg_import_past_date',
                    value=preferred.isoformat())
            if errors:
                results.append((number, None, errors))
                continue
            values = {
                'company': self.company.id,
                'customer': customer.id,
                'type': ('b_repair' if customer.customer_type == 'enterprise'
                    else 'c_repair'),
                'contact_name': _text(row['contact_name']) or customer.name,
                'contact_phone': phone or customer.phone_display,
                'leak_site': leak_site,
                'description': description,
                'quantity': quantity,
                'severity': severity,
                'priority': priority,
                '_address': (address_text, address),
                }
            if preferred:
                # 09:00 local (Asia/Shanghai) on the preferred day.
                values['preferred_start'] = dt.datetime.combine(
                    preferred, dt.time(1, 0))
                values['preferred_end'] = dt.datetime.combine(
                    preferred, dt.time(10, 0))
            results.append((number, values, []))
        return results

    def create(self, valid):
        """Create the addresses and the orders of validated rows, submit
        them; in bulk."""
        pool = Pool()
        Address = pool.get('party.address')
        Party = pool.get('party.party')
        WorkOrder = self.WorkOrder
        Subdivision = pool.get('country.subdivision')
        regions = Subdivision.regions_of(
            v['_address'][1]['adcode'] for v in valid if v['_address'][1])
        address_values, keys = [], []
        for values in valid:
            text, parsed = values.pop('_address')
            customer = Party(values['customer'])
            if parsed:
                address_values.append({
                        'party': customer.id,
                        **Address.values_from_parsed(
                            parsed, text, regions=regions)})
            else:
                # A place inside the customer's site ("3号楼屋面").
                base = next(a for a in customer.addresses if a.district)
                address_values.append({
                        'party': customer.id,
                        'country': base.country.id,
                        'subdivision': base.subdivision.id,
                        'city_region': base.city_region.id,
                        'district': base.district.id,
                        'city': base.city,
                        'street_unstructured': text,
                        'latitude': base.latitude,
                        'longitude': base.longitude,
                        'geo_source': base.geo_source,
                        })
            keys.append(values)
        addresses = []
        for start in range(0, len(address_values), 1000):
            addresses.extend(
                Address.create(address_values[start:start + 1000]))
        for values, address in zip(keys, addresses, strict=True):
            values['address'] = address.id
            values['district'] = (
                address.district.id if address.district else None)
        orders = []
        for start in range(0, len(keys), 1000):
            chunk = WorkOrder.create(keys[start:start + 1000])
            WorkOrder.submit(chunk)
            orders.extend(chunk)
        return orders


class ImportJob(Workflow, ModelSQL, ModelView):
    "Work Order Import"
    __name__ = 'yuexing.work_order.import.job'
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    filename = fields.Char("File Name", readonly=True)
    data = fields.Binary("File", filename='filename', readonly=True,
        file_id='file_id')
    file_id = fields.Char("File ID", readonly=True)
    mode = fields.Selection(MODES, "Mode", required=True, readonly=True)
    default_customer = fields.Many2One(
        'party.party', "Default Customer", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    rows = fields.Integer("Rows", readonly=True)
    created = fields.Integer("Created", readonly=True)
    failed = fields.Integer("Rows with Errors", readonly=True)
    errors = fields.Text("Errors", readonly=True)
    orders = fields.Many2Many(
        'yuexing.work_order.import.job-yuexing.work_order', 'job',
        'work_order', "Work Orders", readonly=True)
    state = fields.Selection(JOB_STATES, "State", readonly=True,
        required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'draft'

    def check(self):
        "Validate the file: (validated rows, error lines)."
        importer = Importer(self.company, self.default_customer)
        results = importer.validate(read_rows(bytes(self.data)))
        errors = [e for _, _, row_errors in results for e in row_errors]
        return results, errors

    @classmethod
    def process(cls, jobs):
        "Import the jobs' files (from the wizard or the task queue)."
        for job in jobs:
            if job.state not in {'draft', 'queued'}:
                continue
            with Transaction().set_context(company=job.company.id):
                results, errors = job.check()
                valid = [v for _, v, _ in results if v]
                orders = []
                if valid and (job.mode == 'valid' or not errors):
                    orders = Importer(
                        job.company, job.default_customer).create(valid)
            cls.write([job], {
                    'rows': len(results),
                    'created': len(orders),
                    'failed': len([r for r in results if r[2]]),
                    'errors': '\n'.join(errors) or None,
                    'orders': [('add', [o.id for o in orders])],
                    'state': 'done',
                    })
            if Transaction().context.get('queue_name'):
                cls._notify_done(job)

    @classmethod
    def _notify_done(cls, job):
        Notification = Pool().get('res.notification')
        Notification.create([{
                    'user': job.create_uid.id,
                    'label': gettext('yuexing_workorder.msg_import_done',
                        created=job.created, failed=job.failed),
                    'model': cls.__name__,
                    'records': '[%d]' % job.id,
                    }])

    @classmethod
    def run(cls, jobs):
        "Process small jobs now, queue the large ones."
        small, large = [], []
        for job in jobs:
            (large if (job.rows or 0) > QUEUE_THRESHOLD else small).append(
                job)
        if large:
            cls.write(large, {'state': 'queued'})
            with Transaction().set_context(queue_name='yuexing_import'):
                cls.__queue__.process(large)
        if small:
            cls.process(small)


class ImportJobOrder(ModelSQL):
    "Work Order Import - Work Order"
    __name__ = 'yuexing.work_order.import.job-yuexing.work_order'
    job = fields.Many2One(
        'yuexing.work_order.import.job', "Import", required=True,
        ondelete='CASCADE')
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", required=True,
        ondelete='CASCADE')


class ImportStart(ModelView):
    "Import Work Orders"
    __name__ = 'yuexing.work_order.import.start'
    template = fields.Binary(
        "Template", filename='template_name', readonly=True)
    template_name = fields.Char("Template Name", readonly=True)
    file = fields.Binary("File", filename='filename', required=True)
    filename = fields.Char("File Name")
    mode = fields.Selection(MODES, "Mode", required=True)
    default_customer = fields.Many2One(
        'party.party', "Default Customer",
        domain=[('customer_type', '!=', None)],
        help="For rows that leave the customer empty (a park reporting "
        "its own buildings).")


class ImportResult(ModelView):
    "Import Work Orders"
    __name__ = 'yuexing.work_order.import.result'
    job = fields.Many2One(
        'yuexing.work_order.import.job', "Import", readonly=True)
    rows = fields.Integer("Rows", readonly=True)
    valid = fields.Integer("Valid Rows", readonly=True)
    failed = fields.Integer("Rows with Errors", readonly=True)
    errors = fields.Text("Errors", readonly=True)
    mode = fields.Selection(MODES, "Mode", readonly=True)
    can_import = fields.Boolean("Can Import", readonly=True)


class ImportOrders(Wizard):
    "Import Work Orders"
    __name__ = 'yuexing.work_order.import'
    start = StateView('yuexing.work_order.import.start',
        'yuexing_workorder.import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Check", 'check', 'tryton-forward', default=True),
            ])
    check = StateTransition()
    result = StateView('yuexing.work_order.import.result',
        'yuexing_workorder.import_result_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True,
                states={'readonly': ~Eval('can_import', False)}),
            ])
    import_ = StateAction('yuexing_workorder.act_import_job_form')

    def default_start(self, fields):
        return {
            'template': template_file(),
            'template_name': gettext(
                'yuexing_workorder.msg_import_template_name') + '.xlsx',
            'mode': 'all',
            }

    def transition_check(self):
        Job = Pool().get('yuexing.work_order.import.job')
        job, = Job.create([{
                    'company': Transaction().context['company'],
                    'filename': self.start.filename,
                    'data': self.start.file,
                    'mode': self.start.mode,
                    'default_customer': (self.start.default_customer.id
                        if self.start.default_customer else None),
                    }])
        results, errors = job.check()
        valid = len([r for r in results if r[1]])
        Job.write([job], {'rows': len(results)})
        self.result.job = job
        self.result.rows = len(results)
        self.result.valid = valid
        self.result.failed = len(results) - valid
        # The first 500 errors are enough to fix a file.
        self.result.errors = '\n'.join(errors[:500]) or None
        self.result.mode = job.mode
        self.result.can_import = bool(valid) and (
            job.mode == 'valid' or not errors)
        return 'result'

    def default_result(self, fields):
        values = {f: getattr(self.result, f, None) for f in fields}
        if self.result.job:
            values['job'] = self.result.job.id
        return values

    def do_import_(self, action):
        Job = Pool().get('yuexing.work_order.import.job')
        job = self.result.job
        Job.run([job])
        action['res_id'] = [job.id]
        action['views'].reverse()  # open the form
        return action, {}
