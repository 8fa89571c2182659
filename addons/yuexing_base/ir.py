import os

import polib

from trytond.pool import Pool, PoolMeta

from .encrypted import hidden_fields


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('yuexing.customer.care|generate_reminders',
                    "Generate Customer Care Reminders"),
                ('party.party|recompute_scores',
                    "Recompute Customer Scores"),
                ('yuexing.api.token|clean', "Clean API Tokens"),
                ('yuexing.api.idempotency|clean',
                    "Clean API Idempotency Keys"),
                ('yuexing.api.rate_counter|clean',
                    "Clean API Rate Counters"),
                ('yuexing.login.counter|clean',
                    "Clean Log-in Failure Counters"),
                ('yuexing.auth.sms_code|clean',
                    "Clean SMS Verification Codes"),
                ])


class FieldAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.field.access'

    @classmethod
    def get_access(cls, models):
        """Encrypted columns and their hashes are never readable over RPC,
        whatever the access rows grant (administrators included): only
        server code reads them, through EncryptedMixin.decrypted."""
        accesses = super().get_access(models)
        pool = Pool()
        result = {}
        for model, maccesses in accesses.items():
            try:
                hidden = hidden_fields(pool.get(model))
            except KeyError:
                hidden = ()
            if hidden:
                # copies: super() caches and shares its dictionaries
                maccesses = dict(maccesses)
                for name in hidden:
                    maccesses[name] = dict(
                        maccesses.get(name, {'write': 1, 'create': 1,
                                'delete': 1}), read=0)
            result[model] = maccesses
        return result


class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        """Make our ``locale/override/*.po`` entries (msgctxt
        ``type:name:module.fs_id`` of a Tryton module's string) apply.
        trytond only rewrites an existing row whose value differs and leaves
        its fuzzy flag: a correct guess of Tryton's catalogue stays fuzzy,
        so hidden (account.group_account 会计, res.user 用户), and an entry
        the catalogue lacks (res.group_admin "Administration") makes the
        import fail. Before trytond's import, unflag the first and create
        the second (as a row of the Tryton module, re-created here when
        that module is updated, since its dependants are updated too)."""
        paths = [po_path] if isinstance(po_path, str) else po_path
        for path in paths:
            if os.path.basename(os.path.dirname(path)) == 'override':
                cls._prepare_overrides(lang, module, path)
        return super().translation_import(lang, module, po_path)

    @classmethod
    def _prepare_overrides(cls, lang, module, path):
        ModelData = Pool().get('ir.model.data')
        to_save = []
        for entry in polib.pofile(path):
            if entry.obsolete or 'fuzzy' in entry.flags or not entry.msgstr:
                continue
            new, res_id = cls.from_poentry(entry)
            if '.' not in res_id:
                continue
            target, fs_id = res_id.split('.', 1)
            if fs_id:
                datas = ModelData.search([
                        ('module', '=', target), ('fs_id', '=', fs_id)])
                if not datas:
                    continue  # trytond's import reports it
                res_id = datas[0].db_id
            else:
                res_id = -1
            domain = [
                ('name', '=', new.name),
                ('res_id', '=', res_id),
                ('lang', '=', lang),
                ('type', '=', new.type),
                ('module', '=', target),
                ]
            if new.type in {'report', 'view', 'wizard_button', 'selection'}:
                domain.append(('src', '=', new.src))
            rows = cls.search(domain)
            for row in rows:
                if row.fuzzy and row.value == new.value:
                    row.fuzzy = False
                    row.overriding_module = module
                    to_save.append(row)
            if not rows:
                new.lang, new.res_id, new.module = lang, res_id, target
                new.overriding_module = module
                to_save.append(new)
        cls.save(to_save)
