"""Demo: warranties of the finished orders (some close to expiry, their
reminders sent), a claim under warranty, complaints in every state, the
case library, surveys with answers."""
import datetime as dt

from dateutil.relativedelta import relativedelta

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

CASES = [
    ('roof',
        "老旧平屋面SBS卷材起鼓渗漏",
        "顶楼天花板雨后大面积水渍，屋面卷材起鼓、接缝开裂",
        "卷材老化、搭接处热熔不足，雨水沿接缝进入",
        "铲除起鼓卷材，基层找平干燥后满粘两层SBS改性沥青卷材，搭接≥100"
        "mm，闭水试验48小时"),
    ('roof',
        "女儿墙泛水处渗漏",
        "顶楼靠墙角落渗水，女儿墙根部有裂缝",
        "泛水高度不足、收头未压条",
        "泛水上翻至250mm，金属压条固定收头，密封膏封口"),
    ('bathroom',
        "卫生间管根渗漏到楼下",
        "楼下天花板管道周围滴水，卫生间地漏和管根周边渗水",
        "管根处防水层未做附加层，止水节缺失",
        "拆除管根周边地砖，安装止水节，聚合物水泥防水涂料附加层两遍，闭水试验"),
    ('bathroom',
        "淋浴区墙面返潮",
        "淋浴区隔壁墙面返潮发霉，墙面起皮",
        "淋浴区墙面防水高度不足1.8米",
        "淋浴区墙面防水刷至1.8米，阴角加网格布"),
    ('facade',
        "外墙窗边渗水",
        "下雨时窗户四周渗水，窗台内侧墙面潮湿",
        "窗框与墙体间打胶老化开裂",
        "清除旧胶，发泡剂填缝，耐候密封胶外侧打胶，窗台做外低内高坡度"),
    ('basement',
        "地下室施工缝渗水",
        "地下车库侧墙施工缝持续渗水，地面积水",
        "施工缝止水钢板缺失或焊接不严",
        "沿缝钻孔注浆，高压灌注聚氨酯堵漏剂，表面水泥基渗透结晶涂刷"),
    ('kitchen',
        "厨房地面渗漏到楼下",
        "厨房水槽下方地面渗水到楼下",
        "厨房地面未做防水，排水管接口渗漏",
        "地面及墙面300mm满刷防水涂料，更换排水管接头"),
    ]
COMPLAINTS = [
    ('leak_again', 'critical',
        "维修后第二次下雨又漏了，天花板还在滴水，要求尽快处理！"),
    ('delay', 'major',
        "约好上午上门，师傅下午四点才到，也没提前打电话。"),
    ('attitude', 'major',
        "师傅施工后垃圾没有清理，说话也不耐烦。"),
    ('price', 'minor',
        "最后结算比报价多了两百元，希望解释费用明细。"),
    ('quality', 'major',
        "卫生间闭水试验没做满48小时就贴砖了，担心质量。"),
    ]


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        return super().steps() + [
            ('demo_after_sales', "质保与售后"),
            ]

    @classmethod
    def demo_after_sales(cls, ctx):
        pool = Pool()
        WorkOrder = pool.get('yuexing.work_order')
        Warranty = pool.get('yuexing.warranty')
        Survey = pool.get('yuexing.survey')
        Date = pool.get('ir.date')
        company = ctx.records['company']
        rng = ctx.rng
        today = Date.today()
        with Transaction().set_context(company=company.id):
            done = WorkOrder.search([
                    ('state', 'in', ['done', 'closed']),
                    ('company', '=', company.id),
                    ], order=[('completed_at', 'DESC'), ('id', 'DESC')],
                limit=300)
            warranties = Warranty.create_for(done)
            # some close to expiry: the reminder sees them at once
            for index, warranty in enumerate(warranties[:4]):
                end = today + dt.timedelta(days=5 + 7 * index)
                Warranty.write([warranty], {
                        'end_date': end,
                        'start_date': (end + dt.timedelta(days=1)
                            - relativedelta(months=warranty.months)),
                        })
            if len(warranties) > 5:
                last = warranties[5]
                Warranty.write([last], {
                        'end_date': today - dt.timedelta(days=20),
                        'start_date': (today - dt.timedelta(days=19)
                            - relativedelta(months=last.months)),
                        })
            Warranty.send_reminders()
            active = [w for w in Warranty.search([
                        ('state', '=', 'active')], limit=3)]
            repairs = []
            for warranty in active[:2]:
                repairs.append(warranty.open_claim(
                        "质保期内再次渗漏：" + (
                            warranty.work_order.description or '')[:60]))
            ctx.records['warranty_repairs'] = repairs
            cls._demo_complaints(ctx, done, rng)
            cls._demo_cases(ctx, done)
            surveys = Survey.send_for(done[:40])
            for survey in surveys[:25]:
                answers = {}
                for question in survey.questions():
                    if question.kind == 'score':
                        answers[question.id] = rng.choice([3, 4, 4, 5, 5, 5])
                    else:
                        answers[question.id] = rng.choice(
                            ['', '师傅很专业，谢谢！', '希望上门时间更准时。'])
                survey.submit_answers(answers)

    @classmethod
    def _demo_complaints(cls, ctx, orders, rng):
        pool = Pool()
        Complaint = pool.get('yuexing.complaint')
        users = ctx.records.get('users', {})
        kefu = users.get('kefu')
        channels = ['api', 'phone', 'portal']
        made = []
        for index, (category, severity, text) in enumerate(COMPLAINTS):
            order = orders[index] if index < len(orders) else None
            customer = (order.customer if order
                else ctx.records['customers'][index])
            made.append({
                    'company': ctx.records['company'].id,
                    'customer': customer.id,
                    'channel': channels[index % 3],
                    'category': category, 'severity': severity,
                    'description': text,
                    'work_order': order.id if order else None,
                    'assignee': kefu.id if kefu else None,
                    })
        complaints = Complaint.create(made)
        # open, processing, answered, closed, closed
        Complaint.process(complaints[1:])
        for complaint in complaints[2:]:
            complaint.result = rng.choice([
                    "已安排原师傅复查并重新施工，费用全免。",
                    "已向客户解释费用明细并退还差额。",
                    "已对师傅进行批评教育并扣减当月绩效，向客户致歉。"])
            complaint.save()
        Complaint.answer(complaints[2:])
        Complaint.confirm(complaints[3:])

    @classmethod
    def _demo_cases(cls, ctx, orders):
        Case = Pool().get('yuexing.case')
        by_site = {}
        for order in orders:
            by_site.setdefault(order.leak_site, order)
        Case.create([{
                    'title': title, 'kind': 'case', 'leak_site': site,
                    'symptoms': symptoms, 'cause': cause,
                    'solution': solution,
                    'work_order': (by_site[site].id if site in by_site
                        else None),
                    'author': (by_site[site].technician.id
                        if site in by_site and by_site[site].technician
                        else None),
                    'keywords': site,
                    } for site, title, symptoms, cause, solution in CASES]
            + [{
                    'title': "闭水试验怎么做", 'kind': 'guide',
                    'leak_site': 'bathroom',
                    'symptoms': "卫生间、厨房防水完工后验收",
                    'solution': "堵住地漏，蓄水深度≥20mm，持续48小时，"
                    "检查楼下无渗漏后方可进行下一工序。",
                    }, {
                    'title': "雨天能否施工", 'kind': 'faq',
                    'symptoms': "客户询问下雨天是否可以做屋面防水",
                    'solution': "基层潮湿时热熔卷材和涂料都不能施工，"
                    "雨后需基层含水率≤9%再施工。",
                    }])
