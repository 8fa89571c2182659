from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class ProjectError(UserError):
    pass


class ScheduleError(ValidationError):
    "The task graph or the dates cannot make a schedule."


class ResourceConflict(UserWarning):
    "A technician or a machine is booked twice (the user may go on)."
