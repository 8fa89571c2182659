"""Deterministic demo data. Every module adds its own steps by extending
``Demo.steps`` through the pool, so one command fills the whole suite."""
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError

DEMO_PASSWORD = 'yuexing2026'

# Three cities, their districts (adcodes) and real roads.
CITIES = {
    '310100': {
        'districts': ['310115', '310104', '310112', '310106', '310110',
            '310113', '310105', '310107'],
        'roads': ['张江路', '碧波路', '祖冲之路', '漕溪北路', '虹桥路',
            '南京西路', '延安西路', '四平路', '江场路', '共和新路', '长寿路',
            '中山北路', '龙华中路', '莲花路', '七莘路', '殷高路'],
        },
    '330100': {
        'districts': ['330106', '330105', '330102', '330108', '330110',
            '330109'],
        'roads': ['文三路', '文一西路', '教工路', '莫干山路', '江南大道',
            '滨盛路', '五常大道', '市心中路', '解放路', '延安路', '天目山路',
            '古墩路'],
        },
    '320500': {
        'districts': ['320508', '320506', '320505', '320507', '320509'],
        'roads': ['干将路', '人民路', '金鸡湖大道', '星湖街', '东环路',
            '长江路', '狮山路', '东吴北路', '太湖西路', '中山南路'],
        },
    }
COMMUNITIES = ['锦绣', '阳光', '翠湖', '金桥', '世纪', '华庭', '紫薇', '绿洲',
    '明珠', '春江', '御景', '香樟', '梧桐', '枫林', '东方', '滨江']
COMMUNITY_KINDS = ['花园', '苑', '家园', '新村', '公寓', '小区']
PARK_PREFIXES = ['张江', '漕河泾', '临港', '金桥', '紫竹', '市北',
    '未来科技城',
    '滨江', '云栖', '钱塘', '独墅湖', '金鸡湖', '相城', '吴中', '虹桥', '宝山']
PARK_KINDS = ['科技园', '产业园', '创意园', '物流园', '商务园区', '智造园']
PARK_SUFFIXES = [
    '物业管理有限公司', '园区运营管理有限公司', '开发建设有限公司']

# code, name, category, uom xml id, cost, price, type
CATALOGUE = [
    ('JC-SBS-3', "SBS改性沥青防水卷材 3mm PY Ⅰ型", 'membrane', 'uom_roll',
        '165', '230', 'goods'),
    ('JC-SBS-4', "SBS改性沥青防水卷材 4mm PY Ⅱ型", 'membrane', 'uom_roll',
        '210', '290', 'goods'),
    ('JC-APP-3', "APP改性沥青防水卷材 3mm", 'membrane', 'uom_roll',
        '175', '245', 'goods'),
    ('JC-ZN-15', "自粘聚合物改性沥青防水卷材 1.5mm", 'membrane', 'uom_roll',
        '260', '360', 'goods'),
    ('JC-TPO-15', "TPO高分子防水卷材 1.5mm", 'membrane',
        'product.uom_square_meter', '38', '58', 'goods'),
    ('JC-PVC-12', "PVC高分子防水卷材 1.2mm", 'membrane',
        'product.uom_square_meter', '32', '50', 'goods'),
    ('TL-PU-1', "单组分聚氨酯防水涂料 20kg", 'coating', 'uom_bucket',
        '290', '420', 'goods'),
    ('TL-PU-2', "双组分聚氨酯防水涂料 20kg", 'coating', 'uom_bucket',
        '260', '380', 'goods'),
    ('TL-JS-2', "JS聚合物水泥防水涂料 Ⅱ型 18kg", 'coating', 'uom_bucket',
        '180', '260', 'goods'),
    ('TL-BC-20', "丙烯酸外墙防水胶（透明）20kg", 'coating', 'uom_bucket',
        '320', '460', 'goods'),
    ('TL-KTY', "水泥基渗透结晶型防水涂料", 'coating',
        'product.uom_kilogram', '9', '15', 'goods'),
    ('TL-FGH', "非固化橡胶沥青防水涂料", 'coating',
        'product.uom_kilogram', '12', '19', 'goods'),
    ('DL-DLW-5', "堵漏王（速凝型）5kg", 'plugging', 'uom_bag',
        '28', '45', 'goods'),
    ('DL-YX', "油性聚氨酯注浆液", 'plugging', 'product.uom_kilogram',
        '35', '60', 'goods'),
    ('DL-SR', "水溶性聚氨酯堵漏剂", 'plugging', 'product.uom_kilogram',
        '32', '55', 'goods'),
    ('DL-ZT', "高压注浆针头", 'plugging', 'product.uom_unit',
        '0.8', '2', 'goods'),
    ('MF-GT', "硅酮耐候密封胶 300ml", 'sealant', 'uom_tube',
        '16', '28', 'goods'),
    ('MF-PU', "聚氨酯建筑密封胶 600ml", 'sealant', 'uom_tube',
        '18', '32', 'goods'),
    ('MF-ZST', "遇水膨胀止水条", 'sealant', 'product.uom_meter',
        '6', '12', 'goods'),
    ('FZ-WFB', "聚酯无纺布（胎体增强布）", 'auxiliary',
        'product.uom_square_meter', '2.5', '5', 'goods'),
    ('FZ-JCJ', "基层处理剂（冷底子油）", 'auxiliary', 'product.uom_kilogram',
        '8', '14', 'goods'),
    ('FZ-FSSJ', "聚合物防水砂浆 25kg", 'auxiliary', 'uom_bag',
        '30', '48', 'goods'),
    ('FW-KC', "上门勘察", 'service', 'product.uom_unit', '30', '100',
        'service'),
    ('FW-BSSY', "闭水试验（48小时）", 'service', 'product.uom_unit', '60',
        '200', 'service'),
    ('FW-QY', "施工垃圾清运", 'service', 'product.uom_unit', '80', '150',
        'service'),
    ('RG-FS', "防水工人工", 'labour', 'product.uom_hour', '45', '80',
        'service'),
    ('RG-GK', "高空作业人工（吊篮/绳索）", 'labour', 'product.uom_hour',
        '80', '150', 'service'),
    ]

