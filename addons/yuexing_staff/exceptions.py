"""Errors of the staff module."""
from trytond.exceptions import UserError


class StaffError(UserError):
    pass
