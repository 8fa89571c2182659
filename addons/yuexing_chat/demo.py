"""Demo conversations: customers and technicians about their orders, a few
technicians with the office, and the teams' channels."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

ORDER_TALK = [
    ('technician', "您好，我是负责您家漏水维修的师傅，"
        "明天上午九点左右到，方便吗？"),
    ('customer', "方便的，我在家。小区东门进来，3号楼。"),
    ('technician', "好的，请把漏水位置拍张照片发我，我先准备材料。"),
    ('customer', "天花板靠窗这块，下雨就滴水。"),
    ]
OFFICE_TALK = [
    ('technician', "明天张江那单需要多带两卷SBS卷材，仓库能备吗？"),
    ('office', "已通知仓库，明早七点半领料。"),
    ]
TEAM_TALK = [
    "明天早上七点半仓库集合领料。",
    "收到。",
    "下午有雨，屋面热熔的单子注意改期。",
    ]


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        return super().steps() + [('demo_chat', "协作沟通")]

    @classmethod
    def demo_chat(cls, ctx):
        pool = Pool()
        Conversation = pool.get('yuexing.chat.conversation')
        Message = pool.get('yuexing.chat.message')
        Team = pool.get('yuexing.team')
        company = ctx.records['company']
        count = 0
        with Transaction().set_context(company=company.id):
            orders = [o for o in ctx.records.get('work_orders', [])
                if o.technician and o.state in {
                    'accepted', 'on_site', 'to_accept'}][:6]
            for order in orders:
                conversation = Conversation.for_order(order)
                count += cls._talk(Message, conversation, ORDER_TALK)
            technicians = ctx.records.get('technicians', [])[:3]
            for technician in technicians:
                conversation = Conversation.for_technician(technician)
                count += cls._talk(Message, conversation, OFFICE_TALK)
            for team in Team.search([], limit=3):
                conversation = Conversation.for_team(team)
                authors = [m.user for m in conversation.members]
                rows = [{'conversation': conversation.id,
                        'author': authors[n % len(authors)].id,
                        'text': text}
                    for n, text in enumerate(TEAM_TALK)] if authors else []
                Message.create(rows)
                count += len(rows)
        ctx.report("协作沟通", count, count)

    @classmethod
    def _talk(cls, Message, conversation, lines):
        by_side = {}
        for member in conversation.members:
            by_side.setdefault(member.side, member.user)
        rows = [{'conversation': conversation.id,
                'author': by_side[side].id, 'text': text}
            for side, text in lines if side in by_side]
        if len(rows) != len(lines):
            return 0
        Message.create(rows)
        return len(rows)