# login, name, group xml ids, job title
DEMO_USERS = [
    ('kefu', "王丽", ['group_customer_service'], "客服专员"),
    ('diaodu', "张强", ['group_dispatcher'], "调度员"),
    ('shifu', "李建国", ['group_technician'], "防水师傅"),
    ('xiangmu', "赵敏", ['group_project_manager'], "项目经理"),
    ('cangguan', "孙伟", ['group_warehouse'], "仓库管理员"),
    ('caiwu', "周静", ['group_finance'], "财务"),
    ('guanli', "陈志远", ['group_management'], "总经理"),
    ('bduan', "刘经理", ['group_b2b_customer'], None),
    ('cduan', "黄女士", ['group_c2c_customer'], None),
    ('xitong', "吴涛", ['group_system_admin'], "系统管理员"),
    ]


@dataclass
class DemoOptions:
    seed: int = 20261124
    customers: int = 300
    enterprises: int = 40
    teams: int = 8
    team_size: int = 6
    orders: int = 2000
    password: str = DEMO_PASSWORD


@dataclass
class DemoContext:
    "What the steps share: options, random sources and what was created."
    options: DemoOptions
    progress: object = None
    records: dict = field(default_factory=dict)

    def __post_init__(self):
        from faker import Faker
        self.rng = random.Random(self.options.seed)
        self.faker = Faker('zh_CN')
        self.faker.seed_instance(self.options.seed)
        self.today = dt.date.today()

    def report(self, label, done, total):
        if self.progress:
            self.progress(label, done, total)


def _rebind(value):
    "Records (or lists/dicts of them) read in the current transaction."
    if isinstance(value, Model):
        # in the context it was read with (company-dependent prices, ...)
        with Transaction().set_context(value._context or {}):
            return value.__class__(value.id)
    if isinstance(value, (list, tuple)):
        return type(value)(_rebind(v) for v in value)
    if isinstance(value, dict):
        return {k: _rebind(v) for k, v in value.items()}
    return value


