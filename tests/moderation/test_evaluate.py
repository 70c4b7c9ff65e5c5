"""Run both evaluators on the development sets: a regression guard, not a tuning target."""

import re
from pathlib import Path

from expertise.moderation.evaluate import evaluate_marketing, evaluate_privacy, main

DEV = Path(__file__).resolve().parents[2] / "data" / "dev"
LAST = re.compile(r"^precision=(\d\.\d{3}) recall=(\d\.\d{3}) f1=(\d\.\d{3})$")


def figures(lines):
    m = LAST.match(lines[-1])
    assert m, lines[-1]
    return tuple(float(x) for x in m.groups())


def test_marketing_evaluator_last_line_and_floor():
    p, r, f = figures(evaluate_marketing(DEV / "marketing_dev.jsonl"))
    assert p >= 0.85 and r >= 0.75


def test_privacy_evaluator_last_line_floor_and_per_type_lines():
    lines = evaluate_privacy(DEV / "pii_dev.jsonl")
    p, r, f = figures(lines)
    assert p >= 0.80 and r >= 0.85
    assert any(line.strip().startswith("recall person_name:") for line in lines)


def test_main_prints_last_line(capsys):
    assert main(["marketing", str(DEV / "marketing_dev.jsonl"), "--ids", "even"]) == 0
    assert LAST.match(capsys.readouterr().out.strip().splitlines()[-1])
