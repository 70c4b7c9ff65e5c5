"""Measure a question room's fan-out: delay from posting advice over HTTP to receipt in N watchers.

Starts the platform (demo world, SQLite) on a free loopback port in one of
three shapes, connects N python-socketio clients (websocket) as the question's
owner, joins them all to `question:<id>`, and has an expert post M advices one
after another through the real form (`POST /vragen/<id>/reageren`). Each
post renders the neutral fragment, commits, notifies the owner and emits
`post_published` after the commit; per client the delay runs from sending
the POST to receiving that event. Prints p50/p95/max and the events lost
(not received within 5 s).

Shapes:
  threading      python run.py-style werkzeug server, threading mode (`make run`)
  gevent         gunicorn, 1 gevent(-websocket) worker, SOCKETIO_ASYNC_MODE=gevent
  gevent-redis   gunicorn, 2 gevent workers + Redis message queue (needs redis-server)

Run: .venv/bin/python benchmarks/question_room_fanout.py [--shape gevent] [--clients 50 200] [--posts 30]
Needs `make install-production` for the gevent shapes. Loopback only; N is capped at 500.
"""
import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.realtime import (  # noqa: E402
    DEMO_EMAILS,
    Listener,
    cookie_header,
    csrf_token,
    login_over_http,
)
from tests.support.servers import AppServer, free_port, wait_for_port  # noqa: E402

REALTIME_APP = ROOT / "tests" / "support" / "realtime_app.py"
MAX_CLIENTS = 500
QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question


class GunicornServer(AppServer):
    """The same app under gunicorn with gevent-websocket workers, optionally sharing events via Redis."""

    def __init__(self, workdir, workers=1, redis_url=None):
        env = {"RATELIMIT_ENABLED": "false", "SOCKETIO_ASYNC_MODE": "gevent"}
        if redis_url:
            env["SOCKETIO_MESSAGE_QUEUE"] = redis_url
        super().__init__(workdir, env=env, script=REALTIME_APP)
        self.workers = workers

    def start(self):
        self.seed()
        self.log = open(self.workdir / "server.log", "w")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-k", "geventwebsocket.gunicorn.workers.GeventWebSocketWorker",
                "-w", str(self.workers),
                "-b", f"127.0.0.1:{self.port}",
                "--chdir", str(ROOT),
                "tests.support.realtime_app:app",
            ],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process)
        time.sleep(1.0)  # let every worker boot
        return self


class Redis:
    def __init__(self, workdir):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _question_id(server, http):
    page = http.get(server.url + "/vragen?status=alle", timeout=10).text
    match = re.search(r'href="/vragen/(\d+)"[^>]*>\s*' + re.escape(QUESTION), page)
    assert match, "demo question not found"
    return int(match.group(1))


def run(server, clients, posts, timeout=5.0):
    """Connect `clients` watchers to one question room, post `posts` advices; return the figures."""
    owner = login_over_http(server.url, DEMO_EMAILS["anna"])
    question_id = _question_id(server, owner)
    cookie = cookie_header(owner)

    def connect(_i):
        listener = Listener().connect(server.url, cookie, transports=["websocket"])
        assert listener.client.call("join", {"kind": "question", "id": question_id}, timeout=10)["ok"]
        return listener

    with ThreadPoolExecutor(max_workers=16) as pool:
        listeners = list(pool.map(connect, range(clients)))
    arrived = threading.Condition()
    counts = {}

    def counting(listener):
        original = listener._record

        def record(event, *args):
            original(event, *args)
            if event == "post_published":
                with arrived:
                    key = args[0]["post_id"]
                    counts[key] = counts.get(key, 0) + 1
                    arrived.notify_all()

        listener.client.handlers["/"]["*"] = record

    for listener in listeners:
        counting(listener)
    expert = login_over_http(server.url, DEMO_EMAILS["eva"])
    token = csrf_token(expert, server.url, f"/vragen/{question_id}")
    delays, lost, firsts, post_ms = [], 0, [], []
    try:
        time.sleep(0.5)
        for n in range(posts):
            sent = time.time()
            response = expert.post(
                f"{server.url}/vragen/{question_id}/reageren",
                data={"body": f"Benchmarkadvies {n}.", "actie": "plaatsen", "csrf_token": token},
                allow_redirects=False, timeout=10,
            )
            post_ms.append((time.time() - sent) * 1000)
            assert response.status_code == 302, response.status_code
            key = int(re.search(r"#bericht-(\d+)", response.headers["Location"]).group(1))
            deadline = time.monotonic() + timeout
            with arrived:
                while counts.get(key, 0) < clients and time.monotonic() < deadline:
                    arrived.wait(deadline - time.monotonic())
            times = []
            for listener in listeners:
                at = next((t for name, p, t in listener.events
                           if name == "post_published" and p["post_id"] == key), None)
                if at is None:
                    lost += 1
                else:
                    times.append((at - sent) * 1000)
            delays += times
            if times:
                firsts.append(min(times))
    finally:
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda listener: listener.close(), listeners))
    return delays, lost, firsts, post_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["threading", "gevent", "gevent-redis"], default="threading")
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--posts", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ep-qfanout-") as workdir:
        redis = None
        if args.shape == "threading":
            server = AppServer(workdir, env={"RATELIMIT_ENABLED": "false"}, script=REALTIME_APP)
        elif args.shape == "gevent":
            server = GunicornServer(workdir, workers=1)
        else:
            if not shutil.which("redis-server"):
                sys.exit("gevent-redis needs a redis-server binary")
            redis = Redis(workdir)
            server = GunicornServer(workdir, workers=2, redis_url=redis.url)
        server.start()
        try:
            print(f"shape: {args.shape}")
            print(f"{'clients':>7} {'posts':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'lost':>5}"
                  f" {'first p50':>9} {'POST p50':>8}")
            for clients in args.clients:
                clients = min(clients, MAX_CLIENTS)
                delays, lost, firsts, post_ms = run(server, clients, args.posts)
                print(
                    f"{clients:>7} {args.posts:>5} {statistics.median(delays):>7.1f} "
                    f"{percentile(delays, 95):>7.1f} {max(delays):>7.1f} {lost:>5}"
                    f" {statistics.median(firsts):>9.1f} {statistics.median(post_ms):>8.1f}",
                    flush=True,
                )
        finally:
            server.stop()
            if redis:
                redis.stop()


if __name__ == "__main__":
    main()
