"""Shared pieces of the scanner tests: a throw-away server, a logged-in cookie, a bounded run."""
import os
import shutil
import subprocess
import sys
import time

import requests

from expertise.demo import DEMO_PASSWORD

from ..support.servers import ROOT, AppServer, free_port, skip_or_fail, wait_for_port
from ..support.realtime import cookie_header, login_over_http
from .targets import ADMIN_EMAIL

REPORTS = ROOT / "reports" / "security"


def report_dir(name):
    """Return reports/security/<name>, emptied and created (scanners need it to exist)."""
    path = REPORTS / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def require_tool(name):
    """Return the tool's path, or skip (fail under CI) when it is not installed."""
    path = shutil.which(name)
    if not path:
        skip_or_fail(f"{name} is not installed (apt-get install {name})")
    return path


def start_scan_server(workdir):
    """Start a throw-away platform with the demo world on a free loopback port.

    The limiter is off: a scanner sends hundreds of requests a minute from
    one address, and the limits are tested on their own.
    """
    return AppServer(workdir, env={"RATELIMIT_ENABLED": "false"}).start()


def login_cookie(base_url, email=ADMIN_EMAIL, password=DEMO_PASSWORD):
    """Log in (password, then the demo account's TOTP code) and return the `Cookie` header value."""
    cookie = cookie_header(login_over_http(base_url, email, password))
    assert still_logged_in(base_url, cookie), "the scanner could not log in"
    return cookie


def still_logged_in(base_url, cookie):
    """True when the cookie still opens the home page (the scan kept its session)."""
    response = requests.get(
        f"{base_url}/", headers={"Cookie": cookie}, allow_redirects=False, timeout=10
    )
    return response.status_code == 200


def run_bounded(command, timeout, log_path):
    """Run a scanner with a hard time limit, its output in a log file; return (rc, seconds)."""
    started = time.monotonic()
    with open(log_path, "w") as log:
        try:
            completed = subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                timeout=timeout, cwd=ROOT,
            )
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{command[0]} ran longer than {timeout} s; see {log_path}")
    return completed.returncode, time.monotonic() - started


class InjectableApp:
    """The deliberately injectable positive-control app in a subprocess on loopback."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.security.injectable_app", str(self.port)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

