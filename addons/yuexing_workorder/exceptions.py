from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class WorkOrderError(ValidationError):
    pass


class GrabConflict(UserError):
    "The order was taken by someone else (HTTP 409 on the API)."


class DispatchError(UserError):
    pass


class ScheduleConflict(UserError):
    pass


class QuoteError(UserError):
    pass


class ConstructionError(UserError):
    pass


class ImportRowError(UserError):
    pass


class QuoteMarginWarning(UserWarning):
    pass
