"""Home banners and promotions of the C端 mini-program."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.model.exceptions import ValidationError
from trytond.pyson import Eval

KINDS = [('banner', "Banner"), ('promotion', "Promotion")]
AUDIENCES = [('all', "All"), ('c2c', "Residents (C)"),
    ('b2b', "Businesses (B)")]


class Banner(sequence_ordered(), ModelSQL, ModelView):
    "Home Banner"
    __name__ = 'yuexing.content.banner'

    title = fields.Char("Title", required=True)
    image = fields.Binary("Image", filename='image_name')
    image_name = fields.Char("Image Name")
    link = fields.Char("Link",
        help="A page of the mini-program (/pages/...) or a URL.")
    kind = fields.Selection(KINDS, "Kind", required=True)
    audience = fields.Selection(AUDIENCES, "Audience", required=True)
    active = fields.Boolean("Active")
    start = fields.DateTime("Start",
        domain=['OR', ('start', '=', None), ('end', '=', None),
            ('start', '<', Eval('end', None))])
    end = fields.DateTime("End")

    @classmethod
    def default_kind(cls):
        return 'banner'

    @classmethod
    def default_audience(cls):
        return 'all'

    @classmethod
    def default_active(cls):
        return True

    @classmethod
    def current_domain(cls, audiences, now=None):
        "The domain of the banners served now to these audiences."
        now = now or dt.datetime.now()
        return [
            ('active', '=', True),
            ('audience', 'in', list(audiences)),
            ['OR', ('start', '=', None), ('start', '<=', now)],
            ['OR', ('end', '=', None), ('end', '>', now)],
            ]

    @classmethod
    def validate_fields(cls, banners, field_names):
        super().validate_fields(banners, field_names)
        if field_names & {'link'}:
            for banner in banners:
                link = banner.link or ''
                if link and not link.startswith(
                        ('/', 'http://', 'https://')):
                    raise ValidationError(gettext(
                            'yuexing_content.msg_banner_link',
                            banner=banner.rec_name))
