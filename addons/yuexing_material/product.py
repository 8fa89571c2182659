"""The material master (物料编码/分类) on Tryton's products: a code made of
the category's prefix and its sequence (unique, never reused), the
specification (规格型号), conversions between units of different kinds
(卷 ↔ ㎡, 桶 ↔ kg) and the safety stock of the central warehouse."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import MaterialError


class Category(metaclass=PoolMeta):
    __name__ = 'product.category'

    code_prefix = fields.Char(
        "Code Prefix", strip=True,
        help="New materials of this category are coded with this prefix "
        "and the category's sequence (e.g. JC-0001).")
    code_sequence = fields.Many2One(
        'ir.sequence', "Code Sequence", readonly=True,
        help="Numbers already given are never given again.")

    @classmethod
    def validate_fields(cls, categories, field_names):
        super().validate_fields(categories, field_names)
        if 'code_prefix' in field_names:
            for category in categories:
                prefix = category.code_prefix
                if prefix and not prefix.replace('-', '').isalnum():
                    raise MaterialError(gettext(
                            'yuexing_material.msg_code_prefix_invalid',
                            prefix=prefix))

    def next_code(self):
        "The next material code of the category (its sequence is made once)."
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        SequenceType = pool.get('ir.sequence.type')
        ModelData = pool.get('ir.model.data')
        if not self.code_sequence:
            type_ = SequenceType(ModelData.get_id(
                    'yuexing_material', 'sequence_type_material_code'))
            sequence, = Sequence.create([{
                        'name': self.code_prefix,
                        'sequence_type': type_.id,
                        'prefix': f'{self.code_prefix}-',
                        'padding': 4,
                        }])
            self.__class__.write([self], {'code_sequence': sequence.id})
            self.code_sequence = sequence
        return self.code_sequence.get()


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    specification = fields.Char(
        "Specification", strip=True,
        help="规格型号: thickness, type, package (e.g. 3mm PY Ⅱ型 10㎡/卷).")
    unit_conversions = fields.One2Many(
        'yuexing.material.unit_conversion', 'template', "Unit Conversions",
        help="Units of another kind a quantity may be given in "
        "(1 ㎡ = 0.1 卷).")

    @classmethod
    def preprocess_values(cls, mode, values):
        "A goods material without a code gets the next of its category."
        Category = Pool().get('product.category')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('type', 'goods') == 'goods':
            # 移动加权平均: how Yonyou NC values the stock it books
            values.setdefault('cost_price_method', 'average')
        if (mode == 'create' and not values.get('code')
                and values.get('type', 'goods') == 'goods'):
            for action in values.get('categories') or []:
                if action[0] in {'add', 'set'}:
                    for category in Category.browse(action[1]):
                        if category.code_prefix:
                            values['code'] = category.next_code()
                            return values
        if mode == 'create' and values.get('code'):
            Pool().get('product.product').check_code_free([values['code']])
        return values

    @classmethod
    def write(cls, *args):
        Product = Pool().get('product.product')
        actions = iter(args)
        for templates, values in zip(actions, actions, strict=True):
            if values.get('code'):
                Product.check_code_free([values['code']], templates)
        super().write(*args)

    def quantity_in_default_unit(self, quantity, unit):
        """quantity in unit converted to the default unit: through Tryton's
        conversion in the same kind of unit, else a unit conversion."""
        Uom = Pool().get('product.uom')
        if unit == self.default_uom:
            return quantity
        if unit.category == self.default_uom.category:
            return Uom.compute_qty(unit, quantity, self.default_uom,
                round=False)
        for conversion in self.unit_conversions:
            if conversion.unit == unit:
                return quantity * conversion.factor
        raise MaterialError(gettext(
                'yuexing_material.msg_unit_unknown',
                unit=unit.rec_name, material=self.rec_name))

    @classmethod
    def units_of(cls, templates):
        """{template: [units a quantity of it may be given in]}: the units
        of its unit's kind (one search for all) and its conversions."""
        Uom = Pool().get('product.uom')
        kinds = {t.default_uom.category.id for t in templates}
        by_kind = {}
        for unit in Uom.search([('category', 'in', list(kinds))]):
            by_kind.setdefault(unit.category.id, []).append(unit)
        return {t: by_kind.get(t.default_uom.category.id, [])
            + [c.unit for c in t.unit_conversions] for t in templates}


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def check_code_free(cls, codes, templates=()):
        """A material code is unique, inactive materials included (Tryton
        only refuses it among active ones, without naming it)."""
        codes = {c for c in codes if c}
        if not codes:
            return
        domain = [('code', 'in', list(codes))]
        if templates:
            domain.append(('template', 'not in', [t.id for t in templates]))
        with Transaction().set_context(active_test=False):
            used = cls.search(domain, limit=1)
        if used:
            raise MaterialError(gettext(
                    'yuexing_material.msg_code_duplicate',
                    code=used[0].code))


class UnitConversion(ModelSQL, ModelView):
    "Material Unit Conversion"
    __name__ = 'yuexing.material.unit_conversion'
    template = fields.Many2One(
        'product.template', "Material", required=True, ondelete='CASCADE')
    unit = fields.Many2One(
        'product.uom', "Unit", required=True,
        help="A unit of another kind than the material's unit.")
    factor = fields.Float(
        "Factor", required=True, digits=(16, 6),
        domain=[('factor', '>', 0)],
        help="1 of this unit is this many of the material's unit.")
    default_unit = fields.Function(
        fields.Many2One('product.uom', "Material Unit"),
        'on_change_with_default_unit')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')
        t = cls.__table__()
        cls._sql_constraints += [
            ('template_unit_unique', Unique(t, t.template, t.unit),
                'yuexing_material.msg_unit_conversion_unique'),
            ]
        cls.unit.domain = [
            ('category', '!=', Eval('default_unit_category', -1))]

    default_unit_category = fields.Function(
        fields.Many2One('product.uom.category', "Material Unit Kind"),
        'on_change_with_default_unit_category')

    @fields.depends('template', '_parent_template.default_uom')
    def on_change_with_default_unit(self, name=None):
        if self.template and self.template.default_uom:
            return self.template.default_uom

    @fields.depends('template', '_parent_template.default_uom')
    def on_change_with_default_unit_category(self, name=None):
        if self.template and self.template.default_uom:
            return self.template.default_uom.category
