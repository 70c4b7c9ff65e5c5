"""Measure concurrent posting: N logged-in experts post advice at once; errors, latency, nothing lost or doubled.

Starts the platform (demo world) on a free loopback port, on SQLite or a
throw-away PostgreSQL cluster, in one of two shapes, logs in N sessions (the
two demo experts in turn, each session its own login) and lets them post M
advices each at the same time, as a browser does: open the form
(`GET /vragen/<id>/reageren`, which hands out the CSRF token and the one-time
submission key), send it (`POST`, timed) and follow the redirect to the
thread (which marks the question read: a GET that writes). Afterwards it
counts the posts in the database.

It reports per run: attempts, posts acknowledged (302 to the new post),
HTTP 500s and other errors, posts stored, duplicates (a post stored twice),
posts/s over the run, and p50/p95/max of the POSTs in ms. The last line is
machine-readable, one per shape:
    RESULT <shape> <attempts> <acknowledged> <http500> <errors> <stored> <duplicates> <posts/s> <p50> <p95> <max>

Shapes (several run one after another on the same seeded database):
  threading   python run.py's werkzeug server, threads (`make run`)
  gevent      gunicorn, 2 gevent(-websocket) workers, SOCKETIO_ASYNC_MODE=gevent (production)

Run: .venv/bin/python benchmarks/concurrent_posting.py [--database sqlite|postgresql] [--shape threading gevent]
     [--sessions 8] [--posts 50] [--deduce]
The gevent shape needs `make install-production` or `make install-test`; --deduce the cache `make install`
builds. Rate limits are off for the run (one account posts more than 30 an hour here). Loopback only.
"""
import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from question_room_fanout import DeduceWorker, GunicornServer, percentile  # noqa: E402
from tests.support.realtime import DEMO_EMAILS, csrf_token  # noqa: E402
from tests.support.servers import AppServer, PostgresCluster  # noqa: E402
from tests.support.totp import AUTHENTICATORS  # noqa: E402

from expertise.demo import DEMO_PASSWORD  # noqa: E402

SHAPES = ("threading", "gevent")
QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question
MARKER = "Belastingtest"
ADVICE = (
    "Overweeg specialistische GGZ en bespreek het eerst met de huisarts. Een vast ritme met vaste "
    "bedtijden helpt vaak; het CJG kan meedenken. Spreek met school af wie het aanspreekpunt is en hoe "
    "vaak jullie contact hebben, zodat de jongere niet tussen twee partijen in komt te staan. "
    + MARKER + " {session}-{n}."  # session: "<shape>-<number>"
)
_KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission_key"')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def login(base_url, email):
    """Return a new requests.Session logged in as this demo account (its own server session)."""
    http = requests.Session()
    response = http.post(base_url + "/inloggen", allow_redirects=False, timeout=30,
                         data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf_token(http, base_url)})
    assert response.status_code == 302, response.status_code
    if response.headers["Location"].endswith("/inloggen/code"):
        response = http.post(base_url + "/inloggen/code", allow_redirects=False, timeout=30, data={
            "code": AUTHENTICATORS[base_url].code(email),
            "csrf_token": csrf_token(http, base_url, "/inloggen/code"),
        })
        assert response.status_code == 302, response.status_code
    return http


def _wait_until_serving(base_url, timeout=120):
    """Wait until the server answers (gunicorn's workers may still be importing the app)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(base_url + "/inloggen", timeout=timeout).status_code == 200:
                return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def question_id(base_url, http):
    page = http.get(base_url + "/vragen?status=alle", timeout=30).text
    match = re.search(r'href="/vragen/(\d+)"[^>]*>\s*' + re.escape(QUESTION), page)
    assert match, "demo question not found"
    return int(match.group(1))


def _field(pattern, page):
    match = pattern.search(page)
    return (match.group(1) or match.group(2)) if match else None


class Poster(threading.Thread):
    """One session posting `posts` advices as fast as the server answers."""

    def __init__(self, base_url, http, number, question, posts, start):
        super().__init__(daemon=True)
        self.base_url, self.http, self.number, self.question, self.posts = base_url, http, number, question, posts
        self.start_gate = start
        self.latencies, self.statuses, self.acknowledged, self.failures = [], Counter(), 0, []

    def run(self):
        form_url = f"{self.base_url}/vragen/{self.question}/reageren"
        self.start_gate.wait()
        for n in range(self.posts):
            try:
                page = self.http.get(form_url, timeout=60)
                if page.status_code != 200:
                    self.statuses[f"form {page.status_code}"] += 1
                    continue
                data = {"body": ADVICE.format(session=self.number, n=n), "actie": "plaatsen",
                        "csrf_token": _field(_CSRF, page.text)}
                key = _field(_KEY, page.text)
                if key:
                    data["submission_key"] = key
                sent = time.monotonic()
                response = self.http.post(form_url, data=data, allow_redirects=False, timeout=60)
                self.latencies.append((time.monotonic() - sent) * 1000)
                self.statuses[response.status_code] += 1
                if response.status_code == 302 and "#bericht-" in response.headers.get("Location", ""):
                    self.acknowledged += 1
                    thread = self.http.get(urljoin(self.base_url, response.headers["Location"]), timeout=60)
                    if thread.status_code != 200:
                        self.statuses[f"thread {thread.status_code}"] += 1
            except requests.RequestException as error:
                self.failures.append(type(error).__name__)


def stored_posts(database_url, shape):
    """Return the marker of every post this shape's run stored (one per stored post)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            bodies = connection.execute(sa.text("SELECT body FROM post WHERE body LIKE :m"),
                                        {"m": f"%{MARKER} {shape}-%"}).scalars().all()
    finally:
        engine.dispose()
    return [re.search(MARKER + r" \w+-(\d+-\d+)\.", body).group(1) for body in bodies]


