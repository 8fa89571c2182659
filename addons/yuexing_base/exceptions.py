from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class RegionError(UserError):
    pass


class PhoneNumberError(ValidationError):
    pass


class DuplicatePhoneWarning(UserWarning):
    pass


class CustomerDeleteError(UserError):
    pass


class SandboxRefused(UserError):
    pass
