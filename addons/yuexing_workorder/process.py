"""标准施工工艺: process templates per leak site, each step with the photos
to take, its quality checklist and the minimum time it needs
(闭水试验 48 h)."""
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    fields,
    sequence_ordered,
)
from trytond.pyson import Eval

from .work_order import LEAK_SITES


class ProcessTemplate(DeactivableMixin, ModelSQL, ModelView):
    "Construction Process"
    __name__ = 'yuexing.process.template'
    name = fields.Char("Name", required=True, translate=True)
    leak_site = fields.Selection(
        [(None, "Any")] + LEAK_SITES, "Leak Site", sort=False,
        help="The process laid out for orders of this leak site.")
    steps = fields.One2Many(
        'yuexing.process.step', 'template', "Steps")

    @classmethod
    def for_leak_site(cls, leak_site):
        "The process of a leak site (or the generic one)."
        templates = cls.search([('leak_site', '=', leak_site)], limit=1)
        if not templates:
            templates = cls.search([('leak_site', '=', None)], limit=1)
        return templates[0] if templates else None


class ProcessStep(sequence_ordered(), ModelSQL, ModelView):
    "Construction Process Step"
    __name__ = 'yuexing.process.step'
    template = fields.Many2One(
        'yuexing.process.template', "Process", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    instructions = fields.Text("Instructions", translate=True)
    required_photos = fields.Integer(
        "Required Photos", required=True,
        domain=[('required_photos', '>=', 0)])
    min_hours = fields.Float(
        "Minimum Duration (h)", digits=(6, 1),
        domain=['OR', ('min_hours', '=', None), ('min_hours', '>=', 0)],
        help="The step cannot be completed earlier (e.g. 48 h for the "
        "water-tightness test).")
    checks = fields.One2Many(
        'yuexing.process.check', 'step', "Checklist")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')

    @classmethod
    def default_required_photos(cls):
        return 2


class ProcessCheck(sequence_ordered(), ModelSQL, ModelView):
    "Quality Check Item"
    __name__ = 'yuexing.process.check'
    step = fields.Many2One(
        'yuexing.process.step', "Step", required=True, ondelete='CASCADE')
    name = fields.Char("Check", required=True, translate=True)
    mandatory = fields.Boolean(
        "Must Pass", help="The step cannot be completed unless it passes.")
    standard = fields.Char(
        "Standard", translate=True,
        states={'invisible': ~Eval('name')},
        help="Reference of the norm, e.g. GB 50207 屋面工程质量验收规范.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('step')

    @classmethod
    def default_mandatory(cls):
        return True
