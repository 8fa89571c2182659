"""JSON endpoints of the C端 mini-program's content: the home page, the
knowledge base and the customers' feedback."""
import datetime as dt
from decimal import Decimal

from sql import Null
from sql.aggregate import Avg, Count
from werkzeug.wrappers import Response

from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.modules.yuexing_base.api.endpoint import _sniff, bearer_token
from trytond.transaction import Transaction

HOME = ['首页']
KNOWLEDGE = ['知识库']
FEEDBACK = ['意见反馈']
CUSTOMERS = ('customer', 'portal')
AUDIENCE_OF_ROLE = {'customer': 'c2c', 'portal': 'b2b'}
QUICK_ENTRIES = [
    {'key': 'repair', 'title': '报修', 'path': '/pages/order/create'},
    {'key': 'estimate', 'title': '估价', 'path': '/pages/estimate/index'},
    {'key': 'orders', 'title': '我的工单', 'path': '/pages/order/list'},
    {'key': 'knowledge', 'title': '知识库',
        'path': '/pages/knowledge/index'},
    ]
FEEDBACK_KINDS = [('suggestion', "建议"), ('complaint', "投诉"),
    ('praise', "表扬"), ('other', "其他")]
FEEDBACK_STATES = [('new', "待处理"), ('in_progress', "处理中"),
    ('closed', "已回复")]

# ---- schemas ---------------------------------------------------------------

BANNER = s.Object({
        'id': s.Integer("横幅ID"),
        'title': s.String("标题"),
        'kind': s.Enum("类型", [('banner', "横幅"), ('promotion', "活动")]),
        'link': s.String("链接", nullable=True),
        'image_url': s.String("图片地址", nullable=True),
        'end': s.DateTime("结束时间", nullable=True),
        }, "横幅", name='Banner')
QUICK_ENTRY = s.Object({
        'key': s.String("标识"),
        'title': s.String("名称"),
        'path': s.String("页面"),
        }, "快捷入口", name='QuickEntry')
TECHNICIANS = s.Object({
        'district': s.String("区县代码", nullable=True),
        'district_name': s.String("区县", nullable=True),
        'count': s.Integer("附近师傅数", minimum=0),
        'average_rating': s.Money("平均评分", nullable=True),
        }, "附近师傅", name='TechnicianShowcase')
HOME_PAGE = s.Object({
        'service_intro': s.String("服务介绍", nullable=True),
        'banners': s.List("横幅", BANNER),
        'promotions': s.List("活动", BANNER),
        'quick_entries': s.List("快捷入口", QUICK_ENTRY),
        'technicians': TECHNICIANS,
        }, "首页", name='HomePage')
CATEGORY = s.Object({
        'id': s.Integer("分类ID"),
        'code': s.String("代码"),
        'name': s.String("名称"),
        'count': s.Integer("文章数", minimum=0),
        }, "知识分类", name='ArticleCategory')
ARTICLE = s.Object({
        'id': s.Integer("文章ID"),
        'title': s.String("标题"),
        'summary': s.String("摘要", nullable=True),
        'category': s.Object({
                'id': s.Integer("分类ID"),
                'code': s.String("代码"),
                'name': s.String("名称"),
                }, "分类", name='ArticleCategoryBrief'),
        'tags': s.List("标签", s.String("标签")),
        'published_at': s.DateTime("发布时间", nullable=True),
        'views': s.Integer("阅读数", minimum=0),
        }, "文章", name='Article')
ARTICLE_DETAIL = s.Object({
        **ARTICLE.fields,
        'body': s.String("正文", nullable=True),
        }, "文章详情", name='ArticleDetail')
FEEDBACK_ITEM = s.Object({
        'id': s.Integer("反馈ID"),
        'kind': s.Enum("类型", FEEDBACK_KINDS),
        'text': s.String("内容"),
        'contact_phone': s.String("联系电话", nullable=True),
        'work_order': s.Object({
                'id': s.Integer("工单ID"),
                'number': s.String("工单号", nullable=True),
                }, "关联工单", nullable=True),
        'state': s.Enum("状态", FEEDBACK_STATES),
        'reply': s.String("回复", nullable=True),
        'replied_at': s.DateTime("回复时间", nullable=True),
        'created_at': s.DateTime("提交时间"),
        }, "意见反馈", name='Feedback')


# ---- home ------------------------------------------------------------------

def _caller(call):
    """The (role, customer) of an optional bearer token on a public
    endpoint; an absent or invalid token is an anonymous visitor."""
    Token = call.pool.get('yuexing.api.token')
    token, _ = Token.authenticate(bearer_token(call.request))
    if token and token.role in CUSTOMERS:
        return token.role, token.user.customer
    return None, None


