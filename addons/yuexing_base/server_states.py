"""Read-only fields hold on every path, not only in the forms.

Tryton's clients honour ``readonly`` and ``states['readonly']`` but the
server accepts any value a client sends through JSON-RPC ``write`` or
``create`` (and ``import_data``): a construction step's ``started_at``
could be back-dated to skip the 48 h closed-water test. ``ServerStates``
refuses those values whenever the call is a client's: the transaction
checks access (``Transaction().check_access``, set by the RPC layer and
by the API for the token's user). Server code writes such fields freely:
buttons run without access checks (``ModelView.button``), crons and the
queue as root, and the API handlers that set system fields do so in
``without_check_access()``.

On write a field is refused when it is ``readonly`` or when its
``states['readonly']`` evaluates True on the record as it is before the
write (what the form showed). On create only the static ``readonly``
fields are refused, and only with a value other than their default
(Tryton's clients send the defaults of new records, never readonly
fields); the states of a new record are its initial ones.
"""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.model.modelstorage import _record_eval_pyson
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction

from .workflow import field_label

_encoder = PYSONEncoder()


class ReadonlyFieldError(ValidationError):
    "A client sent a value for a field it may not change."

    def __init__(self, message, field):
        super().__init__(message)
        # read by api.errors.from_exception to name the field
        self.domain = ([], {field: None})


class ServerStates:
    "Mixin for ModelStorage: refuse clients' values for read-only fields."
    __slots__ = ()

    # fields a client may still send although readonly (override)
    _client_writable = set()

    @classmethod
    def _client_readonly(cls, name):
        "None when a client may write the field, else 'always' or 'state'."
        field = cls._fields.get(name)
        if field is None or name in cls._client_writable:
            return None
        if isinstance(field, fields.Function) and not field.setter:
            return None
        if field.readonly:
            return 'always'
        if field.states and 'readonly' in field.states:
            return 'state'
        return None

    @classmethod
    def _refuse(cls, name, record=None, state=False):
        message = ('yuexing_base.msg_field_readonly_state' if state
            else 'yuexing_base.msg_field_readonly')
        raise ReadonlyFieldError(gettext(message,
                field=field_label(cls, name),
                record=record.rec_name if record else cls.__names__()[
                    'model']), name)

    @classmethod
    def check_client_write(cls, records, values):
        for name in values:
            kind = cls._client_readonly(name)
            if kind == 'always':
                cls._refuse(name, records[0] if records else None)
            elif kind == 'state':
                readonly = cls._fields[name].states['readonly']
                if not isinstance(readonly, bool):
                    readonly = _encoder.encode(readonly)
                for record in records:
                    if (readonly if isinstance(readonly, bool)
                            else _record_eval_pyson(
                                record, readonly, encoded=True)):
                        cls._refuse(name, record, state=True)

    @classmethod
    def check_client_create(cls, vlist):
        defaults = {}
        for values in vlist:
            for name, value in values.items():
                if cls._client_readonly(name) != 'always':
                    continue
                if name not in defaults:
                    defaults[name] = cls.default_get(
                        [name], with_rec_name=False).get(name)
                if value in (None, False, [], ''):
                    continue
                if value != defaults[name]:
                    cls._refuse(name)

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        # The check wraps create and write of the final class of the pool,
        # outside every override: it sees what the client sent, not the
        # numbers and system fields the overrides fill in. Nested calls on
        # the same model (an override writing its own system fields) are
        # server code and are not checked again.
        if cls.__dict__.get('_server_states_wrapped'):
            return
        cls._server_states_wrapped = True
        # Each module's fill builds a new final class on top of the former
        # one, which got its wrappers too: the wrappers call the next class
        # of the MRO bound to the real class (never a captured method bound
        # to a former final class, which lacks the later modules' fields);
        # the inner ones see the model already checked and pass through.
        final = cls

        def checked(model):
            context = Transaction().context
            return (Transaction().check_access
                and model.__name__ not in context.get(
                    '_server_states_checked', ()))

        def inside(model):
            context = Transaction().context
            return Transaction().set_context(_server_states_checked=(
                    *context.get('_server_states_checked', ()),
                    model.__name__))

        def create_checked(model, vlist):
            create = super(final, model).create
            if not checked(model):
                return create(vlist)
            model.check_client_create(vlist)
            with inside(model):
                return create(vlist)

        def write_checked(model, *args):
            write = super(final, model).write
            if not checked(model):
                return write(*args)
            actions = iter(args)
            for records, values in zip(actions, actions, strict=True):
                model.check_client_write(records, values)
            with inside(model):
                return write(*args)

        cls.create = classmethod(create_checked)
        cls.write = classmethod(write_checked)
