"""甘特图: the project's schedule drawn as SVG in a printable report (A4
landscape PDF): planned bars with their progress, the actual dates as a
thin bar under them, milestones as diamonds, the links between tasks,
the critical path in red and today's line. The portal draws the same
data (Work.gantt_data) itself."""
import datetime as dt
from html import escape

from genshi.core import Markup

from trytond.modules.yuexing_base.company_date import company_today
from trytond.report import Report

ROW = 26
LABEL = 210
WIDTH = 1060
HEAD = 44


def gantt_svg(data, today=None):
    "The SVG of the chart for gantt_data (dates as datetime.date)."
    tasks = [t for t in data['tasks'] if t['start'] and t['end']]
    today = today or company_today()
    if not tasks:
        return Markup('<p>尚未排程</p>')
    first = min(min(t['start'] for t in tasks), today)
    last = max(max(t['end'] for t in tasks), today)
    for task in tasks:
        if task['actual_end']:
            last = max(last, task['actual_end'])
    days = (last - first).days + 1
    scale = (WIDTH - LABEL - 10) / days

    def x(date):
        return LABEL + (date - first).days * scale

    height = HEAD + ROW * len(tasks) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="Noto Sans CJK SC, sans-serif" font-size="11">']
    # months and weeks
    day = first
    while day <= last:
        if day.day == 1 or day == first:
            out.append(f'<text x="{x(day) + 2:.1f}" y="14" fill="#333">'
                f'{day.year}年{day.month}月</text>')
            out.append(f'<line x1="{x(day):.1f}" y1="0" x2="{x(day):.1f}" '
                f'y2="{height}" stroke="#bbb"/>')
        if day.weekday() == 0:
            out.append(f'<line x1="{x(day):.1f}" y1="{HEAD - 14}" '
                f'x2="{x(day):.1f}" y2="{height}" stroke="#eee"/>')
            out.append(f'<text x="{x(day) + 2:.1f}" y="{HEAD - 4}" '
                f'fill="#888" font-size="9">{day.day}</text>')
        day += dt.timedelta(days=1)
    rows = {}
    for index, task in enumerate(tasks):
        top = HEAD + index * ROW
        rows[task['id']] = top
        color = '#c0392b' if task['critical'] else '#1f6f8b'
        name = escape(task['name'])
        weight = ' font-weight="bold"' if task['critical'] else ''
        out.append(f'<text x="4" y="{top + 16}"{weight}>{name}</text>')
        if task['milestone']:
            cx, cy = x(task['start']), top + ROW / 2
            out.append(f'<polygon points="{cx:.1f},{cy - 7} {cx + 7:.1f},'
                f'{cy} {cx:.1f},{cy + 7} {cx - 7:.1f},{cy}" '
                f'fill="{color}"/>')
            continue
        left = x(task['start'])
        width = max((task['end'] - task['start']).days + 1, 1) * scale
        out.append(f'<rect x="{left:.1f}" y="{top + 5}" width="{width:.1f}" '
            f'height="12" rx="2" fill="{color}" fill-opacity="0.35" '
            f'stroke="{color}"/>')
        if task['progress']:
            done = width * min(task['progress'], 100) / 100
            out.append(f'<rect x="{left:.1f}" y="{top + 5}" '
                f'width="{done:.1f}" height="12" rx="2" fill="{color}"/>')
        if task['actual_start']:
            end = task['actual_end'] or today
            actual = max((end - task['actual_start']).days + 1, 1) * scale
            out.append(f'<rect x="{x(task["actual_start"]):.1f}" '
                f'y="{top + 19}" width="{actual:.1f}" height="3" '
                'fill="#555"/>')
    # links: from the end of the predecessor to the start of the task
    for task in tasks:
        for predecessor in task['dependencies']:
            if predecessor not in rows:
                continue
            source = next(t for t in tasks if t['id'] == predecessor)
            x1 = x(source['end']) + (0 if source['milestone'] else scale)
            y1 = rows[predecessor] + 11
            x2 = x(task['start'])
            y2 = rows[task['id']] + 11
            color = ('#c0392b' if source['critical'] and task['critical']
                else '#999')
            out.append(f'<path d="M{x1:.1f},{y1} H{max(x1 + 4, x2 - 4):.1f} '
                f'V{y2} H{x2:.1f}" fill="none" stroke="{color}" '
                'stroke-width="1"/>')
    out.append(f'<line x1="{x(today):.1f}" y1="{HEAD - 14}" '
        f'x2="{x(today):.1f}" y2="{height}" stroke="#e67e22" '
        'stroke-dasharray="4,3"/>')
    out.append('</svg>')
    return Markup(''.join(out))


class GanttChart(Report):
    "Gantt Chart"
    __name__ = 'yuexing.project.gantt'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['gantt_svg'] = gantt_svg
        context['today'] = company_today()
        return context
