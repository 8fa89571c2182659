from trytond.exceptions import UserError


class MaterialError(UserError):
    pass


class StockShortage(UserError):
    "Not enough stock where it is taken from."
