"""Document categories (a tree) with their limits, encryption and
permissions, and tags."""
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    tree,
)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import content


class Category(DeactivableMixin, tree(separator=' / '), ModelSQL, ModelView):
    "File Category"
    __name__ = 'yuexing.file.category'

    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True,
        help="Stable name used by the API and the other modules.")
    parent = fields.Many2One('yuexing.file.category', "Parent",
        ondelete='RESTRICT')
    children = fields.One2Many('yuexing.file.category', 'parent',
        "Children")
    sensitive = fields.Boolean("Sensitive",
        help="Files are encrypted at rest (contracts, ID documents, "
        "payroll).")
    max_size = fields.Integer("Maximum Size (MB)", required=True,
        domain=[('max_size', '>', 0)])
    media_types = fields.Char("Allowed Types",
        help="Media types separated by commas, checked on the content "
        "(e.g. image/jpeg,application/pdf); empty: any.")
    cold_after = fields.Integer("Cold After (Months)",
        domain=['OR', ('cold_after', '=', None), ('cold_after', '>', 0)],
        help="Files older than this move to the infrequent-access "
        "storage class; empty: never.")
    reader_groups = fields.Many2Many(
        'yuexing.file.category-reader-res.group', 'category', 'group',
        "Readers", help="Roles that read the documents of the category.")
    manager_groups = fields.Many2Many(
        'yuexing.file.category-manager-res.group', 'category', 'group',
        "Managers", help="Roles that upload, edit and share the documents "
        "of the category.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(table, table.code),
                'yuexing_file.msg_category_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @staticmethod
    def default_max_size():
        return 50

    @classmethod
    def get_by_code(cls, code):
        categories = cls.search([('code', '=', code)], limit=1)
        return categories[0] if categories else None

    @property
    def allowed_types(self):
        return {t.strip() for t in (self.media_types or '').split(',')
            if t.strip()}

    def check_file(self, name, data, field=None):
        """The media type of data (by content) if the category takes it;
        ValidationError naming the file otherwise."""
        field = field or gettext('yuexing_file.msg_field_file')
        if len(data) > self.max_size * 1024 * 1024:
            raise ValidationError(gettext('yuexing_file.msg_file_too_large',
                    field=field, name=name, size=self.max_size,
                    category=self.rec_name))
        if not data:
            raise ValidationError(gettext('yuexing_file.msg_file_empty',
                    field=field, name=name))
        kind = content.media_type(data)
        allowed = self.allowed_types
        if allowed and kind not in allowed:
            raise ValidationError(gettext('yuexing_file.msg_file_type',
                    field=field, name=name, category=self.rec_name,
                    types='、'.join(sorted(allowed))))
        return kind

    def managed_by_user(self):
        "Whether the current user manages this category's documents."
        User = Pool().get('res.user')
        if Transaction().user == 0 or not Transaction().check_access:
            return True
        groups = set(User.get_groups())
        return bool(groups & {g.id for g in self.manager_groups}) or (
            _is_admin(groups))


def _is_admin(groups):
    ModelData = Pool().get('ir.model.data')
    return bool(groups & {
            ModelData.get_id('yuexing_base', 'group_system_admin'),
            ModelData.get_id('yuexing_base', 'group_management'),
            ModelData.get_id('res', 'group_admin')})


class CategoryReader(ModelSQL):
    "File Category - Reader Group"
    __name__ = 'yuexing.file.category-reader-res.group'
    category = fields.Many2One('yuexing.file.category', "Category",
        required=True, ondelete='CASCADE')
    group = fields.Many2One('res.group', "Group", required=True,
        ondelete='CASCADE')


class CategoryManager(ModelSQL):
    "File Category - Manager Group"
    __name__ = 'yuexing.file.category-manager-res.group'
    category = fields.Many2One('yuexing.file.category', "Category",
        required=True, ondelete='CASCADE')
    group = fields.Many2One('res.group', "Group", required=True,
        ondelete='CASCADE')


class Tag(ModelSQL, ModelView):
    "File Tag"
    __name__ = 'yuexing.file.tag'
    name = fields.Char("Name", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(table, table.name),
                'yuexing_file.msg_tag_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))


class DocumentTag(ModelSQL):
    "Document - Tag"
    __name__ = 'yuexing.file.document-yuexing.file.tag'
    document = fields.Many2One('yuexing.file.document', "Document",
        required=True, ondelete='CASCADE')
    tag = fields.Many2One('yuexing.file.tag', "Tag", required=True,
        ondelete='CASCADE')
