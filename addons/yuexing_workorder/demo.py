"""Demo work orders: a few dozen taken through the real flow to every stage
(what the screens show), and a year of history inserted in bulk for the
statistics — or a million rows for the benchmarks (--orders)."""
import datetime as dt
from decimal import Decimal

from trytond import backend
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .work_order import LEAK_SITES

# A 1x1 PNG: the demo's photos and signatures.
PNG = (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01'
    b'\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f'
    b'\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82')

# Orders walked through the business methods, by the stage they stop at.
LIVE_STAGES = [
    ('submitted', 4), ('surveying', 3), ('quoted', 3), ('confirmed', 3),
    ('pool', 3), ('dispatched', 3), ('accepted', 3), ('on_site', 4),
    ('to_accept', 2), ('done', 5), ('closed', 3), ('on_hold', 2),
    ('cancelled', 2),
    ]
# the stages of the orders of the demo resident (cduan) and park (bduan)
DEMO_RESIDENT_STAGES = ['quoted', 'confirmed', 'dispatched', 'done']
DEMO_PARK_STAGES = ['submitted', 'on_site', 'closed']
SYMPTOMS = {
    'roof': ["顶楼卧室天花板雨后渗水，墙角发霉",
        "屋面女儿墙根部开裂，下雨漏水", "厂房彩钢瓦屋面螺钉处滴水"],
    'facade': ["外墙窗边渗水，内墙墙皮脱落", "外墙瓷砖缝隙渗水导致墙面返潮"],
    'bathroom': ["卫生间地漏周边渗水到楼下",
        "淋浴区墙面渗水，隔壁卧室墙脚潮湿"],
    'kitchen': ["厨房水槽下方地面渗水到楼下"],
    'balcony': ["阳台地面积水，楼下阳台顶棚渗水"],
    'basement': ["地下车库顶板多处渗水滴落", "地下室侧墙渗水，雨季明显"],
    'window': ["窗台下方墙面渗水，雨天窗框周边湿"],
    'pipe_shaft': ["管道井立管根部渗水"],
    'pool': ["屋顶水箱外壁渗水"],
    'garage': ["车库伸缩缝漏水"],
    'other': ["楼梯间顶部渗水"],
    }
