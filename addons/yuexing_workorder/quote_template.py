"""报价模板: standard quotes per leak site, versioned so that a quote always
shows the exact template version it was made from."""
from decimal import Decimal

from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    fields,
    sequence_ordered,
)
from trytond.pyson import Eval

from .quote import LINE_KINDS
from .work_order import LEAK_SITES

QUANTITY_MODES = [
    ('fixed', "Fixed"),
    ('per_unit', "Per m² or m of the Order"),
    ]


class QuoteTemplate(DeactivableMixin, ModelSQL, ModelView):
    "Quote Template"
    __name__ = 'yuexing.quote.template'
    name = fields.Char("Name", required=True)
    leak_site = fields.Selection(
        [(None, "Any")] + LEAK_SITES, "Leak Site", sort=False)
    version = fields.Integer("Version", readonly=True)
    previous = fields.Many2One(
        'yuexing.quote.template', "Previous Version", readonly=True)
    lines = fields.One2Many(
        'yuexing.quote.template.line', 'template', "Lines",
        states={'readonly': ~Eval('active')})
    terms = fields.Text("Terms")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'new_version': {
                    'invisible': ~Eval('active'),
                    'depends': ['active'],
                    },
                })

    @classmethod
    def default_version(cls):
        return 1

    def get_rec_name(self, name):
        return f'{self.name} v{self.version}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('name',) + tuple(clause[1:])]

    @classmethod
    @ModelView.button
    def new_version(cls, templates):
        """Freeze the current version (kept for the quotes made from it) and
        continue editing a copy."""
        new = cls.copy(templates, default={
                'version': None, 'previous': None})
        to_write = []
        for copy, template in zip(new, templates, strict=True):
            to_write.extend(([copy], {
                        'version': template.version + 1,
                        'previous': template.id}))
        if to_write:
            cls.write(*to_write)
            cls.write(list(templates), {'active': False})
        return new

    def line_values(self, quote):
        "Values of the quote lines this template gives for the quote."
        order = quote.work_order
        quantity = order.quantity or 1
        values = []
        for line in self.lines:
            qty = line.quantity * (
                quantity if line.quantity_mode == 'per_unit' else 1)
            product = line.product
            values.append({
                    'quote': quote.id,
                    'sequence': line.sequence,
                    'kind': line.kind,
                    'product': product.id if product else None,
                    'description': line.description,
                    'quantity': round(qty, 2),
                    'unit': line.unit.id,
                    'unit_price': (line.unit_price if line.unit_price
                        is not None else product.list_price_used),
                    'unit_cost': (product.cost_price or Decimal(0))
                    if product else (line.unit_cost or Decimal(0)),
                    'template_line': line.id,
                    })
        return values


class QuoteTemplateLine(sequence_ordered(), ModelSQL, ModelView):
    "Quote Template Line"
    __name__ = 'yuexing.quote.template.line'
    template = fields.Many2One(
        'yuexing.quote.template', "Template", required=True,
        ondelete='CASCADE')
    kind = fields.Selection(LINE_KINDS, "Kind", required=True)
    product = fields.Many2One('product.product', "Product")
    description = fields.Char("Description", required=True)
    quantity_mode = fields.Selection(
        QUANTITY_MODES, "Quantity Mode", required=True)
    quantity = fields.Float(
        "Quantity", digits=(16, 3), required=True,
        domain=[('quantity', '>', 0)],
        help="Fixed quantity, or quantity per m² (or m) of the order.")
    unit = fields.Many2One('product.uom', "Unit", required=True)
    unit_price = fields.Numeric(
        "Unit Price", digits=(16, 2),
        help="Empty: the product's list price when the quote is made.")
    unit_cost = fields.Numeric(
        "Unit Cost", digits=(16, 2),
        help="For lines without a product.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')

    @classmethod
    def default_kind(cls):
        return 'material'

    @classmethod
    def default_quantity_mode(cls):
        return 'fixed'

    @fields.depends('product', 'description', 'unit')
    def on_change_product(self):
        if self.product:
            self.description = self.product.rec_name
            self.unit = self.product.default_uom
