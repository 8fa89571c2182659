"""数据同步: customers and suppliers → NC 客商, materials → 物料, teams →
部门, staff → 人员. The NC code table (``yuexing.nc.code``) maps our
records to NC codes; a record is sent when new and again when the document
NC holds would change (digest), initial bulk with ``Sync.initial()``,
incremental from the modification hooks of the records (queued)."""
import datetime as dt
import hashlib

from trytond import backend
from trytond.model import Model
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import xchange

BILLTYPES = {
    'customer': 'customer', 'supplier': 'supplier', 'material': 'material',
    'department': 'dept', 'staff': 'psndoc',
    }


class Sync(Model):
    "NC Master Data Sync"
    __name__ = 'yuexing.nc.sync'

    @classmethod
    def nc_code_for(cls, kind, record):
        if kind in {'customer', 'supplier'}:
            return record.code or 'P%d' % record.id
        if kind == 'material':
            return record.code or 'M%d' % record.id
        if kind == 'department':
            return record.code
        if kind == 'staff':
            return record.party.code or 'E%d' % record.id
        return str(record.id)

    @classmethod
    def ensure(cls, kind, records):
        "The NC codes of the records (created, state pending, when new)."
        Code = Pool().get('yuexing.nc.code')
        existing = {}
        for sub in grouped_slice(records, backend.MAX_QUERY_PARAMS):
            for code in Code.search([
                        ('kind', '=', kind),
                        ('resource', 'in', [str(r) for r in sub])]):
                existing[code.resource.id] = code
        new = Code.create([{
                    'kind': kind, 'resource': str(r),
                    'nc_code': cls.nc_code_for(kind, r),
                    'name': r.rec_name[:100],
                    } for r in records if r.id not in existing])
        return list(existing.values()) + new

    @classmethod
    def values(cls, code):
        "The billhead values of a code's document."
        config = Pool().get('yuexing.configuration')(1)
        record = code.resource
        values = {'pk_group': config.nc_group, 'pk_org': config.nc_org,
            'code': code.nc_code, 'name': record.rec_name,
            'enablestate': '2'}
        if code.kind in {'customer', 'supplier'}:
            values.update({
                    'shortname': record.name[:20],
                    'pk_country': 'CN',
                    'tel1': getattr(record, 'phone', None) or '',
                    'corpaddress': (record.addresses[0].full_address
                        .replace('\n', ' ') if record.addresses else ''),
                    'taxpayerid': (record.tax_identifier.code
                        if getattr(record, 'tax_identifier', None)
                        else ''),
                    })
            if code.kind == 'customer':
                values.update(pk_custclass='01', custprop='0')
            else:
                values.update(pk_supplierclass='01', supprop='0')
        elif code.kind == 'material':
            values.update({
                    'name': record.name,
                    'materialspec': '',
                    'pk_measdoc': record.default_uom.symbol
                    or record.default_uom.name,
                    'pk_marbasclass': (record.categories[0].name
                        if record.categories else ''),
                    'pk_mattaxes': '13%' if record.type == 'goods' else '9%',
                    })
        elif code.kind == 'department':
            values['name'] = record.name
        elif code.kind == 'staff':
            values.update({
                    'name': record.party.name,
                    'mobile': getattr(record.party, 'mobile', None) or '',
                    })
        return values

    @classmethod
    def document(cls, code, envelope):
        return xchange.render_master(envelope, BILLTYPES[code.kind],
            'YXMD-%s-%d' % (code.kind, code.resource.id), cls.values(code))

    @classmethod
    def push(cls, codes, session=None):
        pool = Pool()
        Code = pool.get('yuexing.nc.code')
        config = pool.get('yuexing.configuration')(1)
        url = config.get_nc_url()
        if not url:
            return
        envelope = config.nc_envelope()
        now = dt.datetime.now()
        for code in codes:
            data = cls.document(code, envelope)
            digest = hashlib.sha1(data).hexdigest()
            if code.state == 'accepted' and code.digest == digest:
                continue
            values = {'attempts': (code.attempts or 0) + 1}
            try:
                result = xchange.post(url, data, timeout=config.nc_timeout,
                    session=session)
            except xchange.XChangeError as error:
                values.update(state='sent', error=str(error))
            else:
                if result.ok:
                    values.update(state='accepted', digest=digest,
                        error=None, synced_at=now)
                else:
                    values.update(state='rejected', error='[%s] %s' % (
                            result.code, result.description))
            Code.write([code], values)

    @classmethod
    def changed(cls, codes):
        "The codes whose NC document differs from the one NC accepted."
        config = Pool().get('yuexing.configuration')(1)
        envelope = config.nc_envelope()
        return [c for c in codes if c.state != 'accepted'
            or c.digest != hashlib.sha1(
                cls.document(c, envelope)).hexdigest()]

    @classmethod
    def initial(cls, progress=None):
        """Bulk: every customer, supplier, material, team and technician
        gets its NC code; then everything not in NC is pushed."""
        pool = Pool()
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        Employee = pool.get('company.employee')
        Team = pool.get('yuexing.team')
        codes = []
        codes += cls.ensure('customer', Party.search(
                [('customer_type', '!=', None)]))
        codes += cls.ensure('material', Product.search(
                [('type', '=', 'goods')]))
        codes += cls.ensure('department', Team.search([]))
        codes += cls.ensure('staff', Employee.search([]))
        todo = cls.changed(codes)
        for index, sub in enumerate(grouped_slice(todo, 100)):
            cls.push(list(sub))
            if progress:
                progress(min((index + 1) * 100, len(todo)), len(todo))
        return todo

    @classmethod
    def push_due(cls):
        "Cron: push codes not in NC or changed since."
        Code = Pool().get('yuexing.nc.code')
        codes = Code.search([('state', '!=', 'accepted')])
        cls.push(codes)

    @classmethod
    def record_changed(cls, kind, records):
        "Incremental: a new or changed record is queued for NC."
        Code = Pool().get('yuexing.nc.code')
        codes = cls.ensure(kind, records)
        changed = [c for c in codes if c.state == 'accepted']
        if changed:
            Code.write(changed, {'state': 'pending'})
        if codes and Transaction().context.get('nc_sync', True):
            Code.__queue__.sync(codes)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        super().on_modification(mode, parties, field_names=field_names)
        if mode in {'create', 'write'}:
            Sync = Pool().get('yuexing.nc.sync')
            customers = [p for p in parties if p.customer_type]
            if customers:
                Sync.record_changed('customer', customers)


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def on_modification(cls, mode, products, field_names=None):
        super().on_modification(mode, products, field_names=field_names)
        if mode == 'write':
            Pool().get('yuexing.nc.sync').record_changed(
                'material', [p for p in products if p.type == 'goods'])


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    @classmethod
    def on_modification(cls, mode, employees, field_names=None):
        super().on_modification(mode, employees, field_names=field_names)
        if mode == 'write':
            Pool().get('yuexing.nc.sync').record_changed(
                'staff', employees)
