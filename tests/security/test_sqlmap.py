"""sqlmap (Debian) against the platform's search and list parameters, with a positive control.

sqlmap exits 0 whether or not it finds an injection; what it found is in
`<output-dir>/<host>/log`, which stays empty when nothing is injectable. The
positive control, a deliberately injectable app on another loopback port,
must produce a non-empty log, so a broken scanner cannot pass silently.
Reports: reports/security/sqlmap/.
"""
from urllib.parse import urlsplit

import pytest

from .scanning import (
    InjectableApp,
    login_cookie,
    report_dir,
    require_tool,
    run_bounded,
    start_scan_server,
    still_logged_in,
)
from .targets import SQLMAP_TARGETS

pytestmark = [pytest.mark.security, pytest.mark.slow]

RUN_TIMEOUT = 120  # seconds per parameter; one run takes a few seconds


def _sqlmap(url, parameter, out, cookie=None):
    """Run sqlmap on one parameter; return the text of its findings log."""
    assert urlsplit(url).hostname == "127.0.0.1", "scanners target loopback only"
    out.mkdir(parents=True, exist_ok=True)
    command = [
        require_tool("sqlmap"), "-u", url, "-p", parameter,
        "--batch", "--level=3", "--risk=1", "--flush-session", "--disable-coloring",
        "--text-only", "--output-dir", str(out),
        # The throw-away server runs on SQLite; payloads for other engines
        # would only multiply the run time (about 50 s instead of a few).
        "--dbms=SQLite",
    ]
    if cookie:
        command += ["--cookie", cookie]
    rc, seconds = run_bounded(command, RUN_TIMEOUT, out / "console.txt")
    assert rc == 0, f"sqlmap exited {rc}; see {out / 'console.txt'}"
    console = (out / "console.txt").read_text()
    assert "all tested parameters" in console or "is vulnerable" in console or "appears to be" in console, (
        f"sqlmap did not finish its tests; see {out / 'console.txt'}"
    )
    log = out / "127.0.0.1" / "log"
    return log.read_text() if log.exists() else ""


@pytest.fixture(scope="module")
def scan_server(tmp_path_factory):
    server = start_scan_server(tmp_path_factory.mktemp("sqlmap-target"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cookies(scan_server):
    """One logged-in session per demo account, made when a target first needs it."""
    made = {}

    def cookie_for(email):
        if email not in made:
            made[email] = login_cookie(scan_server.url, email)
        return made[email]

    return cookie_for


def test_sqlmap_finds_the_injectable_positive_control():
    app = InjectableApp().start()
    try:
        log = _sqlmap(f"{app.url}/zoek?q=Anna", "q", report_dir("sqlmap/positive-control"))
    finally:
        app.stop()
    assert log.strip(), "sqlmap found nothing in the deliberately injectable app: the scanner is broken"
    assert "Parameter: q" in log


@pytest.mark.parametrize(
    "path,parameter,email",
    [
        (path, parameter, email)
        for path, parameters, email in SQLMAP_TARGETS
        for parameter in parameters
    ],
    ids=lambda value: value.split("?")[0] if "/" in value else value.split("@")[0],
)
def test_sqlmap_finds_no_injection(scan_server, cookies, path, parameter, email):
    name = path.split("?")[0].strip("/").replace("/", "_") + "-" + parameter
    out = report_dir(f"sqlmap/{name}")
    cookie = cookies(email)
    log = _sqlmap(scan_server.url + path, parameter, out, cookie=cookie)
    assert log.strip() == "", f"sqlmap reports an injection in {parameter} of {path}:\n{log}"
    # A clean verdict on the login page would prove nothing: the session must have held.
    assert still_logged_in(scan_server.url, cookie), f"sqlmap lost the session of {email}"
