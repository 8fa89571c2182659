"""知识库 (internal): FAQs, solutions, repair guides and cases linked to
orders — leak site, symptoms, cause, solution, photos as attachments;
searchable, and suggested to the technician of a new order with the same
leak site and similar symptoms. (Public articles for residents stay in
yuexing_content.)"""
from trytond.model import DeactivableMixin, Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta

KINDS = [
    ('case', "Case"),
    ('faq', "FAQ"),
    ('solution', "Solution"),
    ('guide', "Repair Guide"),
    ]
# Characters that carry no meaning in a symptom description.
_NOISE = set('，。、；：？！,.;:?! \n\t的了是在有和也就都而及与着')


def bigrams(text):
    "The character pairs of a Chinese text (its words, roughly)."
    text = ''.join(c for c in (text or '') if c not in _NOISE)
    return {text[i:i + 2] for i in range(len(text) - 1)}


class Case(DeactivableMixin, ModelSQL, ModelView):
    "Knowledge Case"
    __name__ = 'yuexing.case'
    title = fields.Char("Title", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", ondelete='SET NULL')
    leak_site = fields.Selection('get_leak_sites', "Leak Site", sort=False)
    leak_site_string = leak_site.translated('leak_site')
    symptoms = fields.Text("Symptoms", required=True)
    cause = fields.Text("Cause")
    solution = fields.Text("Solution", required=True)
    keywords = fields.Char("Keywords",
        help="Words technicians search with, separated by spaces.")
    author = fields.Many2One('company.employee', "Author")
    photo_count = fields.Function(
        fields.Integer("Photos"), 'get_photo_count')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.leak_site, Index.Equality())))
        cls._order = [('id', 'DESC')]

    @classmethod
    def get_leak_sites(cls):
        WorkOrder = Pool().get('yuexing.work_order')
        return [(None, "Any")] + WorkOrder.fields_get(
            ['leak_site'])['leak_site']['selection']

    @classmethod
    def default_kind(cls):
        return 'case'

    @fields.depends('work_order', 'leak_site', 'symptoms')
    def on_change_work_order(self):
        if self.work_order:
            self.leak_site = self.work_order.leak_site
            if not self.symptoms:
                self.symptoms = self.work_order.description

    @classmethod
    def get_photo_count(cls, cases, name):
        Attachment = Pool().get('ir.attachment')
        counts = dict.fromkeys([c.id for c in cases], 0)
        for attachment in Attachment.search([
                    ('resource', 'in', [str(c) for c in cases])]):
            counts[attachment.resource.id] += 1
        return counts

    @classmethod
    def search_domain_for(cls, text=None, leak_site=None):
        "The domain of a technician's search."
        domain = []
        if leak_site:
            domain.append(('leak_site', 'in', [leak_site, None]))
        for word in (text or '').split():
            pattern = '%' + word + '%'
            domain.append(['OR',
                    ('title', 'ilike', pattern),
                    ('symptoms', 'ilike', pattern),
                    ('cause', 'ilike', pattern),
                    ('solution', 'ilike', pattern),
                    ('keywords', 'ilike', pattern),
                    ])
        return domain

    def relevance(self, words):
        mine = bigrams(' '.join(filter(None, [
                        self.title, self.symptoms, self.keywords])))
        return len(mine & words)

    @classmethod
    def suggest(cls, order, limit=5):
        """Cases for a new order: same leak site, ranked by the symptoms
        they share with its description; never the order itself."""
        words = bigrams(order.description)
        candidates = cls.search([
                ('leak_site', '=', order.leak_site),
                ['OR', ('work_order', '=', None),
                    ('work_order', '!=', order.id)],
                ])
        ranked = sorted(
            ((c.relevance(words), c.id, c) for c in candidates),
            key=lambda x: (-x[0], -x[1]))
        return [c for score, _, c in ranked if score > 0][:limit]


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order'

    suggested_cases = fields.Function(fields.Many2Many(
            'yuexing.case', None, None, "Suggested Cases"),
        'get_suggested_cases')

    def get_suggested_cases(self, name):
        Case = Pool().get('yuexing.case')
        return [c.id for c in Case.suggest(self)]
