"""Excel exports as Tryton reports: the client's print button downloads an
xlsx of the selected records (lists, summaries, payslips...)."""
import datetime as dt
import io
from decimal import Decimal

from trytond.model import fields as model_fields
from trytond.report import Report


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo:
        return value.replace(tzinfo=None)
    if hasattr(value, 'rec_name'):
        return value.rec_name
    if isinstance(value, (list, tuple)):
        return '、'.join(str(_cell(v)) for v in value)
    return value


def workbook(sheets):
    """Bytes of an xlsx with one sheet per (title, headers, rows)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill('solid', fgColor='DDEBF0')
            cell.alignment = Alignment(horizontal='center')
        widths = [len(str(h)) * 2 + 2 for h in headers]
        for row in rows:
            row = [_cell(v) for v in row]
            sheet.append(row)
            for index, value in enumerate(row):
                width = len(str(value if value is not None else '')) * 2
                widths[index] = min(max(widths[index], width + 2), 60)
        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = 'A2'
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


class XlsxReport(Report):
    """Subclasses set `columns` (field names of the model) or override
    `sheets(records, data)`; the file name is the action's name."""
    columns = ()

    @classmethod
    def _execute(cls, records, header, data, action):
        # Tryton's execute() checks access and names the file; only the
        # rendering differs from a template report.
        return 'xlsx', workbook(cls.sheets(records, data))

    @classmethod
    def sheets(cls, records, data):
        if not records:
            return [('Sheet1', [], [])]
        Model = records[0].__class__
        return [(Model.__names__()['model'],
                cls.headers(Model, cls.columns),
                [[cls.value(r, c) for c in cls.columns] for r in records])]

    @staticmethod
    def headers(Model, names):
        descriptions = Model.fields_get(list(names))
        return [descriptions[n]['string'] for n in names]

    @staticmethod
    def value(record, name):
        "The displayed value of a field (selection labels translated)."
        field = record._fields[name]
        value = getattr(record, name)
        if isinstance(field, model_fields.Selection) and not isinstance(
                field, model_fields.MultiSelection):
            selection = record.fields_get([name])[name]['selection']
            if isinstance(selection, (list, tuple)):
                return dict(selection).get(value, value)
        return value
