from trytond.exceptions import UserError, UserWarning


class MaterialError(UserError):
    pass


class StockShortage(UserError):
    "Not enough stock where it is taken from."


class NegativeVanStockWarning(UserWarning):
    pass
