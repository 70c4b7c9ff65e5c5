"""wapiti (Debian) crawls and attacks a throw-away platform, logged in as the demo admin.

Fails on any finding outside the written allowlist in targets.py. wapiti
submits every form it finds (with the scraped CSRF token), so it runs against
its own server and database, never a shared one. Report:
reports/security/wapiti/report.json (and console.txt).
"""
import json
import re
import sqlite3
from pathlib import Path

import pytest

from .scanning import (
    REPORTS,
    InjectableApp,
    login_cookie,
    report_dir,
    require_tool,
    run_bounded,
    start_scan_server,
    still_logged_in,
)
from .targets import WAPITI_ALLOWLIST, WAPITI_EXCLUDES, WAPITI_MODULES

pytestmark = [pytest.mark.security, pytest.mark.slow]

# wapiti 3.0.4 bounds the crawl by --max-scan-time and each attack module by
# --max-attack-time (checked between requests), so a run lasts at most about
# MAX_SCAN_TIME + 12 modules x MAX_ATTACK_TIME.
MAX_SCAN_TIME = 90
MAX_ATTACK_TIME = 10
HARD_TIMEOUT = 420


SHIM = Path(__file__).with_name("wapiti_shim.py")


def _wapiti_command():
    """Return the command that starts wapiti through the -x fix in wapiti_shim.py."""
    wapiti = require_tool("wapiti")
    interpreter = Path(wapiti).read_text().splitlines()[0].removeprefix("#!").strip()
    # Unbuffered, and with faulthandler: a scan that dies still shows how far it got.
    return [interpreter, "-u", "-X", "faulthandler", str(SHIM)]


def _modules_not_launched(console):
    """The selected modules wapiti's console never announced."""
    return set(WAPITI_MODULES.split(",")) - set(re.findall(r"Launching module (\w+)", console))


def _admin_id(server):
    with sqlite3.connect(server.workdir / "e2e.db") as conn:
        return conn.execute('SELECT id FROM "user" WHERE email = ?', ("beheerder@demo.test",)).fetchone()[0]


@pytest.fixture(scope="module")
def wapiti_run(tmp_path_factory):
    """Run wapiti (a second time if the first scan wrote no report); yield (report, server, cookie, seconds)."""
    wapiti = _wapiti_command()
    assert "ssrf" not in WAPITI_MODULES.split(",") and "xxe" not in WAPITI_MODULES.split(",")
    server = start_scan_server(tmp_path_factory.mktemp("wapiti-target"))
    try:
        cookie = login_cookie(server.url)
        out = report_dir("wapiti")
        excludes = WAPITI_EXCLUDES + [
            # The admin's own account page: the edit form could take away the
            # scan's own admin role halfway through.
            f"/beheer/gebruikers/{_admin_id(server)}",
        ]
        command = [
            *wapiti, "-u", f"{server.url}/", "--scope", "folder",
            "-H", f"Cookie: {cookie}",
            "-m", WAPITI_MODULES,
            "--flush-session",
            "--store-session", str(out / "session"),
            "--store-config", str(out / "config"),
            "--max-scan-time", str(MAX_SCAN_TIME),
            "--max-attack-time", str(MAX_ATTACK_TIME),
            "-d", "3", "--no-bugreport", "-v", "1",
            "-f", "json", "-o", str(out / "report.json"),
        ]
        for path in excludes:
            command += ["-x", server.url + path]
        consoles = []
        for attempt in (1, 2):
            rc, seconds = run_bounded(command, HARD_TIMEOUT, out / "console.txt")
            console = (out / "console.txt").read_text(errors="replace")
            consoles.append(f"attempt {attempt}: exit {rc} after {seconds:.0f} s\n{console[-3000:]}")
            assert rc == 0, f"wapiti exited {rc}; see {out / 'console.txt'}:\n{console[-3000:]}"
            if attempt == 2 or ((out / "report.json").exists() and not _modules_not_launched(console)):
                break
            # wapiti 3.0.4 can end with exit code 0 and no report (seen in CI after `[+] GET /`),
            # or with a report but a module never launched (seen once for `methods`, the last
            # one); the shim prints any exception. Such a scan is incomplete, not clean: it runs
            # once more, and a second incomplete scan fails here or below with both consoles.
            (out / "console.txt").rename(out / "console-1.txt")
            (out / "report.json").unlink(missing_ok=True)
        assert (out / "report.json").exists(), "wapiti wrote no report:\n" + "\n".join(consoles)
        (out / "attempts.txt").write_text("\n\n".join(consoles))
        report = json.loads((out / "report.json").read_text())
        yield report, server, cookie, seconds
    finally:
        server.stop()