# Leak sites weighted as the company sees them.
SITE_WEIGHTS = [('roof', 28), ('bathroom', 20), ('facade', 15),
    ('basement', 8), ('kitchen', 7), ('balcony', 7), ('window', 6),
    ('pipe_shaft', 4), ('garage', 3), ('pool', 1), ('other', 1)]


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        return super().steps() + [
            ('demo_work_orders', "工单（完整流程）"),
            ('demo_work_order_history', "历史工单"),
            ('demo_pending_approvals', "待审批报价"),
            ]

    @classmethod
    def _pick_site(cls, rng):
        return rng.choices(
            [s for s, _ in SITE_WEIGHTS], [w for _, w in SITE_WEIGHTS])[0]

    @classmethod
    def demo_pending_approvals(cls, ctx):
        """Quotes in the approvers' 我的待办: submitted by 客服 (kefu), one
        waiting for the project manager (xiangmu), one the manager passed
        on to the management (guanli)."""
        pool = Pool()
        Quote = pool.get('yuexing.quote')
        users = ctx.records.get('users', {})
        if not {'kefu', 'xiangmu', 'guanli'} <= set(users):
            return
        products = ctx.records['products']
        surveying = [o for o in ctx.records.get('work_orders', [])
            if o.state == 'surveying' and not o.quote]
        transaction = Transaction()
        for order, rolls, manager_approves in zip(
                surveying, [30, 100], [False, True], strict=False):
            quote = Quote.new_version(order)
            line = pool.get('yuexing.quote.line')(quote=quote,
                quantity=rolls)
            line.product = products['JC-SBS-3']
            line.on_change_product()
            line.save()
            with transaction.set_user(users['kefu'].id):
                Quote.submit_approval([quote])
            if manager_approves:
                with transaction.set_user(users['xiangmu'].id):
                    Quote.decide_approval([Quote(quote.id)], 'approved',
                        comment="材料用量与勘察一致，同意")
            ctx.report("待审批报价", 1, 1)

    @classmethod
    def demo_work_orders(cls, ctx):
        "Orders at every stage, made through the business methods."
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Quote = pool.get('yuexing.quote')
        Visit = pool.get('yuexing.work_order.visit')
        Step = pool.get('yuexing.work_order.step')
        Material = pool.get('yuexing.work_order.material')
        Rating = pool.get('yuexing.work_order.rating')
        Dispatch = pool.get('yuexing.work_order.dispatch')
        Channel = pool.get('yuexing.channel')
        rng = ctx.rng
        company = ctx.records['company']
        customers = ctx.records['customers']
        products = ctx.records['products']
        channels = {c.code: c for c in Channel.search([])}
        total = sum(n for _, n in LIVE_STAGES)
        made = []
        now = dt.datetime.now().replace(microsecond=0)
        # the customers the demo log-ins act for (cduan, bduan) get an
        # order at the stages a client team plays through
        owners = {}
        for key, stages in [('individuals', DEMO_RESIDENT_STAGES),
                ('enterprises', DEMO_PARK_STAGES)]:
            if ctx.records.get(key):
                owners.update(dict.fromkeys(stages, ctx.records[key][0]))
        with Transaction().set_context(company=company.id):
            for stage, count in LIVE_STAGES:
                for n in range(count):
                    customer = owners.get(stage) if n == 0 else None
                    customer = customer or rng.choice(customers)
                    site = cls._pick_site(rng)
                    order = WorkOrder(
                        company=company, customer=customer,
                        leak_site=site,
                        channel=channels[rng.choice(
                                ['mini_program', 'phone', 'portal'])],
                        quantity=rng.choice([4, 6, 10, 15, 20, 30, 60]),
                        severity=rng.choice(
                            ['light', 'moderate', 'moderate', 'severe']),
                        priority=rng.choice(
                            ['normal', 'normal', 'high', 'urgent']),
                        description=rng.choice(SYMPTOMS[site]))
                    order.on_change_customer()
                    order.on_change_leak_site()
                    order.save()
                    cls._advance(ctx, order, stage, now, products,
                        WorkOrder, Quote, Visit, Step, Material, Rating,
                        Dispatch)
                    made.append(order)
                    ctx.report("工单（完整流程）", len(made), total)
        ctx.records['work_orders'] = made

    @classmethod
    def _quote(cls, order, products, rng, Quote):
        pool = Pool()
        Line = pool.get('yuexing.quote.line')
        quote = Quote.new_version(order)
        material = {
            'roof': 'JC-SBS-3', 'facade': 'TL-BC-20', 'bathroom': 'TL-JS-2',
            'kitchen': 'TL-JS-2', 'balcony': 'TL-PU-1', 'basement': 'DL-YX',
            'window': 'MF-GT', 'pipe_shaft': 'DL-DLW-5', 'pool': 'TL-KTY',
            'garage': 'MF-ZST', 'other': 'TL-PU-1'}[order.leak_site]
        lines = [(products[material], max(1, int((order.quantity or 10)
                        / 8))), (products['RG-FS'], rng.choice([4, 6, 8])),
            (products['FW-QY'], 1)]
        if order.leak_site in {'roof', 'bathroom', 'balcony'}:
            lines.append((products['FW-BSSY'], 1))
        for product, quantity in lines:
            line = Line(quote=quote, quantity=quantity)
            line.product = product
            line.on_change_product()
            line.save()
        return quote

    @classmethod
    def _advance(cls, ctx, order, stage, now, products, WorkOrder, Quote,
            Visit, Step, Material, Rating, Dispatch):
        rng = ctx.rng
        order_stages = [s for s, _ in LIVE_STAGES]
        position = order_stages.index(stage)
        WorkOrder.submit([order])
        if stage == 'submitted':
            return
        if stage == 'cancelled':
            WorkOrder.do_cancel([order], "客户已自行找人维修")
            return
        WorkOrder.respond([order])
        if stage == 'surveying':
            return
        if stage == 'on_hold':
            WorkOrder.do_hold([order], "客户出差，约定下周再上门勘察")
            return
        quote = cls._quote(order, products, rng, Quote)
        Quote.submit_approval([quote])
        with Transaction().set_user(0):
            while quote.state == 'pending':
                Quote.approve([quote])
        Quote.send([quote])
        if stage == 'quoted':
            return
        Quote.customer_confirm([quote], channel=rng.choice(
                ['mini_program', 'phone', 'back_office']))
        if stage == 'confirmed':
            return
        if stage == 'pool':
            WorkOrder.publish([order])
            return
        candidates = [c for c in Dispatch.candidates(order) if c['eligible']]
        if not candidates:
            return
        technician = candidates[0]['technician']
        WorkOrder.assign([order], technician, note="系统推荐第一位")
        if stage == 'dispatched':
            return
        WorkOrder.accept([order])
        start = now + dt.timedelta(days=rng.randint(1, 5),
            hours=rng.randint(0, 6))
        if position < order_stages.index('on_site'):
            cls._book(order, technician, start, Visit)
            return
        visit = cls._book(order, technician,
            now + dt.timedelta(minutes=rng.randint(5, 50)), Visit)
        if visit is None:
            return
        Visit.depart([visit])
        Visit.check_in([visit], latitude=order.latitude,
            longitude=order.longitude)
        steps = list(order.steps)
        finished = (len(steps) if stage != 'on_site'
            else rng.randint(1, max(1, len(steps) - 1)))
        for step in steps[:finished]:
            cls._do_step(step, Step)
        Material.create([{
                    'work_order': order.id, 'product': line.product.id,
                    'quantity': line.quantity, 'technician': technician.id,
                    'step': steps[min(2, len(steps) - 1)].id,
                    } for line in quote.lines if line.kind == 'material'])
        if stage == 'on_site':
            return
        Visit.check_out([visit])
        WorkOrder.complete_construction([order])
        if stage == 'to_accept':
            return
        WorkOrder.record_inspection(order, 'pass', [])
        WorkOrder.sign(order, PNG, order.contact_name or order.customer.name)
        Rating.create([{
                    'work_order': order.id,
                    'punctuality': rng.choice([4, 5, 5]),
                    'quality': rng.choice([3, 4, 5, 5]),
                    'attitude': rng.choice([4, 5, 5]),
                    'cleanliness': rng.choice([4, 4, 5]),
                    'comment': rng.choice(["师傅很专业，准时上门",
                            "处理及时，下雨后不漏了", "现场清理干净",
                            "价格合理，服务到位"]),
                    'channel': 'mini_program'}])
        if stage == 'closed':
            WorkOrder.archive([order])

    @classmethod
    def _book(cls, order, technician, start, Visit):
        "A visit at the first free slot from start."
        for attempt in range(12):
            begin = start + dt.timedelta(hours=3 * attempt)
            if Visit.search([
                        ('technician', '=', technician.id),
                        ('state', 'in', ['planned', 'on_the_way',
                                'on_site']),
                        ('planned_start', '<', begin + dt.timedelta(hours=2)),
                        ('planned_end', '>', begin)], limit=1):
                continue
            visit, = Visit.create([{
                        'work_order': order.id, 'technician': technician.id,
                        'planned_start': begin,
                        'planned_end': begin + dt.timedelta(hours=2)}])
            return visit

    @classmethod
    def _do_step(cls, step, Step):
        Attachment = Pool().get('ir.attachment')
        if step.state == 'todo':
            Step.start([step])
        Attachment.create([{
                    'name': f'施工照片{i + 1}.jpg', 'resource': str(step),
                    'data': PNG} for i in range(step.required_photos)])
        for check in step.checks:
            check.result = 'pass'
            check.save()
        # The demo compresses time: minimum durations are already over.
        Step.write([step], {'started_at': step.started_at
                - dt.timedelta(hours=(step.min_hours or 0) + 1)})
        Step.complete([Step(step.id)])

    # ---- history in bulk -------------------------------------------------

    @classmethod
    def demo_work_order_history(cls, ctx):
        """Finished orders over the last year (and a few open ones), written
        with bulk SQL: 1,000,000 rows take minutes, not hours."""
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Rating = pool.get('yuexing.work_order.rating')
        Configuration = pool.get('yuexing.configuration')
        count = max(0, ctx.options.orders - len(
                ctx.records.get('work_orders', [])))
        if not count:
            return
        rng = ctx.rng
        company = ctx.records['company']
        customers = ctx.records['customers']
        technicians = ctx.records['technicians']
        sites = [s for s, _ in SITE_WEIGHTS]
        weights = [w for _, w in SITE_WEIGHTS]
        known_sites = {s for s, _ in LEAK_SITES}
        assert set(sites) <= known_sites
        addresses = {c.id: (c.addresses[0].id, c.addresses[0].district.id
                if c.addresses[0].district else None) for c in customers}
        sequence = Configuration(1).get_sequence('work_order')
        user = Transaction().user or 0
        now = dt.datetime.now().replace(microsecond=0)
        order_table = WorkOrder.__table__()
        rating_table = Rating.__table__()
        columns = ['number', 'company', 'type', 'customer', 'address',
            'district', 'leak_site', 'description', 'quantity', 'severity',
            'material_grade', 'priority', 'state', 'technician',
            'submitted_at', 'responded_at', 'arrived_at', 'completed_at',
            'response_minutes', 'completion_duration', 'response_breached',
            'arrival_breached', 'completion_breached', 'sla_state',
            'estimate_min', 'estimate_max', 'pool_open', 'escalated',
            'contact_name', 'contact_phone', 'create_uid', 'create_date']
        chunk = 20000
        done = 0
        next_number = sequence.number_next or 1
        prefix = 'LS'  # 历史: numbers of the history, apart from live ones
        while done < count:
            size = min(chunk, count - done)
            rows, ratings = [], []
            for index in range(size):
                customer = rng.choice(customers)
                address, district = addresses[customer.id]
                site = rng.choices(sites, weights)[0]
                created = now - dt.timedelta(
                    days=rng.uniform(1, 365), hours=rng.uniform(0, 10))
                open_order = rng.random() < 0.02
                response = int(rng.lognormvariate(3.8, 0.8))
                completion = round(rng.lognormvariate(3.6, 0.6), 1)
                responded = created + dt.timedelta(minutes=response)
                arrived = responded + dt.timedelta(hours=rng.uniform(2, 20))
                completed = created + dt.timedelta(hours=completion)
                breached = completion > 72
                state = (rng.choice(['submitted', 'confirmed', 'dispatched',
                            'accepted', 'on_site'])
                    if open_order else rng.choice(
                        ['done', 'closed', 'closed', 'cancelled']
                        if rng.random() < 0.05 else ['done', 'closed']))
                finished = state in {'done', 'closed'}
                technician = (rng.choice(technicians)
                    if state not in {'submitted', 'confirmed', 'cancelled'}
                    else None)
                low = Decimal(rng.randrange(300, 5000, 50))
                rows.append([
                        '%s%06d' % (prefix, next_number + done + index),
                        company.id,
                        ('b_repair' if customer.customer_type == 'enterprise'
                            else 'c_repair'),
                        customer.id, address, district, site,
                        rng.choice(SYMPTOMS[site]),
                        float(rng.choice([4, 6, 10, 15, 20, 30])),
                        rng.choice(['light', 'moderate', 'severe']),
                        'standard', rng.choice(['normal', 'normal', 'high']),
                        state, technician.id if technician else None,
                        created, responded if not open_order else None,
                        arrived if finished else None,
                        completed if finished else None,
                        response if not open_order else None,
                        completion if finished else None,
                        response > 120, False, breached and finished,
                        'breached' if breached and finished else 'ok',
                        low, low * Decimal('1.8'), False, False,
                        customer.name, customer.phone_display,
                        user, created])
            with_ids = cls._bulk_insert(order_table, columns, rows)
            for order_id, row in zip(with_ids, rows, strict=True):
                if row[12] in {'done', 'closed'} and row[13] \
                        and rng.random() < 0.7:
                    stars = [rng.choice([3, 4, 4, 5, 5, 5]) for _ in range(4)]
                    ratings.append([order_id, row[13], *stars,
                            Decimal(sum(stars)) / 4, 'mini_program',
                            user, row[17]])
            cls._bulk_insert(rating_table, ['work_order', 'technician',
                    'punctuality', 'quality', 'attitude', 'cleanliness',
                    'score', 'channel', 'create_uid', 'create_date'],
                ratings, returning=False)
            done += size
            ctx.report("历史工单", done, count)
        if technicians:
            Rating.update_technicians(technicians)

    @classmethod
    def _bulk_insert(cls, table, columns, rows, returning=True):
        """INSERT many rows; returns the new ids in row order. COPY on
        PostgreSQL (fastest), executemany elsewhere."""
        cursor = Transaction().connection.cursor()
        if not rows:
            return []
        name = table._name
        if backend.name == 'postgresql':
            cursor.execute('SELECT COALESCE(MAX(id), 0) FROM "%s"' % name)
            first = cursor.fetchone()[0] + 1
            ids = list(range(first, first + len(rows)))
            with cursor.copy('COPY "%s" (id, %s) FROM STDIN' % (
                        name, ', '.join('"%s"' % c for c in columns))
                    ) as copy:
                for row_id, row in zip(ids, rows, strict=True):
                    copy.write_row([row_id, *row])
            cursor.execute("SELECT setval('%s_id_seq', %d)" % (
                    name, ids[-1]))
            return ids
        placeholders = ', '.join(['?'] * len(columns))
        cursor.execute('SELECT COALESCE(MAX(id), 0) FROM "%s"' % name)
        first = cursor.fetchone()[0] + 1
        ids = list(range(first, first + len(rows)))
        cursor.executemany('INSERT INTO "%s" (id, %s) VALUES (?, %s)' % (
                name, ', '.join('"%s"' % c for c in columns), placeholders),
            [[row_id, *row] for row_id, row in zip(ids, rows, strict=True)])
        return ids if returning else []
