"""`flask insights …`: the monthly report (and the reminder jobs) for cron."""
import click

from ..extensions import db


def init_app(app):
    insights = click.Group("insights", help="Usage figures: the monthly report and reminders.")

    @insights.command("report")
    @click.option("--month", "month_text", required=True, help="The month, as YYYY-MM (e.g. 2026-11).")
    @click.option("--out", "out_dir", default=".", type=click.Path(file_okay=False),
                  help="Directory for the CSV and HTML files (made when missing).")
    def report_command(month_text, out_dir):
        """Write the month's figures as CSV and as a self-contained HTML page for the municipality.

        For cron, on the first of each month for the month before, e.g.
        `15 6 1 * * cd /srv/expertise && .venv/bin/flask --app run insights report
        --month $(date -d 'last month' +\\%Y-\\%m) --out /srv/reports`.
        """
        from ..core.time import utcnow
        from . import report, service

        try:
            year, month = report.month_arg(month_text)
        except service.InsightsError as error:
            raise click.BadParameter(error.message, param_hint="--month") from None
        csv_path, html_path = report.write_report(year, month, out_dir, utcnow())
        db.session.rollback()  # the report only reads
        click.echo(f"Wrote {csv_path} and {html_path}.")

    @insights.command("run-reminders")
    def run_reminders_command():
        """Send the reminders that are due: assignment time-outs, triage escalation, norm passed,
        close with feedback, follow-up (idempotent).

        For cron, e.g. every 15 minutes: `*/15 * * * * cd /srv/expertise &&
        .venv/bin/flask --app run insights run-reminders`. A second run sends nothing twice.
        """
        from ..core.time import utcnow
        from .reminders import run_reminders

        counts = run_reminders(utcnow())
        db.session.commit()  # notifications and e-mails go out after this commit
        click.echo(f"{counts['assignments_expired']} assignment(s) back to triage, {counts['triage_escalated']} "
                   f"question(s) escalated in triage, {counts['norm_passed']} question(s) past the norm, {counts['close_reminders']} close "
                   f"reminder(s), {counts['follow_ups']} follow-up question(s).")

    app.cli.add_command(insights)
