"""The knowledge base (知识库): categories and articles."""
import datetime as dt

from sql import Literal

from trytond.model import (
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)
from trytond.modules.yuexing_base.api_rate import execute_autonomous
from trytond.pyson import Eval


class ArticleCategory(sequence_ordered(), ModelSQL, ModelView):
    "Knowledge Base Category"
    __name__ = 'yuexing.content.article.category'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    active = fields.Boolean("Active")
    articles = fields.One2Many(
        'yuexing.content.article', 'category', "Articles", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'yuexing_content.msg_category_code_unique'),
            ]

    @classmethod
    def default_active(cls):
        return True


class Article(ModelSQL, ModelView):
    "Knowledge Base Article"
    __name__ = 'yuexing.content.article'

    title = fields.Char("Title", required=True)
    category = fields.Many2One(
        'yuexing.content.article.category', "Category", required=True,
        ondelete='RESTRICT')
    summary = fields.Char("Summary")
    body = fields.Text("Body", help="Plain text or Markdown.")
    cover = fields.Binary("Cover Image", filename='cover_name')
    cover_name = fields.Char("Cover Name")
    tags = fields.Char("Tags", help="Separated by commas.")
    published = fields.Boolean("Published")
    published_at = fields.DateTime("Published at",
        states={'readonly': ~Eval('published', False)})
    view_count = fields.Integer("Views", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('published_at', 'DESC NULLS LAST'))

    @classmethod
    def default_view_count(cls):
        return 0

    @classmethod
    def default_published(cls):
        return False

    @property
    def tag_list(self):
        tags = (self.tags or '').replace('，', ',')
        return [t.strip() for t in tags.split(',') if t.strip()]

    @classmethod
    def _stamp(cls, values):
        if values.get('published') and not values.get('published_at'):
            values = values.copy()
            values['published_at'] = dt.datetime.now().replace(
                microsecond=0)
        return values

    @classmethod
    def create(cls, vlist):
        return super().create([cls._stamp(v) for v in vlist])

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        new_args = []
        for records, values in zip(actions, actions, strict=True):
            if values.get('published') and 'published_at' not in values:
                unstamped = [r for r in records if not r.published_at]
                stamped = [r for r in records if r.published_at]
                if unstamped:
                    new_args.extend([unstamped, cls._stamp(values)])
                if stamped:
                    new_args.extend([stamped, values])
            else:
                new_args.extend([records, values])
        if new_args:
            super().write(*new_args)

    @classmethod
    def count_view(cls, article_id):
        """Add one view with a single UPDATE view_count = view_count + 1,
        outside the request transaction on PostgreSQL so concurrent readers
        never conflict; a failure only loses the count."""
        table = cls.__table__()
        try:
            execute_autonomous(table.update(
                    [table.view_count], [table.view_count + Literal(1)],
                    where=table.id == article_id))
        except Exception:
            return False
        return True
