"""Errors of the warranty module (texts in message.xml)."""
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class WarrantyError(UserError):
    pass


class ComplaintError(UserError):
    pass


class SurveyError(ValidationError):
    pass
