"""Workflow helpers shared by the modules.

Tryton's ``Workflow.transition`` silently skips records that cannot make the
transition; a user pressing a button (or an API call) must instead be told
why nothing happened, and nothing may change.
"""
from functools import wraps

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Workflow


class IllegalTransition(UserError):
    pass


def state_label(record, state=None):
    "The translated label of a state of the record's workflow."
    cls = record.__class__
    name = cls._transition_state
    if state is None:
        state = getattr(record, name)
    selection = cls.fields_get([name])[name]['selection']
    return dict(selection).get(state, state)


def field_label(model, name):
    "The label of a field in the user's language (for error messages)."
    return model.fields_get([name])[name]['string']


def strict_transition(state):
    """Like Workflow.transition but raise IllegalTransition (in Chinese)
    when any record cannot go to state."""
    def decorator(func):
        transition = Workflow.transition(state)(func)

        @wraps(func)
        def wrapper(cls, records, *args, **kwargs):
            for record in records:
                current = getattr(record, cls._transition_state)
                if (current != state
                        and (current, state) not in cls._transitions):
                    raise IllegalTransition(gettext(
                            'yuexing_base.msg_illegal_transition',
                            record=record.rec_name,
                            current=state_label(record),
                            target=state_label(record, state)))
            return transition(cls, records, *args, **kwargs)
        return wrapper
    return decorator
