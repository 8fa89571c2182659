"""审批意见: approve or reject the selected to-dos (one or many) with a
comment, from 我的待办 in the back office."""
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard


class DecideStart(ModelView):
    "Approval Decision"
    __name__ = 'yuexing.approval.decide.start'
    count = fields.Integer("To-Dos", readonly=True)
    comment = fields.Text("Comment")


class Decide(Wizard):
    "Decide Approvals"
    __name__ = 'yuexing.approval.decide'
    start = StateView('yuexing.approval.decide.start',
        'yuexing_approval.decide_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reject", 'reject', 'tryton-cancel'),
            Button("Approve", 'approve', 'tryton-ok', default=True),
            ])
    approve = StateTransition()
    reject = StateTransition()

    def default_start(self, fields):
        return {'count': len(self.records)}

    def _decide(self, decision):
        pool = Pool()
        Request = pool.get('yuexing.approval.request')
        Task = pool.get('yuexing.approval.task')
        # Only the user's own to-dos (the record rules ran on the ids).
        tasks = Task.search([
                ('id', 'in', [r.id for r in self.records]),
                ('state', '=', 'pending'),
                ])
        with without_check_access():
            Request.decide(tasks, decision, comment=self.start.comment)

    def transition_approve(self):
        self._decide('approved')
        return 'end'

    def transition_reject(self):
        self._decide('rejected')
        return 'end'

    def end(self):
        return 'reload'


