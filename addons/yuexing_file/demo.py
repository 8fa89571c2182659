"""Demo documents: drawings with two versions, a contract (encrypted), a
case and site photos, shared with a park by link and to its portal."""
import datetime as dt

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Demo(metaclass=PoolMeta):
    __name__ = 'yuexing.demo'

    @classmethod
    def steps(cls):
        return super().steps() + [
            ('demo_file_library', "文档库（图纸、合同、案例、照片）"),
            ]

    @classmethod
    def demo_file_library(cls, ctx):
        from . import samples
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        Category = pool.get('yuexing.file.category')
        Tag = pool.get('yuexing.file.tag')
        Share = pool.get('yuexing.file.share')
        if Document.search([], limit=1):
            return
        tags = {t.name: t for t in Tag.create([{'name': n} for n in [
                        '屋面', '外墙', '卫生间', '地下室', 'SBS卷材',
                        '闭水试验', '维保合同']])}
        by_code = {c.code: c for c in Category.search([])}

        def document(name, code, tag_names, versions):
            record, = Document.create([{'name': name,
                        'category': by_code[code].id,
                        'tags': [('add', [tags[t].id for t in tag_names])]}])
            for file_name, data, note in versions:
                Document.add_version(record, file_name, data, note=note)
            return record

        # uploaded by the project manager (创建人), not by the superuser
        users = ctx.records.get('users') or {}
        uploader = users.get('xiangmu')
        transaction = Transaction()
        with transaction.set_user(uploader.id if uploader else 0), \
                transaction.set_context(_check_access=False):
            roof = document('星河园区3号楼屋面防水施工图', 'drawing',
                ['屋面', 'SBS卷材'], [
                    ('屋面防水-v1.pdf', samples.pdf('Roof plan issue 1'),
                        '初版'),
                    ('屋面防水-v2.pdf', samples.pdf(
                            'Roof plan issue 2 SBS membrane 4mm'),
                        '改为4mm SBS卷材'),
                    ])
            document('地下室外墙防水节点图', 'drawing', ['地下室', '外墙'], [
                    ('节点图.pdf', samples.pdf('Basement wall detail'),
                        None)])
            document('星河园区年度维保合同', 'contract', ['维保合同'], [
                    ('维保合同.pdf', samples.pdf('Maintenance contract'),
                        '已盖章')])
            document('卫生间渗漏返修案例', 'case', ['卫生间', '闭水试验'], [
                    ('案例.docx', samples.docx(
                            '卫生间地漏周边渗漏，重做防水层后闭水试验48小时'
                            '无渗漏。'), None)])
            colors = [(180, 60, 40), (60, 140, 80), (40, 90, 170),
                (200, 170, 40)]
            for index, color in enumerate(colors, 1):
                document(f'屋面施工照片 {index}', 'site_photo', ['屋面'], [
                        (f'照片{index}.jpg', samples.jpeg(color, (320, 240)),
                            None)])
            parks = ctx.records.get('enterprises') or []
            shares = [{'document': roof.id, 'kind': 'link',
                    'expires': dt.datetime.now() + dt.timedelta(days=7)}]
            if parks:
                shares.append({'document': roof.id, 'kind': 'company',
                        'party': parks[0].id,
                        'expires': dt.datetime.now() + dt.timedelta(days=30)})
            Share.create(shares)
