"""Server-rendered SVG charts of a figures table (no JavaScript, no library).

A chart is never the only way to read a figure: each one names the table beside
it (`aria-describedby` on the page) and draws the same cells that table shows.
A suppressed cell ("< 5") gets no bar or point, only its label.
"""
from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 210
BAR_HEIGHT = 22
GAP = 8
INK = "#1a1a1a"
BAR = "#1f4e8c"  # 8.9:1 on white: graphical objects need 3:1 (WCAG 1.4.11)
GRID = "#6b6b6b"


def _number(value):
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _svg(chart_id, title, height, body):
    return Markup(
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>{body}</svg>'
    )


def bar_chart(chart_id, table, chart):
    """Draw one horizontal bar per row of the table for column `chart.column`."""
    rows = table.rows
    values = [row[chart.column].number for row in rows]
    top = max([v for v in values if v is not None] or [0]) or 1
    scale = (WIDTH - LABEL_WIDTH - 80) / top
    parts = []
    for index, row in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        label = row[0].text
        cell = row[chart.column]
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" fill="{INK}" '
                     f'font-size="13">{escape(label[:30])}</text>')
        width = (cell.number or 0) * scale
        if cell.number is not None and width > 0:
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                         f'fill="{BAR}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 16}" fill="{INK}" '
                     f'font-size="13">{escape(cell.text)}</text>')
    height = GAP + max(1, len(rows)) * (BAR_HEIGHT + GAP)
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" stroke="{GRID}"/>')
    title = _("%(figure)s per rij van de tabel %(table)s", figure=table.columns[chart.column], table=table.title)
    return _svg(chart_id, title, height, "".join(parts))


def line_chart(chart_id, table, chart):
    """Draw the column `chart.column` over the rows (months) as a line; gaps where suppressed."""
    rows = table.rows
    values = [row[chart.column].number for row in rows]
    height, left, right, top_pad, bottom = 220, 56, 16, 16, 36
    top = max([v for v in values if v is not None] or [0]) or 1
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    step = plot_w / max(1, len(rows) - 1)

    def point(i, v):
        return left + i * step, top_pad + plot_h - v / top * plot_h

    parts = [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{WIDTH - right}" y2="{top_pad + plot_h}" stroke="{GRID}"/>',
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}" stroke="{GRID}"/>',
        f'<text x="{left - 6}" y="{top_pad + 5}" text-anchor="end" fill="{INK}" font-size="12">'
        f'{escape(_number(top))}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" fill="{INK}" font-size="12">0</text>',
    ]
    segment = []
    segments = [segment]
    for i, v in enumerate(values):
        if v is None:
            segment = []
            segments.append(segment)
            continue
        segment.append(point(i, v))
    for seg in segments:
        if len(seg) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{BAR}" stroke-width="2.5"/>')
        for x, y in seg:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BAR}"/>')
    for i, row in enumerate(rows):
        if i % 2 == 0 or i == len(rows) - 1:
            x = left + i * step
            parts.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" fill="{INK}" '
                         f'font-size="11">{escape(row[0].text)}</text>')
    title = _("%(figure)s per maand", figure=table.columns[chart.column])
    return _svg(chart_id, title, height, "".join(parts))


def render(table, index):
    """Return the SVG of the table's chart number `index`."""
    chart = table.charts[index]
    chart_id = f"grafiek-{table.key}-{index}"
    if chart.kind == "line":
        return line_chart(chart_id, table, chart)
    return bar_chart(chart_id, table, chart)
