"""Demo content: home banners and promotions, knowledge base articles in the
four categories, the service introduction and one customer feedback."""
import datetime as dt

from trytond.modules.yuexing_workorder.demo import PNG
from trytond.pool import Pool, PoolMeta

SERVICE_INTRO = (
    "月星防水专注建筑防水二十年：屋面、外墙、卫生间、地下室渗漏维修与"
    "新建防水工程。持证师傅上门勘察，报价透明，施工全程拍照留档，"
    "完工闭水试验合格后验收，质保最长十年。")

BANNERS = [
    # (title, kind, link, days from today to the start, days it lasts)
    ("雨季来临，屋面防水免费检测", 'banner', '/pages/order/create', -10, 60),
    ("卫生间不砸砖防水，一天完工", 'banner',
        '/pages/knowledge/detail?code=bathroom', -30, 365),
    ("老客户推荐有礼：双方各得 100 元抵用券", 'promotion',
        '/pages/promotion/referral', -5, 30),
    ("外墙渗漏维修季：报修即享 9 折", 'promotion',
        '/pages/order/create', 20, 30),
    ]

ARTICLES = [
    ('waterproofing', "防水层为什么会老化？",
        "紫外线、冷热交替和基层变形是防水层老化的三大原因。",
        "防水卷材和涂料长期暴露在阳光下，紫外线会使沥青和高分子材料"
        "变脆；冬夏温差造成反复伸缩，接缝处最先开裂；楼板沉降或开裂也会"
        "拉断防水层。一般屋面防水的设计使用年限为 10 至 20 年，"
        "超过年限建议做一次全面检测。", "屋面,老化,卷材"),
    ('waterproofing', "SBS 卷材和聚氨酯涂料怎么选？",
        "大面积平屋面用卷材，节点复杂的部位用涂料。",
        "SBS 改性沥青卷材厚度均匀、耐穿刺，适合面积大、形状规整的屋面；"
        "聚氨酯等防水涂料能形成无接缝的整体涂膜，适合管根、阴阳角、"
        "卫生间等节点多的部位。很多工程采用“卷材 + 涂料”复合做法。",
        "卷材,涂料,材料"),
    ('waterproofing', "闭水试验是什么？",
        "卫生间防水做完后蓄水 48 小时，检查楼下是否渗漏。",
        "闭水试验是在防水层完成并干透后，堵住地漏，在地面蓄水 2 至 3 "
        "厘米，保持 48 小时，到楼下观察天花板和管道周围。没有渗水才能"
        "铺贴瓷砖。月星防水每一单卫生间施工都会做闭水试验并拍照留档。",
        "卫生间,闭水试验,验收"),
    ('faq', "报修后多久能上门？",
        "市区一般 24 小时内上门勘察，紧急漏水 4 小时内响应。",
        "提交报修后，客服会在 30 分钟内联系您确认情况。市区普通报修 24 "
        "小时内安排师傅上门勘察；大面积漏水、漏电风险等紧急情况 4 小时"
        "内响应。您可以在“我的工单”里看到师傅的实时位置。",
        "报修,上门时间"),
    ('faq', "维修费用怎么计算？",
        "先勘察后报价，按面积和做法计价，确认报价后才施工。",
        "费用由材料费、人工费和辅助费用组成，按实际维修面积和所选做法"
        "计算。师傅勘察后在小程序里给出书面报价，您确认后才开工；"
        "施工中如需增加项目，会先征得您的同意。",
        "报价,费用"),
    ('faq', "防水维修有质保吗？",
        "有。局部维修质保 2 年，整体翻新最长 10 年。",
        "质保期从验收合格之日起计算：局部堵漏维修 2 年，卫生间整体防水"
        "5 年，屋面整体翻新最长 10 年。质保期内同一部位再次渗漏，免费"
        "上门维修。电子质保卡在工单详情里可以查看。",
        "质保,售后"),
    ('repair', "卫生间漏水先自查这三处",
        "地漏、墙角和管根是卫生间渗漏最常见的位置。",
        "1. 地漏：检查地漏周边是否有裂缝、返水；2. 墙角：淋浴区墙面"
        "防水高度不足 1.8 米时，水会从墙根渗到隔壁；3. 管根：上下水管"
        "穿楼板处最容易开裂。发现楼下天花板有水渍，先关闭总阀并拍照，"
        "再提交报修。", "卫生间,自查,渗漏"),
    ('repair', "屋顶漏水的应急处理",
        "下雨时先接水、断电，雨停后再找漏点。",
        "屋顶漏水时先用盆桶接水，移开家具电器，如果漏点靠近灯具或插座"
        "请先断电。雨天不宜上屋面施工，可以在雨停后用防水胶带临时封堵"
        "明显裂缝，随后请专业师傅做系统维修。", "屋面,应急"),
    ('repair', "外墙渗水的常见原因",
        "外墙裂缝、窗框周边和空调孔是外墙渗水的主要入口。",
        "外墙渗水多发生在墙体裂缝、窗框与墙体交接处、空调管道孔洞。"
        "维修通常需要高空作业，先对外墙做淋水试验找准漏点，再用防水"
        "砂浆和密封胶处理，最后涂刷憎水剂。", "外墙,窗框,高空作业"),
    ('maintenance', "屋面防水的日常保养",
        "定期清理落叶杂物，保持排水口畅通。",
        "每年雨季前后各检查一次屋面：清理排水口和天沟的落叶杂物，避免"
        "积水；不要在屋面随意打孔安装设备；发现卷材鼓包、起皮要及时"
        "修补。做好保养可以明显延长防水层寿命。", "屋面,保养"),
    ('maintenance', "装修时如何保护好防水层",
        "防水完成后避免在地面打孔，铺砖前做好保护层。",
        "防水层完工后，其他工种施工时应注意保护：不要在卫生间地面和墙面"
        "防水区域打孔，安装地漏、马桶时使用专用密封材料；若必须打孔，"
        "应请防水师傅补做局部防水。", "装修,防水层,保护"),
    ('maintenance', "地下室防潮有哪些办法？",
        "通风除湿和内侧防水并用，长期效果更好。",
        "地下室潮湿多因土壤中的水分透过墙体渗入。日常可以加强通风、"
        "使用除湿机；根本处理需要在内墙做渗透结晶型防水涂料，严重时"
        "注浆堵漏。", "地下室,防潮"),
    ]


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        return super().steps() + [
            ('demo_content', "首页横幅与知识库"),
            ]

    @classmethod
    def demo_content(cls, ctx):
        pool = Pool()
        Banner = pool.get('yuexing.content.banner')
        Article = pool.get('yuexing.content.article')
        Category = pool.get('yuexing.content.article.category')
        Configuration = pool.get('yuexing.configuration')
        Feedback = pool.get('yuexing.content.feedback')
        WorkOrder = pool.get('yuexing.work_order')
        config = Configuration(1)
        config.service_intro = SERVICE_INTRO
        config.save()
        now = dt.datetime.now().replace(microsecond=0)
        Banner.create([{
                    'title': title, 'kind': kind, 'link': link,
                    'image': PNG, 'image_name': 'banner.png',
                    'sequence': i * 10,
                    'start': now + dt.timedelta(days=start),
                    'end': now + dt.timedelta(days=start + days),
                    } for i, (title, kind, link, start, days)
                in enumerate(BANNERS, 1)])
        categories = {c.code: c for c in Category.search([])}
        Article.create([{
                    'category': categories[code].id,
                    'title': title, 'summary': summary, 'body': body,
                    'tags': tags, 'published': True,
                    'published_at': now - dt.timedelta(days=3 * i),
                    'view_count': ctx.rng.randint(20, 800),
                    } for i, (code, title, summary, body, tags)
                in enumerate(ARTICLES)])
        orders = WorkOrder.search([('state', '=', 'done')], limit=1)
        if orders:
            order, = orders
            Feedback.create([{
                        'customer': order.customer.id,
                        'kind': 'praise',
                        'text': '师傅准时上门，施工干净利落，卫生间再也'
                        '不漏水了，感谢！',
                        'work_order': order.id,
                        }])
