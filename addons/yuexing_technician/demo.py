"""Demo data of the 师傅端: an online course with its exam and results, and
construction logs on the orders under way."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

QUESTIONS = [
    ('single', "SBS卷材长边搭接宽度不应小于多少？",
        [("50毫米", False), ("80毫米", False), ("100毫米", True)]),
    ('single', "热熔法施工时，卷材表面应加热到什么状态？",
        [("沥青开始熔化、呈光亮黑色", True), ("冒出大量青烟", False),
            ("表面微温即可", False)]),
    ('multiple', "铺贴卷材前，基层应满足哪些要求？",
        [("平整、干净", True), ("干燥（含水率达标）", True),
            ("涂刷基层处理剂", True), ("表面洒水湿润", False)]),
    ('true_false', "雨天、雪天和五级风以上天气不得进行热熔施工。",
        [("对", True), ("错", False)]),
    ('true_false', "闭水试验蓄水时间不少于24小时。",
        [("对", True), ("错", False)]),
    ]
LOGS = [
    ('sunny', 8, "基层清理、阴阳角找圆，涂刷基层处理剂一遍。", None),
    ('cloudy', 7.5, "铺贴附加层，热熔铺贴第一层SBS卷材约60平方米。",
        "女儿墙根部基层起砂，已修补。"),
    ('sunny', 6, "铺贴第二层卷材并封边收头，开始闭水试验。", None),
    ]


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        return super().steps() + [
            ('demo_technician_app', "师傅端：培训考试与施工日志"),
            ]

    @classmethod
    def demo_technician_app(cls, ctx):
        pool = Pool()
        Course = pool.get('yuexing.training.course')
        Exam = pool.get('yuexing.training.exam')
        Attempt = pool.get('yuexing.training.exam.attempt')
        Article = pool.get('yuexing.content.article')
        CertificateType = pool.get('yuexing.certificate.type')
        Skill = pool.get('yuexing.skill')
        DailyLog = pool.get('yuexing.work_order.daily_log')
        Date = pool.get('ir.date')
        company = ctx.records['company']
        rng = ctx.rng
        with Transaction().set_context(company=company.id):
            today = Date.today()
            skill = Skill.from_code('membrane')
            kinds = CertificateType.search([], limit=1)
            course, = Course.create([{
                        'name': "屋面SBS卷材防水施工",
                        'skill': skill.id if skill else None,
                        'description': "热熔法铺贴SBS改性沥青防水卷材的"
                        "工艺要点、质量标准与安全要求。",
                        'articles': [('add', [a.id for a in
                                    Article.search([], limit=3)])],
                        }])
            exam, = Exam.create([{
                        'name': "屋面卷材上岗考试",
                        'course': course.id, 'duration': 20,
                        'pass_mark': Decimal(80), 'max_attempts': 3,
                        'certificate_type': kinds[0].id if kinds else None,
                        'questions': [('create', [{
                                        'sequence': n, 'kind': kind,
                                        'text': text,
                                        'score': Decimal(20),
                                        'options': [('create', [{
                                                        'text': o,
                                                        'correct': c}
                                                    for o, c in options])],
                                        } for n, (kind, text, options)
                                    in enumerate(QUESTIONS, 1)])],
                        }])
            technicians = ctx.records.get('technicians', [])[:4]
            for technician in technicians:
                attempt = Attempt.start(exam, technician)
                answers = {}
                for question in exam.questions:
                    right = question.correct_ids()
                    if rng.random() < 0.8:
                        answers[question.id] = right
                    else:
                        answers[question.id] = {
                            o.id for o in question.options} - right
                Attempt(attempt.id).submit(answers)
            ctx.report("培训考试", len(technicians), len(technicians))

            orders = [o for o in ctx.records.get('work_orders', [])
                if o.technician and o.state in {
                    'on_site', 'to_accept', 'done', 'closed'}][:8]
            rows = []
            for order in orders:
                for n, (weather, hours, content, problems) in enumerate(
                        LOGS[:rng.randint(1, 3)]):
                    rows.append({
                            'work_order': order.id,
                            'technician': order.technician.id,
                            'date': today - dt.timedelta(days=3 - n),
                            'weather': weather, 'hours': hours,
                            'content': content, 'problems': problems})
            DailyLog.create(rows)
            ctx.report("施工日志", len(rows), len(rows))