class Demo(Model):
    "Demo Data Generator"
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        """Ordered (method name, label) pairs; modules append theirs."""
        return [
            ('demo_setup', "公司与行政区划"),
            ('demo_catalogue', "产品目录"),
            ('demo_people', "员工与演示账号"),
            ('demo_customers', "客户"),
            ('demo_care', "客户关怀"),
            ]

    @classmethod
    def options_class(cls):
        return DemoOptions

    @classmethod
    def already_generated(cls):
        Party = Pool().get('party.party')
        return bool(Party.search([('customer_type', '!=', None)], limit=1))

    @classmethod
    def generate(cls, options=None, progress=None, commit=None):
        """Run every step; commit (callable) is called after each step so a
        long generation keeps its progress."""
        ctx = DemoContext(options or DemoOptions(), progress)
        with Transaction().set_context(
                _skip_warnings=True, _check_access=False):
            for method, label in cls.steps():
                ctx.report(label, 0, 1)
                cls._run_step(method, ctx, commit)
                ctx.report(label, 1, 1)
                if commit:
                    commit()
        return ctx

    @classmethod
    def _run_step(cls, method, ctx, commit):
        """Run a step; when it needs table or record locks, which Tryton 8
        grants only at the start of a transaction, run it again in a
        transaction started with them (the earlier steps are committed)."""
        transaction = Transaction()
        try:
            getattr(cls, method)(ctx)
            return
        except TransactionError as exception:
            if not commit:
                raise
            transaction.rollback()
            extras = {}
            exception.fix(extras)
        while True:
            with transaction.new_transaction(**extras) as new:
                try:
                    with new.set_context(transaction.context):
                        getattr(cls, method)(ctx)
                except TransactionError as exception:
                    new.rollback()
                    exception.fix(extras)
                    continue
                new.commit()
            break
        # records made in the closed transaction, read again in this one
        ctx.records = {k: _rebind(v) for k, v in ctx.records.items()}

    # ---- steps -------------------------------------------------------------

    @classmethod
    def demo_setup(cls, ctx):
        pool = Pool()
        Setup = pool.get('yuexing.setup')
        ctx.records['company'] = Setup.run()
        pool.get('yuexing.configuration').mark_demo_database()

    @classmethod
    def demo_catalogue(cls, ctx):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Template = pool.get('product.template')
        Category = pool.get('product.category')
        Product = pool.get('product.product')

        def ref(xml_id):
            module, _, name = xml_id.rpartition('.')
            return ModelData.get_id(module or 'yuexing_base', name)

        categories = {}
        for code in {c[2] for c in CATALOGUE}:
            categories[code] = Category(ref('product_category_' + code))
        existing = {p.code for p in Product.search([])}
        values = []
        for code, name, category, uom, cost, price, type_ in CATALOGUE:
            if code in existing:
                continue
            values.append({
                    'name': name,
                    'code': code,
                    'type': type_,
                    'default_uom': ref(uom),
                    'list_price': Decimal(price),
                    'categories': [('add', [categories[category].id])],
                    'products': [('create', [{
                                    'suffix_code': '',
                                    'cost_price': Decimal(cost),
                                    }])],
                    })
        company = ctx.records['company']
        # Prices are per company: the records keep the company context.
        with Transaction().set_context(company=company.id):
            Template.create(values)
            ctx.records['products'] = {
                p.code: p for p in Product.search([('code', '!=', None)])}

    @classmethod
    def _person(cls, ctx, name=None, phone=None, **values):
        return {
            'name': name or ctx.faker.name(),
            'customer_type': None,
            'contact_mechanisms': [('create', [{
                            'type': 'mobile',
                            'value': phone or ctx.faker.phone_number(),
                            }])],
            **values,
            }

    @classmethod
    def demo_people(cls, ctx):
        "Employees (office and 8×6 technicians) and one user per role."
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Lang = pool.get('ir.lang')
        company = ctx.records['company']
        options = ctx.options

        technician_count = options.teams * options.team_size
        people = [cls._person(ctx) for _ in range(technician_count)]
        office = [cls._person(ctx, name=name)
            for _, name, _, title in DEMO_USERS if title]
        parties = Party.create(people + office)
        employees = Employee.create([{
                    'party': p.id,
                    'company': company.id,
                    'start_date': ctx.today - dt.timedelta(
                        days=ctx.rng.randint(60, 3000)),
                    } for p in parties])
        ctx.records['technicians'] = employees[:technician_count]
        office_employees = dict(zip(  # noqa: B905 same length
                [login for login, _, _, title in DEMO_USERS if title],
                employees[technician_count:]))
        # The demo technician account is the first technician.
        office_employees['shifu'] = employees[0]
        ctx.records['employees'] = office_employees

        zh_cn, = Lang.search([('code', '=', 'zh_CN')], limit=1) or [None]
        users = []
        for login, name, groups, _ in DEMO_USERS:
            if User.search([('login', '=', login)]):
                continue
            group_ids = [ModelData.get_id('yuexing_base', g) for g in groups]
            employee = office_employees.get(login)
            users.append({
                    'login': login,
                    'name': name,
                    'password': options.password,
                    'groups': [('add', group_ids)],
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': (
                        [('add', [employee.id])] if employee else []),
                    'employee': employee.id if employee else None,
                    'language': zh_cn.id if zh_cn else None,
                    })
        ctx.records['users'] = {
            u.login: u for u in User.create(users)}

    @classmethod
    def _address(cls, ctx, city_code, street=None):
        pool = Pool()
        Subdivision = pool.get('country.subdivision')
        city = CITIES[city_code]
        district = Subdivision.from_adcode(ctx.rng.choice(city['districts']))
        road = ctx.rng.choice(city['roads'])
        if street is None:
            street = '%s%d号%s%s%d号楼%d室' % (
                road, ctx.rng.randint(1, 999), ctx.rng.choice(COMMUNITIES),
                ctx.rng.choice(COMMUNITY_KINDS), ctx.rng.randint(1, 30),
                ctx.rng.choice([101, 201, 302, 501, 602, 1101, 1502, 1801]))
        city_region = district.parent
        return {
            'country': district.country.id,
            'subdivision': city_region.parent.id,
            'city_region': city_region.id,
            'district': district.id,
            'city': city_region.name,
            'street_unstructured': street,
            'latitude': round(
                district.latitude + ctx.rng.uniform(-0.03, 0.03), 6),
            'longitude': round(
                district.longitude + ctx.rng.uniform(-0.03, 0.03), 6),
            'geo_source': 'manual',
            }

    @classmethod
    def demo_customers(cls, ctx):
        pool = Pool()
        Party = pool.get('party.party')
        Classification = pool.get('yuexing.customer.classification')
        Channel = pool.get('yuexing.channel')
        Category = pool.get('party.category')
        options = ctx.options
        rng = ctx.rng
        manager = ctx.records.get('users', {}).get('kefu')
        classes = {c.code: c.id for c in Classification.search([])}
        channels = {c.code: c.id for c in Channel.search([])}
        tags = [c.id for c in Category.search([])]
        city_codes = list(CITIES)

        values = []
        for index in range(options.enterprises):
            city_code = city_codes[index % len(city_codes)]
            name = '%s%s%s' % (
                rng.choice(PARK_PREFIXES), rng.choice(PARK_KINDS),
                rng.choice(PARK_SUFFIXES))
            if index >= len(PARK_PREFIXES):
                name = name.replace('有限公司', '第%d分公司' % index)
            road = rng.choice(CITIES[city_code]['roads'])
            contacts = [{
                    'name': ctx.faker.name(), 'role': role,
                    'position': position, 'phone': ctx.faker.phone_number(),
                    'primary': primary,
                    } for role, position, primary in [
                        ('property', "物业经理", True),
                        ('engineering', "工程主管", False),
                        ('finance', "财务", False)][:rng.randint(2, 3)]]
            values.append({
                    'name': name,
                    'customer_type': 'enterprise',
                    'classifications': [('add', [classes[rng.choice(
                                        ['industrial_park', 'property',
                                            'office', 'factory'])]])],
                    'channels': [('add', [channels[rng.choice(
                                        ['portal', 'phone', 'referral',
                                            'ground'])]])],
                    'contacts': [('create', contacts)],
                    'contact_mechanisms': [('create', [{
                                    'type': 'phone',
                                    'value': '0%s-%d' % (
                                        {'310100': '21', '330100': '571',
                                            '320500': '512'}[city_code],
                                        rng.randint(50000000, 69999999)),
                                    }])],
                    'addresses': [('create', [cls._address(
                                    ctx, city_code, '%s%d号' % (
                                        road, rng.randint(1, 2000)))])],
                    'cooperation_date': ctx.today - dt.timedelta(
                        days=rng.randint(200, 2000)),
                    'revisit_interval': 90,
                    'last_visit_date': ctx.today - dt.timedelta(
                        days=rng.randint(0, 120)),
                    'account_manager': manager.id if manager else None,
                    'score_adjustment': rng.choice([0, 0, 5, 10]),
                    })
        for _ in range(options.customers - options.enterprises):
            city_code = rng.choice(city_codes)
            values.append({
                    'name': ctx.faker.name(),
                    'customer_type': 'individual',
                    'classifications': [('add', [classes[rng.choice(
                                        ['resident', 'resident', 'vip'])]])],
                    'channels': [('add', [channels[rng.choice(
                                        ['mini_program', 'mini_program',
                                            'phone', 'referral'])]])],
                    'categories': [('add', rng.sample(
                                tags, k=rng.randint(0, min(2, len(tags)))))],
                    'contact_mechanisms': [('create', [{
                                    'type': 'mobile',
                                    'value': ctx.faker.phone_number(),
                                    }])],
                    'addresses': [('create', [cls._address(ctx, city_code)])],
                    'birthday': (ctx.today - dt.timedelta(
                            days=rng.randint(25 * 365, 70 * 365))
                        if rng.random() < 0.6 else None),
                    'revisit_interval': rng.choice([None, 180, 365]),
                    'account_manager': manager.id if manager else None,
                    })
        parties = []
        for start in range(0, len(values), 100):
            parties.extend(Party.create(values[start:start + 100]))
            ctx.report("客户", len(parties), len(values))
        Party.compute_score(parties)
        ctx.records['customers'] = parties
        enterprises = [p for p in parties if p.customer_type == 'enterprise']
        individuals = [p for p in parties if p.customer_type == 'individual']
        ctx.records['enterprises'] = enterprises
        ctx.records['individuals'] = individuals
        # Bind the customer demo accounts to a customer each.
        User = pool.get('res.user')
        users = ctx.records.get('users', {})
        for login, customers in [
                ('bduan', enterprises), ('cduan', individuals)]:
            if login in users and customers:
                User.write([users[login]], {'customer': customers[0].id})

    @classmethod
    def demo_care(cls, ctx):
        Care = Pool().get('yuexing.customer.care')
        ctx.records['cares'] = Care.generate_reminders()
