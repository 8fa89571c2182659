"""Demo step: the books of the demo company."""
from trytond.pool import Pool, PoolMeta

from .books import GOODS_CATEGORY, SERVICE_CATEGORY


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        steps = super().steps()
        # Right after the company and the catalogue exist.
        index = next((i + 1 for i, (m, _) in enumerate(steps)
                if m == 'demo_catalogue'), len(steps))
        step = ('demo_books', "账簿（会计科目、会计年度）")
        return steps[:index] + [step] + steps[index:]

    @classmethod
    def demo_books(cls, ctx):
        Setup = Pool().get('yuexing.account.setup')
        company = ctx.records['company']
        Setup.setup_company(company)
        ctx.records['books'] = company
        cls._demo_account_categories(ctx)

    @classmethod
    def _demo_account_categories(cls, ctx):
        "Catalogue services and goods get their accounting category."
        pool = Pool()
        Template = pool.get('product.template')
        Category = pool.get('product.category')
        categories = {c.name: c for c in Category.search([
                    ('accounting', '=', True)])}
        service = categories.get(SERVICE_CATEGORY)
        goods = categories.get(GOODS_CATEGORY)
        templates = Template.search([('account_category', '=', None)])
        for kind, category in [('service', service), ('goods', goods)]:
            chosen = [t for t in templates if t.type == kind]
            if chosen and category:
                Template.write(chosen, {'account_category': category.id})
