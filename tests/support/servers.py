"""Throw-away servers for the test run: PostgreSQL and the app itself.

Each listens on a free loopback port and lives in a temporary directory that
is removed afterwards. When a server's binary is missing the tests that need
it are skipped with the reason, except in CI (`CI=true`), where a missing
browser or server is a failure.
"""
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def in_ci():
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason):
    """Skip outside CI; fail in CI, where everything must be installed."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: missing servers are failures)", pytrace=False)
    pytest.skip(reason)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=30.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def _pg_bin(name):
    found = shutil.which(name)
    if found and name != "postgres":
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else found


class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory on a loopback port."""

    def __init__(self):
        self.initdb = _pg_bin("initdb")
        self.pg_ctl = _pg_bin("pg_ctl")
        if not self.initdb or not self.pg_ctl:
            skip_or_fail("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="ep-pg-"))
        self.data = self.dir / "data"
        self._as_user = None
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root; use the package's own user.
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                skip_or_fail("running as root and there is no 'postgres' user to run PostgreSQL")
            shutil.chown(self.dir, "postgres")
            self._as_user = "postgres"

    def _run(self, *args):
        command = list(args)
        if self._as_user:
            command = ["runuser", "-u", self._as_user, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self):
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "--encoding=UTF8", "--locale=C")
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "server.log"), "-w", "start")
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE expertise_test")
        return self

    @property
    def url(self):
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/expertise_test"

    def stop(self):
        try:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class AppServer:
    """The platform served by `run.py` in its own process, with the demo world.

    Started as the README says: `HOST` and `PORT` in the environment, no
    `BASE_URL` (development derives it from them) unless `env` sets one.
    `unset` names variables to leave out as well (e.g. `DATABASE_URL`, for the
    default database in the instance directory). `script` may name another
    entry point that serves the same app with test-only hooks
    (`tests/support/realtime_app.py`).
    """

    def __init__(self, workdir, env=None, script="run.py", unset=()):
        self.script = str(script)
        self.port = free_port()
        self.workdir = Path(workdir)
        self.env = {
            **{key: value for key, value in os.environ.items() if key != "BASE_URL"},
            "APP_ENV": "development",
            "INSTANCE_PATH": str(self.workdir),
            "DATABASE_URL": f"sqlite:///{self.workdir / 'e2e.db'}",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            # No deduce worker per test server (1 GB each); the checks run on the rules.
            "EXPERTISE_DEDUCE_CACHE": "",
            "EXPERTISE_DEDUCE_SOCKET": "",
            **(env or {}),
        }
        for key in unset:
            self.env.pop(key, None)
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def flask(self, *args):
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "run", *args],
            cwd=ROOT, env=self.env, check=True, capture_output=True, text=True,
        )

    def seed(self):
        """Migrate and seed the demo world; keep the demo accounts' authenticator for this server."""
        from .totp import AUTHENTICATORS, DemoAuthenticator

        self.flask("db", "upgrade")
        seeded = self.flask("seed-demo").stdout
        # The demo accounts' TOTP secrets, printed once by seed-demo.
        self.authenticator = DemoAuthenticator(
            (line.split()[1:3] for line in seeded.splitlines() if line.strip().startswith("TOTP ")),
            database_url=self.env.get("DATABASE_URL"),
        )
        AUTHENTICATORS[self.url] = self.authenticator

    def start(self):
        self.seed()
        self.log = open(self.workdir / "server.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, self.script], cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def share_authenticator(self, other):
        """Use another server's demo authenticator (both serve one database)."""
        from .totp import AUTHENTICATORS

        self.authenticator = AUTHENTICATORS[self.url] = other.authenticator

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if getattr(self, "log", None):
            self.log.close()

    def log_text(self):
        return (self.workdir / "server.log").read_text()


class GunicornServer(AppServer):
    """The app with the test hooks (`realtime_app.py`) under gunicorn with gevent-websocket workers.

    Production's shape (README, "Socket fan-out benchmark"), optionally sharing events via Redis.
    """

    def __init__(self, workdir, env, workers=1, redis_url=None, app="tests.support.realtime_app:app", seed=True):
        env = {**env, "SOCKETIO_ASYNC_MODE": "gevent"}
        if redis_url:
            env["SOCKETIO_MESSAGE_QUEUE"] = redis_url
        super().__init__(workdir, env=env, script=ROOT / "tests" / "support" / "realtime_app.py")
        self.workers = workers
        self.app = app
        self.seed_first = seed

    def start(self):
        if self.seed_first:
            self.seed()
        self.log = open(self.workdir / "server.log", "w")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-k", "geventwebsocket.gunicorn.workers.GeventWebSocketWorker",
                "-w", str(self.workers),
                "-b", f"127.0.0.1:{self.port}",
                "-c", "python:tests.support.gunicorn_ready",
                "--chdir", str(ROOT),
                self.app,
            ],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process)
        self.wait_for_workers()
        return self

    def wait_for_workers(self, timeout=120.0):
        """Wait until every worker has loaded the app (see tests/support/gunicorn_ready.py).

        The master listens before its workers have imported the app (seconds on a busy machine).
        """
        from . import gunicorn_ready  # noqa: PLC0415

        deadline = time.monotonic() + timeout
        log = self.workdir / "server.log"
        while log.read_text(errors="replace").count(gunicorn_ready.READY) < self.workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn's workers did not load the app:\n{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)

    def kill(self):
        """Kill the master and its workers at once (SIGKILL), as a crash or an OOM kill would."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        for pid in [self.process.pid, *map(int, children)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)


class RedisServer:
    """Debian's redis-server on a free loopback port, without persistence."""

    def __init__(self, workdir):
        self.binary = shutil.which("redis-server") or (
            "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
        )
        if self.binary is None:
            skip_or_fail("redis-server not found (Debian package redis-server); the production shape needs it")
        self.port = free_port()
        self.workdir = Path(workdir)
        self.process = None

    def url(self, database=0):
        return f"redis://127.0.0.1:{self.port}/{database}"

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