def _post_all(server, shape, sessions, posts):
    emails = [DEMO_EMAILS["eva"], DEMO_EMAILS["olaf"]]
    https = [login(server.url, emails[n % 2]) for n in range(sessions)]
    question = question_id(server.url, https[0])
    gate = threading.Event()
    posters = [Poster(server.url, http, f"{shape}-{n}", question, posts, gate) for n, http in enumerate(https)]
    for poster in posters:
        poster.start()
    began = time.monotonic()
    gate.set()
    for poster in posters:
        poster.join()
    return posters, time.monotonic() - began


def _figures(posters, elapsed, markers, sessions, posts):
    statuses = sum((p.statuses for p in posters), Counter())
    latencies = [ms for p in posters for ms in p.latencies]
    acknowledged = sum(p.acknowledged for p in posters)
    return {
        "attempts": sessions * posts,
        "acknowledged": acknowledged,
        "http500": statuses.get(500, 0),
        "errors": sum(n for status, n in statuses.items() if status != 302) + sum(len(p.failures) for p in posters),
        "statuses": dict(statuses),
        "failures": dict(Counter(f for p in posters for f in p.failures)),
        "stored": len(markers),
        "duplicates": len(markers) - len(set(markers)),
        "posts_per_second": acknowledged / elapsed if elapsed else 0.0,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": percentile(latencies, 95),
        "max": max(latencies, default=float("nan")),
    }


def run(*, shapes, database, sessions, posts, deduce_cache=None, workdir):
    """Run the load test in each shape, one after another on one seeded database; return {shape: figures}."""
    workdir = Path(workdir)
    cluster = deduce = None
    results, first = {}, None
    try:
        if database == "postgresql":
            cluster = PostgresCluster().start()
            database_url = cluster.url
        else:
            database_url = f"sqlite:///{workdir / 'load.db'}"
        env = {"RATELIMIT_ENABLED": "false", "DATABASE_URL": database_url}
        if deduce_cache:
            deduce = DeduceWorker(workdir, deduce_cache)
            env["EXPERTISE_DEDUCE_SOCKET"] = deduce.socket
        for shape in shapes:
            server = AppServer(workdir, env=env) if shape == "threading" else GunicornServer(workdir, env, workers=2)
            if first is not None:  # the database is seeded already
                server.seed = lambda: None
                server.share_authenticator(first)
            try:
                server.start()
                _wait_until_serving(server.url)
                posters, elapsed = _post_all(server, shape, sessions, posts)
                results[shape] = _figures(posters, elapsed, stored_posts(database_url, shape), sessions, posts)
                results[shape]["server_log"] = server.log_text()
            except Exception:
                if server.process is not None:
                    print(server.log_text()[-3000:], file=sys.stderr)
                raise
            finally:
                server.stop()
            first = first or server
        return results
    finally:
        if deduce is not None:
            deduce.stop()
        if cluster is not None:
            cluster.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--shape", choices=SHAPES, nargs="+", default=["threading"])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--posts", type=int, default=50, help="posts per session")
    parser.add_argument("--deduce", action="store_true", help="run the deduce worker (needs its cache)")
    parser.add_argument("--deduce-cache", default=os.environ.get("EXPERTISE_DEDUCE_CACHE")
                        or str(ROOT / ".venv" / "deduce-cache"))
    args = parser.parse_args()
    if args.deduce and not (Path(args.deduce_cache) / "cache").is_dir():
        sys.exit(f"no deduce cache in {args.deduce_cache} (make install builds it)")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ep-posting-") as workdir:
        results = run(shapes=args.shape, database=args.database, sessions=args.sessions, posts=args.posts,
                      deduce_cache=args.deduce_cache if args.deduce else None, workdir=workdir)
    print(f"{args.database}; deduce worker {'on' if args.deduce else 'off'}; {os.cpu_count()} cores, "
          f"load average {load:.2f} before; {args.sessions} sessions x {args.posts} posts")
    print(f"{'shape':<10} {'attempts':>8} {'acked':>6} {'HTTP 500':>8} {'errors':>6} {'stored':>6} {'dupl.':>5}"
          f" {'posts/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    failed = False
    for shape, f in results.items():
        print(f"{shape:<10} {f['attempts']:>8} {f['acknowledged']:>6} {f['http500']:>8} {f['errors']:>6}"
              f" {f['stored']:>6} {f['duplicates']:>5} {f['posts_per_second']:>7.1f} {f['p50']:>7.0f}"
              f" {f['p95']:>7.0f} {f['max']:>7.0f}")
        if f["errors"] or f["acknowledged"] != f["stored"] or f["duplicates"]:
            failed = True
            print(f"{shape}: statuses {f['statuses']}, connection failures {f['failures']}", file=sys.stderr)
            print(f["server_log"][-3000:], file=sys.stderr)
    for shape, f in results.items():
        print("RESULT", shape, f["attempts"], f["acknowledged"], f["http500"], f["errors"], f["stored"],
              f["duplicates"], f"{f['posts_per_second']:.2f}", f"{f['p50']:.1f}", f"{f['p95']:.1f}",
              f"{f['max']:.1f}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
