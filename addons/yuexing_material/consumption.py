"""消耗: what a technician records on site is a stock move from their van
(or the warehouse when the order has no van) to the consumption location,
done at once; its cost price (moving average) is the line's unit cost, so
the order's cost lines and the NC voucher carry the stock value."""
from decimal import Decimal

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .location import company_today


class MaterialLine(metaclass=PoolMeta):
    __name__ = 'yuexing.work_order.material'

    move = fields.Many2One(
        'stock.move', "Stock Move", readonly=True, ondelete='RESTRICT')
    location = fields.Function(
        fields.Many2One('stock.location', "Taken From"), 'get_location')

    def get_location(self, name):
        if self.move:
            return self.move.from_location.id

    @classmethod
    def create(cls, vlist):
        lines = super().create(vlist)
        cls.book_moves([l for l in lines if not l.move
                and l.product.type == 'goods'])
        return lines

    @classmethod
    def book_moves(cls, lines):
        """Take the materials out of the van of the line's technician (the
        order's otherwise, the warehouse without a van) at their average
        cost; refuse what the van does not hold."""
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Configuration = pool.get('yuexing.configuration')
        if not lines:
            return
        warehouse, _, consumption = Configuration.material_locations()
        moves = []
        for line in lines:
            technician = line.technician or line.work_order.technician
            source = (technician.van_location if technician
                and technician.van_location else warehouse)
            template = line.product.template
            moves.append(Move(
                    product=line.product,
                    quantity=line.product.default_uom.round(
                        template.quantity_in_default_unit(
                            line.quantity, line.unit)),
                    unit=line.product.default_uom,
                    from_location=source,
                    to_location=consumption,
                    company=line.work_order.company,
                    effective_date=min(line.date, company_today()),
                    origin=line,
                    ))
        Move.value_at_cost(moves)
        with without_check_access():
            Move.save(moves)
            Location.check_stock(moves)
            Move.do(moves)
        cls.link_moves(lines, moves)

    @classmethod
    def link_moves(cls, lines, moves):
        "The line's unit cost is the move's value over the line's quantity."
        to_write = []
        for line, move in zip(lines, moves, strict=True):
            value = (move.cost_price or Decimal(0)) * Decimal(
                str(move.quantity))
            unit_cost = (value / Decimal(str(line.quantity))
                if line.quantity else Decimal(0))
            to_write.extend(([line], {
                        'move': move.id,
                        'unit_cost': unit_cost.quantize(Decimal('0.01')),
                        }))
        if to_write:
            with without_check_access():
                super().write(*to_write)

    @classmethod
    def delete(cls, lines):
        "Deleting a used material puts it back where it was taken from."
        Move = Pool().get('stock.move')
        reverse = []
        for line in lines:
            move = line.move
            if move and move.state == 'done':
                reverse.append(Move(
                        product=move.product, quantity=move.quantity,
                        unit=move.unit, from_location=move.to_location,
                        to_location=move.from_location, company=move.company,
                        effective_date=company_today(),
                        cost_price=move.cost_price,
                        unit_price=move.unit_price, currency=move.currency))
        with without_check_access():
            super().write(lines, {'move': None})
            super().delete(lines)
            if reverse:
                Move.save(reverse)
                Move.do(reverse)


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def value_at_cost(cls, moves):
        """Materials used on orders leave at cost: Tryton asks a price of
        every move to a customer location, ours is the cost price."""
        for move in moves:
            if move.to_location.type == 'customer' \
                    and move.from_location.type == 'storage':
                move.unit_price = move.product.cost_price or Decimal(0)
                move.currency = move.company.currency

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + [
            'yuexing.work_order.material',
            'yuexing.material.requisition.line',
            ]
