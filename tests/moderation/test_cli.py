"""`flask moderation evaluate` and `flask privacy evaluate` end with the figures line."""
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "dev"
LAST_LINE = re.compile(r"^precision=\d\.\d{3} recall=\d\.\d{3} f1=\d\.\d{3}$")


def test_moderation_evaluate_prints_figures_last(app):
    result = app.test_cli_runner().invoke(args=["moderation", "evaluate", str(DATA / "marketing_dev.jsonl")])
    assert result.exit_code == 0, result.output
    assert LAST_LINE.match(result.output.strip().splitlines()[-1])


def test_privacy_evaluate_prints_figures_last(app):
    result = app.test_cli_runner().invoke(args=["privacy", "evaluate", str(DATA / "pii_dev.jsonl"), "--detectors", "rules"])
    assert result.exit_code == 0, result.output
    assert LAST_LINE.match(result.output.strip().splitlines()[-1])


def test_privacy_false_warnings_prints_the_rate_last(app):
    result = app.test_cli_runner().invoke(
        args=["privacy", "false-warnings", str(DATA / "marketing_dev.jsonl"), "--detectors", "rules"])
    assert result.exit_code == 0, result.output
    assert re.match(r"^texts=110 warned=\d+ false_warning_rate=\d\.\d{3}$", result.output.strip().splitlines()[-1])
