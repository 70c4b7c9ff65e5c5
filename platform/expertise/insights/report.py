"""The monthly report for the municipality: the dashboard's figures as CSV and a self-contained HTML page.

`flask --app run insights report --month 2026-11 [--out DIR]` writes
`inzicht-2026-11.csv` and `inzicht-2026-11.html` into DIR (default: the current
directory). The HTML page carries its styles and its SVG charts inline and links to
nothing, so it can be mailed or archived as one file. The figures are the
dashboard's, with no filter, the same small-cell rule and nothing per person.
"""
import csv
import io
import re
from pathlib import Path

from flask import render_template

from . import charts, service


def month_arg(text):
    """Return (year, month) from "jjjj-mm", or raise InsightsError."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise service.InsightsError("give the month as YYYY-MM, e.g. 2026-11", "month")
    return int(match.group(1)), int(match.group(2))


def report_csv(tables, period):
    """Return every table in one CSV: a column naming the table, then its own columns."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for table in tables:
        header, *rows = table.as_text()
        writer.writerow(["tabel", "van", "tot_en_met"] + header)
        for row in rows:
            writer.writerow([table.key, period.first.isoformat(), period.last.isoformat()]
                            + [service._cell_for_csv(value) for value in row])
        writer.writerow([])
    return out.getvalue()


def report_html(tables, period, now):
    """Return the report as one self-contained HTML page (inline styles and SVG, no links)."""
    return render_template("insights/report.html", tables=tables, period=period, now=now,
                           render_chart=charts.render, small_cell=service.SMALL_CELL)


def write_report(year, month, out_dir, now):
    """Write the month's CSV and HTML into `out_dir`; return the two paths."""
    period = service.month_period(year, month)
    tables = service.dashboard(period, service.Filters(), now)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"inzicht-{year:04d}-{month:02d}"
    csv_path, html_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.html"
    csv_path.write_text("\ufeff" + report_csv(tables, period), encoding="utf-8")
    html_path.write_text(report_html(tables, period, now), encoding="utf-8")
    return csv_path, html_path
