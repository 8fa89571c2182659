"""Sharing a document: to a user, a role or a B端 company, and by an
expiring link (a signed token URL anyone holding it may open until it
expires or is revoked). Expired shares are deactivated by a cron."""
import datetime as dt
import hmac
import secrets

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.yuexing_base.audit import AuditMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

KINDS = [
    ('user', "User"),
    ('group', "Role"),
    ('company', "B2B Company"),
    ('link', "Link"),
    ]


class Share(AuditMixin, DeactivableMixin, ModelSQL, ModelView):
    "Document Share"
    __name__ = 'yuexing.file.share'

    document = fields.Many2One('yuexing.file.document', "Document",
        required=True, ondelete='CASCADE')
    kind = fields.Selection(KINDS, "Shared With", required=True)
    user = fields.Many2One('res.user', "User", ondelete='CASCADE',
        states={'invisible': Eval('kind') != 'user',
            'required': Eval('kind') == 'user'})
    group = fields.Many2One('res.group', "Role", ondelete='CASCADE',
        states={'invisible': Eval('kind') != 'group',
            'required': Eval('kind') == 'group'})
    party = fields.Many2One('party.party', "Company", ondelete='CASCADE',
        states={'invisible': Eval('kind') != 'company',
            'required': Eval('kind') == 'company'},
        help="The B端 customer whose portal users may download it.")
    expires = fields.DateTime("Expires",
        states={'required': Eval('kind') == 'link'},
        help="Empty: until revoked (not for links).")
    nonce = fields.Char("Nonce", readonly=True)
    url = fields.Function(fields.Char("Link"), 'get_url')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('document')
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'revoke': {'invisible': ~Eval('active', True),
                    'depends': ['active']},
                })

    @staticmethod
    def default_kind():
        return 'link'

    @classmethod
    def default_expires(cls):
        return dt.datetime.now().replace(microsecond=0) + dt.timedelta(
            days=7)

    @classmethod
    def validate_fields(cls, shares, field_names):
        super().validate_fields(shares, field_names)
        now = dt.datetime.now()
        for share in shares:
            if share.kind == 'link' and share.expires and (
                    share.expires <= now) and share.active:
                raise ValidationError(gettext(
                        'yuexing_file.msg_share_expires_past'))
            if share.kind == 'company' and share.party and not (
                    _is_b2b(share.party)):
                raise ValidationError(gettext(
                        'yuexing_file.msg_share_not_b2b',
                        party=share.party.rec_name))

    @classmethod
    def create(cls, vlist):
        Document = Pool().get('yuexing.file.document')
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            values['nonce'] = secrets.token_hex(16)
        Document.check_manage(Document.browse(
                {v['document'] for v in vlist if v.get('document')}))
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        Document = Pool().get('yuexing.file.document')
        actions = iter(args)
        for shares, values in zip(actions, actions, strict=True):
            Document.check_manage({s.document for s in shares})
            if 'nonce' in values:
                del values['nonce']
        super().write(*args)

    @classmethod
    @ModelView.button
    def revoke(cls, shares):
        Document = Pool().get('yuexing.file.document')
        Document.check_manage({s.document for s in shares})
        cls.write(shares, {'active': False})

    # ---- the signed link ---------------------------------------------------
    def _signature(self, expires):
        from trytond.modules.yuexing_base import crypto
        return crypto.blind_index(self._message(expires))

    def _message(self, expires):
        return f'yuexing.file.share:{self.id}:{expires}:{self.nonce}'

    @property
    def token(self):
        if self.kind != 'link' or not self.expires:
            return None
        expires = int(self.expires.replace(tzinfo=dt.UTC).timestamp())
        return f'{self.id}.{expires}.{self._signature(expires)}'

    def get_url(self, name):
        token = self.token
        if not token:
            return None
        # absolute: the link is pasted into a chat or an e-mail
        base = config.get('yuexing', 'base_url',
            default='http://127.0.0.1:8000').rstrip('/')
        database = Transaction().database.name
        return f'{base}/{database}/api/v1/files/shared/{token}'

    @classmethod
    def from_token(cls, token):
        """The active link share of a signed token, or None (bad signature,
        expired, revoked)."""
        from trytond.modules.yuexing_base import crypto
        try:
            share_id, expires, signature = token.split('.')
            share_id, expires = int(share_id), int(expires)
        except ValueError:
            return None
        if not (0 < share_id < 2 ** 31):
            return None
        with without_check_access():
            shares = cls.search([('id', '=', share_id),
                    ('kind', '=', 'link')])
            if not shares:
                return None
            share, = shares
            expected = share._message(expires)
            if not any(hmac.compare_digest(signature, digest)
                    for digest in crypto.blind_indexes(expected)):
                return None
            if not share.expires or int(share.expires.replace(
                        tzinfo=dt.UTC).timestamp()) != expires:
                return None
            if share.expires <= dt.datetime.now():
                return None
        return share

    @classmethod
    def deactivate_expired(cls):
        "Cron: expired shares stop granting access."
        shares = cls.search([('expires', '<=', dt.datetime.now())])
        with without_check_access():
            super().write(shares, {'active': False})


def _is_b2b(party):
    "A B端 customer: an enterprise or park (customer type)."
    return party.customer_type == 'enterprise'
