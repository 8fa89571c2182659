"""报价对比: two versions of an order's quote side by side."""
from decimal import Decimal

from trytond.model import ModelView, fields
from trytond.pyson import Eval
from trytond.wizard import Button, StateView, Wizard


class CompareStart(ModelView):
    "Compare Quote Versions"
    __name__ = 'yuexing.quote.compare.start'
    work_order = fields.Many2One(
        'yuexing.work_order', "Work Order", readonly=True)
    first = fields.Many2One(
        'yuexing.quote', "Version", required=True,
        domain=[('work_order', '=', Eval('work_order', -1))])
    second = fields.Many2One(
        'yuexing.quote', "Compared With", required=True,
        domain=[('work_order', '=', Eval('work_order', -1)),
            ('id', '!=', Eval('first', -1))])


class CompareResult(ModelView):
    "Quote Comparison"
    __name__ = 'yuexing.quote.compare.result'
    first = fields.Many2One('yuexing.quote', "Version", readonly=True)
    second = fields.Many2One('yuexing.quote', "Compared With", readonly=True)
    lines = fields.One2Many(
        'yuexing.quote.compare.line', None, "Lines", readonly=True)
    first_total = fields.Numeric("Total", digits=(16, 2), readonly=True)
    second_total = fields.Numeric(
        "Compared Total", digits=(16, 2), readonly=True)
    difference = fields.Numeric("Difference", digits=(16, 2), readonly=True)
    first_margin_rate = fields.Numeric(
        "Margin Rate", digits=(5, 4), readonly=True)
    second_margin_rate = fields.Numeric(
        "Compared Margin Rate", digits=(5, 4), readonly=True)


class CompareLine(ModelView):
    "Quote Comparison Line"
    __name__ = 'yuexing.quote.compare.line'
    description = fields.Char("Description")
    change = fields.Selection([
            ('same', "Unchanged"),
            ('changed', "Changed"),
            ('added', "Added"),
            ('removed', "Removed"),
            ], "Change")
    first_quantity = fields.Float("Quantity", digits=(16, 2))
    first_amount = fields.Numeric("Amount", digits=(16, 2))
    second_quantity = fields.Float("Compared Quantity", digits=(16, 2))
    second_amount = fields.Numeric("Compared Amount", digits=(16, 2))
    difference = fields.Numeric("Difference", digits=(16, 2))


class Compare(Wizard):
    "Compare Quote Versions"
    __name__ = 'yuexing.quote.compare'
    start = StateView('yuexing.quote.compare.start',
        'yuexing_workorder.quote_compare_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compare", 'result', 'tryton-ok', default=True),
            ])
    result = StateView('yuexing.quote.compare.result',
        'yuexing_workorder.quote_compare_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        quote = self.record
        others = [q for q in quote.work_order.quotes if q != quote]
        previous = max(others, key=lambda q: q.version) if others else None
        return {
            'work_order': quote.work_order.id,
            'first': quote.id,
            'second': previous.id if previous else None,
            }

    @staticmethod
    def compare(first, second):
        "Line differences of two quotes, keyed by product or description."
        def key(line):
            return (line.product.id if line.product else None,
                line.description)
        first_lines = {key(l): l for l in first.lines}
        second_lines = {key(l): l for l in second.lines}
        rows = []
        for k in list(first_lines) + [
                k for k in second_lines if k not in first_lines]:
            a, b = first_lines.get(k), second_lines.get(k)
            amount_a = a.amount if a else Decimal(0)
            amount_b = b.amount if b else Decimal(0)
            if a and b:
                change = ('same' if (a.quantity, a.unit_price)
                    == (b.quantity, b.unit_price) else 'changed')
            else:
                change = 'removed' if a else 'added'
            rows.append({
                    'description': (a or b).description,
                    'change': change,
                    'first_quantity': a.quantity if a else None,
                    'first_amount': amount_a if a else None,
                    'second_quantity': b.quantity if b else None,
                    'second_amount': amount_b if b else None,
                    'difference': amount_a - amount_b,
                    })
        return rows

    def default_result(self, fields):
        first, second = self.start.first, self.start.second
        return {
            'first': first.id,
            'second': second.id,
            'lines': self.compare(first, second),
            'first_total': first.total_amount,
            'second_total': second.total_amount,
            'difference': first.total_amount - second.total_amount,
            'first_margin_rate': first.margin_rate,
            'second_margin_rate': second.margin_rate,
            }