def banner_json(banner, base):
    return {
        'id': banner.id,
        'title': banner.title,
        'kind': banner.kind,
        'link': banner.link or None,
        'image_url': (f'{base}/content/banners/{banner.id}/image'
            if banner.image else None),
        'end': banner.end,
        }


def nearby_technicians(pool, district):
    """Count and average rating of the technicians serving district (or
    its city / province); no personal data."""
    Employee = pool.get('company.employee')
    Region = pool.get('company.employee-country.subdivision')
    region_ids, region = [], district
    while region:
        region_ids.append(region.id)
        region = region.parent
    employee = Employee.__table__()
    rel = Region.__table__()
    today = dt.date.today()
    served = rel.select(rel.employee, where=rel.region.in_(region_ids))
    cursor = Transaction().connection.cursor()
    cursor.execute(*employee.select(
            Count(employee.id), Avg(employee.rating),
            where=(employee.is_technician == True)  # noqa: E712
            & ((employee.end_date == Null) | (employee.end_date > today))
            & employee.id.in_(served)))
    count, average = cursor.fetchone()
    return count or 0, average


@api.endpoint('GET', '/home', auth=api.PUBLIC, tags=HOME,
    summary="小程序首页",
    query=s.Object({
            'district': s.String("区县代码", pattern=r'^\d{6}$'),
            }, "查询参数"),
    response=HOME_PAGE)
def home(call):
    """服务介绍、当前横幅与活动、快捷入口、附近师傅（数量与平均评分）。
    可匿名访问；带居民或B端令牌时按其首个地址的区县统计附近师傅。"""
    pool = call.pool
    Banner = pool.get('yuexing.content.banner')
    Configuration = pool.get('yuexing.configuration')
    Subdivision = pool.get('country.subdivision')
    role, customer = _caller(call)
    audiences = ['all', AUDIENCE_OF_ROLE.get(role, 'c2c')]
    banners = Banner.search(Banner.current_domain(audiences),
        order=[('sequence', 'ASC NULLS FIRST'), ('id', 'DESC')])
    district = None
    if call.query.get('district'):
        district = Subdivision.from_adcode(call.query['district'])
    elif customer:
        for address in customer.addresses:
            if getattr(address, 'district', None):
                district = address.district
                break
    count, average = 0, None
    if district:
        count, average = nearby_technicians(pool, district)
    base = call.request.script_root + call.request.path.rsplit(
        '/home', 1)[0]
    return {
        'service_intro': Configuration(1).service_intro or None,
        'banners': [banner_json(b, base) for b in banners
            if b.kind == 'banner'],
        'promotions': [banner_json(b, base) for b in banners
            if b.kind == 'promotion'],
        'quick_entries': QUICK_ENTRIES,
        'technicians': {
            'district': district.adcode if district else None,
            'district_name': district.name if district else None,
            'count': count,
            'average_rating': (
                Decimal(str(average)).quantize(Decimal('0.01'))
                if average is not None else None),
            },
        }


@api.endpoint('GET', '/content/banners/<int:banner_id>/image',
    auth=api.PUBLIC, tags=HOME, summary="横幅图片", errors=(404,))
def banner_image(call, banner_id):
    "横幅的图片（原始字节，按内容识别类型）；已停用或无图片的横幅返回 404。"
    Banner = call.pool.get('yuexing.content.banner')
    banners = Banner.search([('id', '=', banner_id), ('image', '!=', None)],
        limit=1)
    if not banners:
        raise api.not_found()
    data = bytes(banners[0].image)
    return Response(data, 200, content_type=_sniff(data), headers={
            'Cache-Control': 'public, max-age=3600'})


# ---- knowledge base --------------------------------------------------------

def article_json(article):
    category = article.category
    return {
        'id': article.id,
        'title': article.title,
        'summary': article.summary or None,
        'category': {'id': category.id, 'code': category.code,
            'name': category.name},
        'tags': article.tag_list,
        'published_at': article.published_at,
        'views': article.view_count or 0,
        }


@api.endpoint('GET', '/article-categories', auth=api.PUBLIC,
    tags=KNOWLEDGE, summary="知识库分类",
    response=s.List("分类", CATEGORY))
def list_categories(call):
    "知识库的分类及各分类已发布的文章数。"
    pool = call.pool
    Category = pool.get('yuexing.content.article.category')
    Article = pool.get('yuexing.content.article')
    article = Article.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*article.select(
            article.category, Count(article.id),
            where=article.published == True,  # noqa: E712
            group_by=[article.category]))
    counts = dict(cursor)
    return [{'id': c.id, 'code': c.code, 'name': c.name,
            'count': counts.get(c.id, 0)}
        for c in Category.search([])]


