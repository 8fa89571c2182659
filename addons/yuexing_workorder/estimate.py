"""智能估价: an instant price range from configurable rules
(leak site × area/length × severity × material grade); enterprise customers
with a contract price list get their contract price."""
from decimal import ROUND_HALF_UP, Decimal

from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pyson import Eval

from .work_order import GRADES, LEAK_SITES, SEVERITIES

UNITS = [
    ('m2', "m²"),
    ('m', "m"),
    ('item', "Item"),
    ]
CENT = Decimal('0.01')


class EstimateRule(sequence_ordered(), ModelSQL, ModelView):
    "Estimate Rule"
    __name__ = 'yuexing.estimate.rule'
    leak_site = fields.Selection(
        [(None, "Any")] + LEAK_SITES, "Leak Site", sort=False)
    severity = fields.Selection(
        [(None, "Any")] + SEVERITIES, "Severity", sort=False)
    material_grade = fields.Selection(
        [(None, "Any")] + GRADES, "Material Grade", sort=False)
    unit = fields.Selection(UNITS, "Unit", required=True)
    default_quantity = fields.Float(
        "Default Quantity", digits=(16, 1), required=True,
        domain=[('default_quantity', '>', 0)],
        help="Used when the customer gives no area or length.")
    base_fee = fields.Numeric(
        "Base Fee", digits=(16, 2), required=True,
        domain=[('base_fee', '>=', 0)])
    unit_price_min = fields.Numeric(
        "Unit Price From", digits=(16, 2), required=True,
        domain=[('unit_price_min', '>=', 0)])
    unit_price_max = fields.Numeric(
        "Unit Price To", digits=(16, 2), required=True,
        domain=[('unit_price_max', '>=', Eval('unit_price_min', 0))])
    minimum_fee = fields.Numeric(
        "Minimum Charge", digits=(16, 2), required=True,
        domain=[('minimum_fee', '>=', 0)])
    service_product = fields.Many2One(
        'product.product', "Service Item",
        domain=[('type', '=', 'service')],
        help="Priced by the enterprise customer's contract price list.")

    @classmethod
    def default_unit(cls):
        return 'm2'

    @classmethod
    def default_default_quantity(cls):
        return 10

    @classmethod
    def default_base_fee(cls):
        return Decimal('100')

    @classmethod
    def default_minimum_fee(cls):
        return Decimal('300')

    def specificity(self):
        return sum(1 for f in (self.leak_site, self.severity,
                self.material_grade) if f)

    def matches(self, order):
        return all(getattr(self, name) in (None, getattr(order, name))
            for name in ('leak_site', 'severity', 'material_grade'))

    @classmethod
    def best_rule(cls, order, rules=None):
        """The most specific matching rule (first by sequence on a tie);
        rules may be given to price many orders with one query."""
        if rules is None:
            rules = cls.search([])
        rules = [r for r in rules if r.matches(order)]
        if rules:
            return max(rules, key=lambda r: (r.specificity(), -r.sequence
                    if r.sequence is not None else 0))

    @classmethod
    def estimate(cls, order, rules=None):
        "Return (low, high) in CNY, or (None, None) when no rule applies."
        rule = cls.best_rule(order, rules)
        if not rule:
            return None, None
        quantity = Decimal(str(order.quantity or rule.default_quantity))
        contract_price = rule.contract_unit_price(order, quantity)
        if contract_price is not None:
            low = high = rule.base_fee + contract_price * quantity
        else:
            low = rule.base_fee + rule.unit_price_min * quantity
            high = rule.base_fee + rule.unit_price_max * quantity
        low = max(low, rule.minimum_fee)
        high = max(high, rule.minimum_fee)
        return (low.quantize(CENT, ROUND_HALF_UP),
            high.quantize(CENT, ROUND_HALF_UP))

    def contract_unit_price(self, order, quantity):
        price_list = getattr(order.customer, 'service_price_list', None)
        if not (price_list and self.service_product):
            return None
        product = self.service_product
        return price_list.compute(
            product, float(quantity), product.default_uom)