def test_wapiti_finds_the_injectable_positive_control():
    """The same scanner, on the deliberately injectable app, must report the SQL injection."""
    app = InjectableApp().start()
    out = report_dir("wapiti-positive-control")
    try:
        command = [
            *_wapiti_command(), "-u", f"{app.url}/zoek?q=Anna", "--scope", "url", "-m", "sql",
            "--flush-session", "--store-session", str(out / "session"),
            "--store-config", str(out / "config"), "--max-scan-time", "60",
            "--no-bugreport", "-f", "json", "-o", str(out / "report.json"),
        ]
        rc, _ = run_bounded(command, 120, out / "console.txt")
    finally:
        app.stop()
    assert rc == 0, f"wapiti exited {rc}; see {out / 'console.txt'}"
    report = json.loads((out / "report.json").read_text())
    found = [f for f in report["vulnerabilities"].get("SQL Injection", []) if f["parameter"] == "q"]
    assert found, "wapiti missed the deliberately injectable app: the scanner is broken"


def _findings(report):
    for section in ("vulnerabilities", "anomalies"):
        for category, items in report.get(section, {}).items():
            for item in items:
                yield section, category, item


def _allowed(category, item):
    return any(
        a.category == category and a.info_contains in item.get("info", "")
        for a in WAPITI_ALLOWLIST
    )


def test_wapiti_reports_nothing_outside_the_allowlist(wapiti_run):
    report, *_ = wapiti_run
    unexpected = [
        f"{section}/{category}: {item['method']} {item['path']} {item.get('parameter', '')} - {item.get('info', '')}"
        for section, category, item in _findings(report)
        if not _allowed(category, item)
    ]
    assert unexpected == [], "wapiti findings (see reports/security/wapiti/report.json):\n" + "\n".join(unexpected)


def test_wapiti_crawled_the_logged_in_platform(wapiti_run):
    """A scan that never got past the login page proves nothing."""
    report, server, cookie, _ = wapiti_run
    console = (REPORTS / "wapiti" / "console.txt").read_text()
    assert "/beheer/gebruikers" in console or "/beheer" in json.dumps(report)
    assert still_logged_in(server.url, cookie), "wapiti lost the admin session during the scan"


def test_wapiti_ran_every_module_and_stayed_on_loopback(wapiti_run):
    console = (REPORTS / "wapiti" / "console.txt").read_text()
    missing = _modules_not_launched(console)
    assert not missing, (
        f"modules not run: {missing}; the attempts:\n" + (REPORTS / "wapiti" / "attempts.txt").read_text()
    )
    assert "Launching module ssrf" not in console and "Launching module xxe" not in console
    assert "Max scan time was reached" not in console, "the crawl was cut short: raise MAX_SCAN_TIME"


def test_wapiti_summary_names_the_modules_cut_short(wapiti_run):
    """Not a failure: the per-module limit keeps CI bounded. The summary says what it cut."""
    _, _, _, seconds = wapiti_run
    console = (REPORTS / "wapiti" / "console.txt").read_text()
    cut = re.findall(r"Max attack time was reached for module (\w+)", console)
    (REPORTS / "wapiti" / "summary.txt").write_text(
        f"wapiti ran {seconds:.0f} s; modules stopped by --max-attack-time {MAX_ATTACK_TIME}: "
        f"{', '.join(cut) or 'none'}\n"
    )
    assert seconds < HARD_TIMEOUT


def test_wapiti_server_gave_no_500(wapiti_run):
    _, server, *_ = wapiti_run
    log = server.log_text()
    assert '" 500 ' not in log, "the platform answered a wapiti request with 500; see its log"
