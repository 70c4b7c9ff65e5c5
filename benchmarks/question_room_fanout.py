"""Measure a question room's fan-out: delay from posting advice over HTTP to receipt in N watchers.

Starts the platform (demo world, SQLite, and the deduce worker unless
--no-deduce) on a free loopback port in one of three shapes, connects N
python-socketio clients (websocket) as a reader of the thread (an expert of
another organisation), spread over a few `room_watchers.py` processes with
gevent, joins them all to `question:<id>`, and has an expert post M advices
of ordinary length one after another through the real form
(`POST /vragen/<id>/reageren`), following each redirect once the watchers have
the post. Each post renders the neutral fragment, commits, notifies the owner
and emits `post_published` after the commit. Per watcher it reports two
delays: from sending the POST to receipt (end to end) and from the commit
(stamped by the test app's BENCHMARK_COMMIT_LOG hook) to receipt (the fan-out
itself); p50/p95/max, the events lost (not received within 5 s) and the
watchers' own CPU per event.

Shapes:
  threading      python run.py-style werkzeug server, threading mode (`make run`)
  gevent         gunicorn, 1 gevent(-websocket) worker, SOCKETIO_ASYNC_MODE=gevent
  gevent-redis   gunicorn, 2 gevent workers + Redis message queue (needs redis-server)

Run: .venv/bin/python benchmarks/question_room_fanout.py [--shape gevent] [--clients 50 200] [--posts 30]
     [--watcher-processes 2]
Needs `make install-production` or `make install-test` (gevent, also for the watchers).
Loopback only; N is capped at 500.
"""
import argparse
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from expertise.moderation.deduce_worker import deduce_spans  # noqa: E402
from tests.support.realtime import (  # noqa: E402
    DEMO_EMAILS,
    cookie_header,
    csrf_token,
    login_over_http,
)
from tests.support.servers import AppServer, GunicornServer, free_port, wait_for_port  # noqa: E402

REALTIME_APP = ROOT / "tests" / "support" / "realtime_app.py"
MAX_CLIENTS = 500
COMMIT_LOG = "commits.log"
QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question
# An advice of ordinary length (about 450 characters), so the checks and deduce read a real text.
ADVICE = (
    "Overweeg specialistische GGZ en bespreek het eerst met de huisarts. Een vast ritme met vaste "
    "bedtijden helpt vaak; het CJG kan meedenken. Spreek met school af wie het aanspreekpunt is en hoe "
    "vaak jullie contact hebben, zodat de jongere niet tussen twee partijen in komt te staan. Kijk samen "
    "met de ouders welke kleine stap deze week haalbaar is, en bespreek over twee weken wat het heeft "
    "opgeleverd. Benchmarkadvies {n}."
)


class DeduceWorker:
    """The deduce worker as production runs it (one process, Unix socket), so posts are scanned by it too."""

    def __init__(self, workdir, cache):
        self.socket = str(Path(workdir) / "deduce.sock")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "expertise.moderation.deduce_worker", "--socket", self.socket, "--cache",
             str(cache)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while deduce_spans("Jan de Vries", timeout=5, path=self.socket) is None:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("the deduce worker did not start")
            time.sleep(0.5)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


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


class WatcherProcess:
    """`room_watchers.py` in its own process: gevent clients joined to one question room."""

    def __init__(self, server, cookie, question_id, clients):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "room_watchers.py"), server.url, str(question_id),
             str(clients)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.process.stdin.write(cookie + "\n")
        self.process.stdin.flush()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def next_line(self, timeout):
        try:
            return self.lines.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def wait_for(self, expected, deadline):
        """Wait for the line `expected` until the deadline; return whether it came."""
        while (line := self.next_line(deadline - time.monotonic())) is not None:
            if line == expected:
                return True
        return False

    def dump(self):
        """Stop the watchers; return ({post_id: [receipt times]}, CPU seconds the watchers used)."""
        self.process.stdin.write("dump\n")
        self.process.stdin.flush()
        while (line := self.next_line(timeout=60)) is not None and not line.startswith("{"):
            pass
        self.process.wait(timeout=60)
        dumped = json.loads(line)
        return {int(k): v for k, v in dumped["received"].items()}, dumped["cpu_seconds"]


