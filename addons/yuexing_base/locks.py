"""Transactions that need table or record locks, which Tryton 8 grants only
at the start of a transaction (a TransactionError asks for them)."""
from trytond.transaction import Transaction, TransactionError


def run_committed(database, user, func, context=None):
    """func() in a committed transaction on database as user; started again
    with the locks asked for while it raises TransactionError. Returns
    func's result."""
    extras = {}
    while True:
        # Transaction() at each start: the stopped one is off the stack.
        with Transaction().start(database, user, context=context,
                **extras) as transaction:
            try:
                result = func()
            except TransactionError as exception:
                transaction.rollback()
                exception.fix(extras)
                continue
            transaction.commit()
        return result