@api.endpoint('GET', '/articles', auth=api.PUBLIC, tags=KNOWLEDGE,
    summary="知识库文章",
    query=s.page_query({
            'category': s.String("分类代码", max_length=32),
            'q': s.String("关键词", max_length=50),
            }),
    response=s.page_of(ARTICLE))
def list_articles(call):
    "已发布的文章，可按分类代码筛选、按关键词搜索标题、摘要、正文和标签。"
    Article = call.pool.get('yuexing.content.article')
    domain = [('published', '=', True)]
    if call.query.get('category'):
        domain.append(('category.code', '=', call.query['category']))
    q = (call.query.get('q') or '').strip()
    if q:
        like = f'%{q}%'
        domain.append(['OR', ('title', 'ilike', like),
                ('summary', 'ilike', like), ('body', 'ilike', like),
                ('tags', 'ilike', like)])
    # PostgreSQL's full-text search of Text fields does not split Chinese
    # words: search the body as a plain substring like the other fields.
    with Transaction().set_context({
                'yuexing.content.article.body.search_full_text': False}):
        return api.paginate(Article, domain, call.query, article_json,
            order=[('published_at', 'DESC NULLS LAST'), ('id', 'DESC')])


@api.endpoint('GET', '/articles/<int:article_id>', auth=api.PUBLIC,
    tags=KNOWLEDGE, summary="文章详情", response=ARTICLE_DETAIL,
    errors=(404,))
def get_article(call, article_id):
    "一篇已发布的文章（含正文），阅读数加一。"
    Article = call.pool.get('yuexing.content.article')
    articles = Article.search([
            ('id', '=', article_id), ('published', '=', True)], limit=1)
    if not articles:
        raise api.not_found()
    article, = articles
    result = article_json(article)
    if Article.count_view(article.id):
        result['views'] += 1
    result['body'] = article.body or None
    return result


# ---- feedback --------------------------------------------------------------

def feedback_json(feedback):
    order = feedback.work_order
    return {
        'id': feedback.id,
        'kind': feedback.kind,
        'text': feedback.text,
        'contact_phone': feedback.contact_phone or None,
        'work_order': ({'id': order.id, 'number': order.number}
            if order else None),
        'state': feedback.state,
        'reply': feedback.reply or None,
        'replied_at': feedback.replied_at,
        'created_at': feedback.create_date.replace(microsecond=0),
        }


@api.endpoint('POST', '/feedback', auth=CUSTOMERS, tags=FEEDBACK,
    summary="提交意见反馈", status=201, idempotent=True,
    body=s.Object({
            'kind': s.Enum("反馈类型", FEEDBACK_KINDS, required=True),
            'text': s.String("反馈内容", required=True, min_length=2,
                max_length=1000),
            'contact_phone': s.Phone("联系电话"),
            'work_order': s.Integer("关联工单", minimum=1),
            }),
    response=FEEDBACK_ITEM, errors=(409, 422))
def create_feedback(call):
    "建议、投诉、表扬或其他；可关联本人的一张工单，客服回复后发站内消息。"
    pool = call.pool
    Feedback = pool.get('yuexing.content.feedback')
    WorkOrder = pool.get('yuexing.work_order')
    customer = call.user.customer
    if not customer:
        raise api.ApiError(409, 'phone_not_bound',
            gettext('yuexing_content.msg_feedback_customer'))
    body = call.body
    order_id = body.get('work_order')
    if order_id:
        # searched as the caller: another customer's order is not found
        if not WorkOrder.search([
                    ('id', '=', order_id),
                    ('customer', '=', customer.id)], limit=1):
            raise api.ApiError(422, 'invalid_work_order',
                gettext('yuexing_content.msg_feedback_work_order'),
                fields={'work_order': gettext(
                        'yuexing_content.msg_feedback_work_order')})
    feedback, = Feedback.create([{
                'customer': customer.id,
                'user': call.user.id,
                'kind': body['kind'],
                'text': body['text'].strip(),
                'contact_phone': body.get('contact_phone'),
                'work_order': order_id,
                }])
    return feedback_json(feedback)


@api.endpoint('GET', '/feedback', auth=CUSTOMERS, tags=FEEDBACK,
    summary="我的意见反馈",
    query=s.page_query({'state': s.Enum("状态", FEEDBACK_STATES)}),
    response=s.page_of(FEEDBACK_ITEM))
def list_feedback(call):
    "当前客户提交的反馈及客服回复（记录规则限定范围）。"
    Feedback = call.pool.get('yuexing.content.feedback')
    domain = []
    if call.query.get('state'):
        domain.append(('state', '=', call.query['state']))
    return api.paginate(Feedback, domain, call.query, feedback_json)