class Watchers:
    """N watchers spread over `processes` watcher processes (browsers do not share one interpreter)."""

    def __init__(self, server, cookie, question_id, clients, processes):
        shares = [clients // processes + (i < clients % processes) for i in range(processes)]
        self.processes = [WatcherProcess(server, cookie, question_id, n) for n in shares if n]
        deadline = time.monotonic() + 120
        if not all(p.wait_for("ready", deadline) for p in self.processes):
            raise SystemExit("the watchers did not connect")

    def wait_all(self, post_id, deadline):
        """Wait until every watcher has the post (or the deadline passes)."""
        for process in self.processes:
            process.wait_for(f"all {post_id}", deadline)

    def dump(self):
        received, cpu = defaultdict(list), 0.0
        for process in self.processes:
            times, seconds = process.dump()
            for post_id, at in times.items():
                received[post_id] += at
            cpu += seconds
        return received, cpu


def run(server, clients, posts, commit_log, processes, timeout=5.0):
    """Join `clients` watchers to one question room, post `posts` advices; return the figures."""
    owner = login_over_http(server.url, DEMO_EMAILS["anna"])
    question_id = _question_id(server, owner)
    # Readers of the thread: an expert of another organisation, who gets the
    # room's event and no notification (the owner would get both on every socket).
    watchers = Watchers(server, cookie_header(login_over_http(server.url, DEMO_EMAILS["olaf"])), question_id,
                        clients, processes)
    expert = login_over_http(server.url, DEMO_EMAILS["eva"])
    token = csrf_token(expert, server.url, f"/vragen/{question_id}")
    sent_at, post_ms = {}, []
    try:
        time.sleep(0.5)
        for n in range(posts):
            sent = time.time()
            response = expert.post(
                f"{server.url}/vragen/{question_id}/reageren",
                data={"body": ADVICE.format(n=n), "actie": "plaatsen", "csrf_token": token},
                allow_redirects=False, timeout=10,
            )
            post_ms.append((time.time() - sent) * 1000)
            assert response.status_code == 302, response.status_code
            key = int(re.search(r"#bericht-(\d+)", response.headers["Location"]).group(1))
            sent_at[key] = sent
            watchers.wait_all(key, time.monotonic() + timeout)
            # The expert's browser follows the redirect (and takes its flash message off the session);
            # here only once the watchers have the post, so the page load is not part of the delay.
            expert.get(urljoin(server.url, response.headers["Location"]), timeout=10)
    finally:
        received, watcher_cpu = watchers.dump()
    committed = {}
    for line in commit_log.read_text().splitlines():
        post_id, stamp = line.split()
        committed[int(post_id)] = float(stamp)
    from_post, from_commit, firsts, lost = [], [], [], 0
    for key, sent in sent_at.items():
        times = [t for t in received.get(key, []) if t - sent <= timeout]
        lost += clients - len(times)
        from_post += [(t - sent) * 1000 for t in times]
        from_commit += [(t - committed[key]) * 1000 for t in times]
        if times:
            firsts.append((min(times) - sent) * 1000)
    return from_post, from_commit, lost, firsts, post_ms, watcher_cpu * 1000 / max(1, len(sent_at) * clients)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["threading", "gevent", "gevent-redis"], default="threading")
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--deduce-cache", default=os.environ.get("EXPERTISE_DEDUCE_CACHE")
                        or str(ROOT / ".venv" / "deduce-cache"),
                        help="deduce's prebuilt cache; the worker scans every post as in production")
    parser.add_argument("--no-deduce", action="store_true", help="run the personal-data checks on the rules only")
    parser.add_argument("--watcher-processes", type=int, default=2,
                        help="processes the watchers are spread over (gevent clients in each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ep-qfanout-") as workdir:
        redis = deduce = None
        env = {"RATELIMIT_ENABLED": "false", "BENCHMARK_COMMIT_LOG": str(Path(workdir) / COMMIT_LOG)}
        if not args.no_deduce:
            if not (Path(args.deduce_cache) / "cache").is_dir():
                sys.exit(f"no deduce cache in {args.deduce_cache} (make install builds it), or pass --no-deduce")
            deduce = DeduceWorker(workdir, args.deduce_cache)
            env["EXPERTISE_DEDUCE_SOCKET"] = deduce.socket
        if args.shape == "threading":
            server = AppServer(workdir, env=env, script=REALTIME_APP)
        elif args.shape == "gevent":
            server = GunicornServer(workdir, env, workers=1)
        else:
            if not shutil.which("redis-server"):
                sys.exit("gevent-redis needs a redis-server binary")
            redis = Redis(workdir)
            server = GunicornServer(workdir, env, workers=2, redis_url=redis.url)
        server.start()
        try:
            print(f"shape: {args.shape}; deduce worker {'off' if deduce is None else 'on'}; {os.cpu_count()} cores, "
                  f"load average {os.getloadavg()[0]:.2f} before; watchers in {args.watcher_processes} gevent "
                  f"processes; all figures in ms")
            print(f"{'clients':>7} {'posts':>5} {'POST→receipt p50':>16} {'p95':>6} {'commit→receipt p50':>18}"
                  f" {'p95':>6} {'max':>6} {'lost':>5} {'first p50':>9} {'POST p50':>8} {'watcher CPU/event':>17}")
            for clients in args.clients:
                clients = min(clients, MAX_CLIENTS)
                from_post, from_commit, lost, firsts, post_ms, watcher_ms = run(
                    server, clients, args.posts, Path(workdir) / COMMIT_LOG, max(1, args.watcher_processes))
                print(
                    f"{clients:>7} {args.posts:>5} {statistics.median(from_post):>16.1f} "
                    f"{percentile(from_post, 95):>6.1f} {statistics.median(from_commit):>18.1f} "
                    f"{percentile(from_commit, 95):>6.1f} {max(from_post):>6.1f} {lost:>5}"
                    f" {statistics.median(firsts):>9.1f} {statistics.median(post_ms):>8.1f} {watcher_ms:>17.2f}",
                    flush=True,
                )
        finally:
            server.stop()
            if redis:
                redis.stop()
            if deduce:
                deduce.stop()


if __name__ == "__main__":
    main()
