from trytond.pool import Pool, PoolMeta


class ActWindow(metaclass=PoolMeta):
    __name__ = 'ir.action.act_window'

    def get_domains(self, name):
        # Tryton's project module puts its work statuses as the tabs of
        # every project.work window; ours show the tabs they declare.
        domains = super().get_domains(name)
        if self.res_model == 'project.work':
            ModelData = Pool().get('ir.model.data')
            ours = {ModelData.get_id('yuexing_project', xml_id)
                for xml_id in ['act_project', 'act_task']}
            if self.id in ours:
                domains = [(d.name, d.domain or '[]', d.count)
                    for d in self.act_window_domains]
        return domains
