"""bandit over the platform's code, pip-audit over its pinned and installed dependencies.

Reports: reports/security/bandit.{json,txt}, reports/security/pip-audit-*.json.
bleach 6.4.0 is end-of-life (its last release, no more security fixes);
pip-audit will never report a new advisory for it, see docs/security.md.
"""
import json
import re
import subprocess
import sys
import tomllib

import pytest

from ..support.servers import ROOT
from .scanning import REPORTS, run_bounded

pytestmark = pytest.mark.security

BANDIT_TARGETS = ["platform", "config.py", "run.py"]
_NETWORK_TROUBLE = re.compile(
    r"ConnectionError|Max retries exceeded|NameResolutionError|Temporary failure in name resolution"
    r"|Network is unreachable|timed out|ConnectTimeout|ReadTimeout|SSLError",
)


def test_bandit_finds_no_high_severity_issue():
    REPORTS.mkdir(parents=True, exist_ok=True)
    json_report = REPORTS / "bandit.json"
    base = [sys.executable, "-m", "bandit", "-r", *BANDIT_TARGETS, "-q"]
    # Exit code 1 means "issues found", of any severity; the report decides.
    run_bounded([*base, "-f", "txt", "-o", str(REPORTS / "bandit.txt")], 120, REPORTS / "bandit.log")
    rc, _ = run_bounded([*base, "-f", "json", "-o", str(json_report)], 120, REPORTS / "bandit.log")
    assert rc in (0, 1), f"bandit failed to run; see {REPORTS / 'bandit.log'}"
    report = json.loads(json_report.read_text())
    assert not report["errors"], report["errors"]
    assert report["metrics"]["_totals"]["loc"] > 1000, "bandit scanned (almost) nothing"
    high = [
        f"{r['test_id']} {r['filename']}:{r['line_number']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] == "HIGH"
    ]
    assert high == [], "bandit high-severity findings:\n" + "\n".join(high)


def pinned_requirements():
    """Every dependency of pyproject.toml (runtime and test), as pinned `name==version` lines."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return lines


def _pip_audit(arguments, name):
    out = REPORTS / f"pip-audit-{name}.json"
    REPORTS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "-f", "json",
               "-o", str(out), *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    (REPORTS / f"pip-audit-{name}.log").write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0 and _NETWORK_TROUBLE.search(completed.stderr):
        # The advisory service is a third party; its outage is not our finding.
        pytest.skip(f"pip-audit could not reach its advisory service: {completed.stderr.strip().splitlines()[-1]}")
    assert completed.returncode in (0, 1) and out.exists(), completed.stderr[-2000:]
    report = json.loads(out.read_text())
    dependencies = report["dependencies"]
    not_audited = [d for d in dependencies if "skip_reason" in d]
    if dependencies and len(not_audited) == len(dependencies):
        # The service answered, but with "not found" for every pinned version:
        # it (or a registry proxy in front of it) serves no per-version data.
        pytest.skip(
            f"pip-audit's advisory service answered no version look-up "
            f"({len(not_audited)} of {len(dependencies)} 'not found'); nothing was audited"
        )
    assert not_audited == [], "not audited: " + "; ".join(d["skip_reason"] for d in not_audited)
    return [
        f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or 'no release'})"
        for d in report["dependencies"]
        for v in d.get("vulns", [])
    ], report


def test_pinned_dependencies_have_no_known_vulnerability():
    requirements = REPORTS / "requirements-pinned.txt"
    REPORTS.mkdir(parents=True, exist_ok=True)
    requirements.write_text("\n".join(pinned_requirements()) + "\n")
    # Fully pinned, so no resolver run (and no throw-away virtualenv) is needed.
    vulnerable, report = _pip_audit(["-r", str(requirements), "--no-deps", "--disable-pip"], "pinned")
    assert len(report["dependencies"]) >= len(pinned_requirements()) - 1
    assert vulnerable == [], "known vulnerabilities:\n" + "\n".join(vulnerable)


def test_installed_environment_has_no_known_vulnerability():
    """The transitive dependencies too, as installed in the virtualenv the tests run in."""
    vulnerable, report = _pip_audit(["--skip-editable"], "installed")
    assert len(report["dependencies"]) > len(pinned_requirements())
    assert vulnerable == [], "known vulnerabilities:\n" + "\n".join(vulnerable)
