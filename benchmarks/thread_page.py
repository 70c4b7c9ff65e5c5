"""Throughput and latency of the thread page and the question list, next to two bare Flask limits.

Builds a throw-away SQLite database through the migrations and the services:
the demo world, one question of Anna's (family worker) with a thread of 30
posts (six advices with nested replies by Eva of Altrecht and Olaf of Youké)
and, by bulk insert, as many more questions as make 10,000 in all (areas,
publish events, an advice on every third; the FTS5 search table is filled by
its triggers). Then it serves, each on a free loopback port:

- the real app (`run.py`'s `app`, development configuration, rate limiting off);
- the bare limit, `benchmarks/bare_thread.py`'s `create_app()`: bare Flask +
  Flask-SQLAlchemy + Jinja showing the same 30 posts in 2 queries, no login;
- the logged-in limit, its `create_logged_in_app()`: the same bare page plus
  what any honest logged-in page must pay and nothing else — a server-side
  session row looked up by the cookie's random id, Flask-Login's user loaded
  from it, a Flask-WTF CSRF token in one reply form, a CSP nonce in one inline
  script and the header (4 queries). Its cookie comes from its benchmark-only
  `/bench-login/<id>` for the expert; without it the page must answer 401;

and loads them with `wrk` (2 threads, 16 connections, a 2 s warm-up each, then 5
rounds in which the pages take turns, 2 s each, reporting each page's medians):
the two limits, the thread page logged in as its owner and as an expert, `/vragen`
logged in as an expert (her areas, open and advised questions: where experts
land), and `/account`: the smallest logged-in page, which pays only for what
every page of the platform pays (server-side session, user, CSRF, layout). The
session and vault cookies of a real login go to wrk as a Cookie header; each
page is checked for a 200 with its content (not a login redirect) before and
after. It prints every page's req/s, p50/p95/p99, errors and CPU per request
(the gunicorn workers' CPU time over the requests served), then the ratios to
the limits with their targets, met or missed. Last, each page runs in-process,
one request at a time, to show how much of it is SQL.

Server: gunicorn with gthread workers (one per core, 4 threads each, each
taking at most its share of the connections), for all three apps, so the comparison
is fair. The project itself ships only `run.py`'s werkzeug server (Flask-SocketIO, threading mode), a development
server; gunicorn is what DESIGN.md measured for production. Its gevent
workers (DESIGN.md's fastest shape, for Socket.IO fan-out) are not
installed and only pay off with many idle sockets; page requests are CPU
bound, and gthread needs nothing but gunicorn.

Needs Debian's `wrk` (`apt-get install wrk`) and gunicorn (`make install-production`).
Run from the repository root:
    .venv/bin/python benchmarks/thread_page.py [--duration 10] [--rounds 5] [--connections 16] [--workers 2]
                                               [--threads 4] [--questions 10000]
Targets (no test asserts them), in req/s at 16 connections: thread page (owner
and expert) >= 70 % of the logged-in limit, `/account` >= 85 % of it, question
list >= 40 % of it; thread page >= 330 req/s (10x FlaskBB's 33 req/s measured
earlier); thread page and question list p95 < 50 ms. The thread page's share
of the bare limit is printed too (the earlier target, >= 70 %).
"""
import argparse
import importlib.metadata
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from expertise import create_app  # noqa: E402
from expertise.accounts.models import Role, User  # noqa: E402
from expertise.core.markdown import render_markdown  # noqa: E402
from expertise.core.time import utcnow  # noqa: E402
from expertise.demo import QUESTIONS as DEMO_QUESTIONS, seed_demo, seed_demo_totp  # noqa: E402
from expertise.extensions import db  # noqa: E402
from expertise.questions import service as questions  # noqa: E402
from expertise.questions.models import (  # noqa: E402
    EventKind, Post, PostKind, PostStatus, Question, QuestionEvent, Status, question_expertise_area,
)
from expertise.questions.views import PER_PAGE  # noqa: E402
from tests.support.realtime import DEMO_EMAILS, cookie_header, login_over_http  # noqa: E402
from tests.support.servers import AppServer, wait_for_port  # noqa: E402
from tests.support.totp import AUTHENTICATORS, DemoAuthenticator  # noqa: E402

TOTAL_QUESTIONS = 10_000
THREAD_POSTS = 30
P95_TARGET_MS = 50
# Shares of the logged-in limit's req/s: thread page, /account, question list.
THREAD_TARGET, ACCOUNT_TARGET, LIST_TARGET = 0.70, 0.85, 0.40
BARE_TARGET = 0.70  # the earlier target: the thread page's share of the bare limit
FLASKBB_RPS = 33  # FlaskBB's thread page measured earlier; the target is ten times that
RPS_TARGET = 10 * FLASKBB_RPS

# p95 is not among wrk --latency's percentiles: print what we need from Lua.
WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrk-result %d %d %.0f %.0f %.0f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""

ADVICE = [
    "Wat je beschrijft past bij **spanning die het kind niet kwijt kan**. Wat vaak helpt:\n\n"
    "- een vast moment per dag waarop het kind kan vertellen hoe het gaat;\n"
    "- beide ouders dezelfde twee of drie huisregels;\n"
    "- driftbuien uitzitten zonder straf, en er later samen op terugkomen.\n\n"
    "Houdt het na zes weken aan, overweeg dan een screening op angst of trauma.",
    "Vanuit de opvoedondersteuning: maak met ouders een *gezamenlijk* plan voor de overdracht tussen "
    "de twee huizen. Kinderen reageren vaak het sterkst op de wisselmomenten. Een vaste tas, een vast "
    "tijdstip en geen gesprekken over geld of afspraken waar het kind bij is.",
]
REPLY = [
    "Dank je, dat herken ik. Moeder vraagt of het uitmaakt dat vader de regels niet wil afspreken?",
    "Dan zou ik eerst met moeder alleen beginnen: wat zij thuis voorspelbaar maakt, helpt al. "
    "Zie ook de [uitleg over scheiden](https://www.opvoeden.nl/scheiden) voor ouders.",
    "Aanvulling vanuit de GGZ: let op signalen als slecht slapen, buikpijn of niet meer naar vrienden "
    "willen. Dan is *meer* nodig dan opvoedadvies alleen.",
    "Eens. En vraag school wat zij zien: gedrag in de klas zegt veel over hoe het kind het volhoudt.",
]


def build_world(now, rng, total=TOTAL_QUESTIONS):
    """Fill the empty database: demo world, the 30-post thread, bulk questions up to `total`.

    Returns the thread's id and the demo accounts' TOTP secrets (to log in).
    """
    from flask_migrate import upgrade

    upgrade()
    seed_demo()
    totp_secrets = seed_demo_totp()
    people = {u.email: u for u in db.session.scalars(sa.select(User))}
    anna, bram = people[DEMO_EMAILS["anna"]], people[DEMO_EMAILS["bram"]]
    eva, olaf = people[DEMO_EMAILS["eva"]], people[DEMO_EMAILS["olaf"]]
    areas = questions.active_areas()
    thread = build_thread(anna, [eva, olaf], eva.expertise_areas + olaf.expertise_areas[:1], now)
    existing = db.session.scalar(sa.select(sa.func.count(Question.id)))
    bulk_questions(total - existing, [anna, bram], [eva, olaf], areas, now, rng)
    db.session.commit()
    fts = db.session.scalar(sa.text("SELECT count(*) FROM question_fts"))
    assert fts == total, f"search table holds {fts} questions, not {total}"
    return thread.id, totp_secrets


def build_thread(owner, experts, areas, now):
    """One question with six advices, each with three nested replies and one more reply to the advice."""
    at = now - timedelta(days=3)
    question = questions.post_question(
        owner, title="Driftbuien en terugtrekken na de scheiding van ouders",
        situation="Een jongen van 9 heeft sinds de scheiding van zijn ouders **driftbuien** bij moeder "
                  "en trekt zich bij vader terug op zijn kamer.\n\nOp school gaat het nog redelijk.",
        request="Is dit een reactie op de scheiding, of is er meer aan de hand? Wat kunnen ouders doen?",
        child_age=9, child_gender="boy", areas=areas, visibility="team", family_consent=True, now=at,
    )
    n = 0
    for round_ in range(THREAD_POSTS // 5):
        chain = []
        for parent in (None, 0, 1, 2, 0):  # depths 0, 1, 2, 3 and a second reply to the advice
            at += timedelta(minutes=37)
            body = ADVICE[round_ % 2] if parent is None else REPLY[n % len(REPLY)]
            chain.append(questions.post_reply(experts[(round_ + len(chain)) % 2], question, body=body,
                                              parent=None if parent is None else chain[parent], now=at))
            n += 1
        held = [post.id for post in chain if post.status != PostStatus.PUBLISHED]
        assert not held, f"moderation held posts {held}: the thread would not show {THREAD_POSTS} posts"
    return question


def bulk_questions(count, owners, experts, areas, now, rng):
    """Insert `count` published questions as the services would leave them, in a few statements."""
    texts = [(title, situation, render_markdown(situation), request, render_markdown(request))
             for _owner, title, situation, request, *_rest in DEMO_QUESTIONS]
    advice = DEMO_QUESTIONS[0][-1][1]
    advice_html = render_markdown(advice)
    first_id = db.session.scalar(sa.select(sa.func.max(Question.id))) + 1
    rows, links, events, posts = [], [], [], []
    for n in range(count):
        question_id, owner = first_id + n, owners[n % len(owners)]
        title, situation, situation_html, request, request_html = texts[n % len(texts)]
        published = now - timedelta(days=4, minutes=50 * (count - n))  # about a year of questions
        urgency = "urgent" if n % 7 == 0 else "normal"
        advised = n % 3 == 0
        rows.append(dict(
            id=question_id, owner_id=owner.id, team_id=owner.team_id, title=f"{title} ({n + 1})",
            situation=situation, situation_html=situation_html, request=request, request_html=request_html,
            child_age=rng.randint(0, 17), child_gender=rng.choice(["girl", "boy", ""]), urgency=urgency,
            visibility="team", family_consent=True,
            status=(Status.ADVISED if advised else Status.OPEN).value,
            created_at=published, updated_at=published, published_at=published,
            advice_due_at=questions.advice_due(published, urgency),
            first_advice_at=published + timedelta(hours=3) if advised else None,
        ))
        links += [dict(question_id=question_id, expertise_area_id=area.id)
                  for area in rng.sample(areas, rng.randint(1, 2))]
        events.append(dict(question_id=question_id, actor_id=owner.id, kind=EventKind.PUBLISHED.value,
                           created_at=published))
        if advised:
            expert = experts[n % 2]
            posts.append(dict(
                question_id=question_id, author_id=expert.id, depth=0, kind=PostKind.ADVICE.value,
                author_role=Role.EXPERT.value, organisation_id=expert.organisation_id, body=advice,
                body_html=advice_html, status=PostStatus.PUBLISHED.value,
                created_at=published + timedelta(hours=3),
            ))
    db.session.execute(sa.insert(Question), rows)
    db.session.execute(sa.insert(question_expertise_area), links)
    db.session.execute(sa.insert(QuestionEvent), events)
    db.session.execute(sa.insert(Post), posts)


class Gunicorn(AppServer):
    """A WSGI app under gunicorn on a free loopback port, with AppServer's environment and stop()."""

    def __init__(self, workdir, app_spec, options, env=None):
        super().__init__(workdir, env=env)
        self.app_spec, self.options = app_spec, options

    def start(self, name):
        self.log = open(self.workdir / f"{name}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", *self.options, self.app_spec],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process)
        return self


def check_page(url, cookie, pattern, expected):
    """Fail loudly unless the page answers 200 (no redirect) with `expected` matches of `pattern`."""
    response = requests.get(url, headers={"Cookie": cookie} if cookie else {}, allow_redirects=False, timeout=30)
    found = len(re.findall(pattern, response.text))
    if response.status_code != 200 or found != expected:
        raise SystemExit(f"{url}: status {response.status_code}, {found} of {expected} × {pattern!r}")


def workers_cpu_seconds(server):
    """Return the CPU time (user + system) the server's gunicorn workers have used so far (Linux /proc).

    Divided by the requests served, it is the cost of a page, steadier than req/s
    on a shared machine: other load lowers the rate, not the CPU a request needs.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for child in Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split():
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def wrk(url, cookie, lua, seconds, connections):
    """Run wrk against one URL; return (req/s, p50, p95, p99 in ms, socket errors, non-2xx/3xx)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(lua)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("wrk-result"))
    count, duration_us, p50, p95, p99, socket_errors, status_errors = (float(x) for x in line.split()[1:])
    return count / (duration_us / 1e6), p50 / 1000, p95 / 1000, p99 / 1000, int(socket_errors), int(status_errors)


def profile(app, cookies, path, runs=20, database=db):
    """Run the page in-process, one request at a time; return (queries, SQL ms, request ms, top statements)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    client.get(path)  # warm-up
    per_statement = defaultdict(lambda: [0, 0.0])

    def before(conn, cursor, statement, *args):
        conn.info["started"] = time.perf_counter()

    def after(conn, cursor, statement, *args):
        entry = per_statement[" ".join(statement.split())]
        entry[0] += 1
        entry[1] += time.perf_counter() - conn.info.pop("started")

    with app.app_context():
        engine = database.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        started = time.perf_counter()
        for _ in range(runs):
            assert client.get(path).status_code == 200, path
        elapsed = time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    queries = sum(count for count, _ in per_statement.values()) / runs
    sql_ms = sum(seconds for _, seconds in per_statement.values()) * 1000 / runs
    top = sorted(per_statement.items(), key=lambda item: -item[1][1])[:3]
    return queries, sql_ms, elapsed * 1000 / runs, [(s, t * 1000 / runs) for s, (_, t) in top]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (max 60)")
    parser.add_argument("--rounds", type=int, default=5, help="turns the pages take, each duration/rounds s")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--questions", type=int, default=TOTAL_QUESTIONS,
                        help="questions in the database (the figures are for 10,000; fewer for a quick check)")
    args = parser.parse_args()
    duration = max(1, min(args.duration, 60))
    total = max(100, min(args.questions, 100_000))
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    try:
        gunicorn_version = importlib.metadata.version("gunicorn")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit("gunicorn is missing: make install-production")

    # Each worker takes at most its share of wrk's keep-alive connections. Without a cap, the worker
    # that wakes first accepted all 16 in about half the runs and served them alone on one core while
    # the other idled, which halved req/s at random (the CPU per request stayed the same).
    per_worker = -(-args.connections // args.workers)
    options = ["--worker-class", "gthread", "--workers", str(args.workers), "--threads", str(args.threads),
               "--worker-connections", str(per_worker)]
    with tempfile.TemporaryDirectory(prefix="ep-thread-bench-") as workdir:
        real = Gunicorn(workdir, "run:app", options, env={"RATELIMIT_ENABLED": "false"})
        # The in-process app must share the server's configuration (database, throw-away secrets).
        os.environ.update({k: v for k, v in real.env.items() if k != "PORT"})
        from config import config_from_env

        app = create_app(config_from_env())
        started = time.perf_counter()
        with app.app_context():
            thread_id, totp_secrets = build_world(utcnow(), random.Random(2026), total)
            expert = db.session.scalar(sa.select(User).filter_by(email=DEMO_EMAILS["eva"]))
            expert_id = expert.id
            listed = questions.find_questions(expert, now=utcnow(), areas=expert.expertise_areas,
                                              statuses=(Status.OPEN, Status.ADVISED), per_page=1).total
        print(f"database: {total} questions, thread #{thread_id} with {THREAD_POSTS} posts, "
              f"built in {time.perf_counter() - started:.1f} s")

        bare_env = {"BARE_DATABASE_URL": real.env["DATABASE_URL"], "BARE_SECRET_KEY": secrets.token_hex(32)}
        bare_options = options + ["--pythonpath", str(ROOT / "benchmarks")]
        bare = Gunicorn(workdir, "bare_thread:create_app()", bare_options, env=bare_env)
        limit = Gunicorn(workdir, "bare_thread:create_logged_in_app()", bare_options, env=bare_env)
        servers = [real.start("real"), bare.start("bare"), limit.start("limit")]
        AUTHENTICATORS[real.url] = DemoAuthenticator(totp_secrets.items())
        try:
            anna = cookie_header(login_over_http(real.url, DEMO_EMAILS["anna"]))
            eva = cookie_header(login_over_http(real.url, DEMO_EMAILS["eva"]))
            limit_page = f"{limit.url}/vragen/{thread_id}"
            anonymous = requests.get(limit_page, allow_redirects=False, timeout=30).status_code
            if anonymous not in (302, 401):
                raise SystemExit(f"{limit_page} without a session: status {anonymous}, not 401")
            login = requests.get(f"{limit.url}/bench-login/{expert_id}", allow_redirects=False, timeout=30)
            limit_cookie = f"bare_sid={login.cookies['bare_sid']}"
            # Its first page stores the session's CSRF secret; then: one form with a token, one nonce
            # in both the header and the script.
            check_page(limit_page, limit_cookie, r'name="csrf_token" value="[^"]{40,}"', 1)
            response = requests.get(limit_page, headers={"Cookie": limit_cookie}, timeout=30)
            nonce = re.search(r'<script nonce="([^"]+)">', response.text)
            if not nonce or f"'nonce-{nonce[1]}'" not in response.headers.get("Content-Security-Policy", ""):
                raise SystemExit(f"{limit_page}: no inline script with the header's CSP nonce")
            pages = [
                (f"bare Flask page, {THREAD_POSTS} posts, 2 queries", f"{bare.url}/vragen/{thread_id}", None,
                 r'<article id="bericht-', THREAD_POSTS),
                (f"logged-in limit, {THREAD_POSTS} posts, 4 queries", limit_page, limit_cookie,
                 r'<article id="bericht-', THREAD_POSTS),
                (f"thread page, {THREAD_POSTS} posts (owner)", f"{real.url}/vragen/{thread_id}", anna,
                 r'<article class="post', THREAD_POSTS),
                (f"thread page, {THREAD_POSTS} posts (expert)", f"{real.url}/vragen/{thread_id}", eva,
                 r'<article class="post', THREAD_POSTS),
                (f"question list, {listed} of {total:,} (expert)", f"{real.url}/vragen", eva,
                 r"question-list__title", PER_PAGE),
                # The floor: what any logged-in page of the platform costs before its own content.
                ("smallest logged-in page: /account (expert)", f"{real.url}/account", eva,
                 r'<h1 class="utrecht-heading-1">', 1),
            ]
            rounds = max(1, min(args.rounds, duration))
            per_round = max(1, duration // rounds)
            lua = Path(workdir) / "report.lua"
            lua.write_text(WRK_LUA)
            print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before; python "
                  f"{platform.python_version()}, gunicorn {gunicorn_version} gthread {args.workers} workers x "
                  f"{args.threads} threads, {per_worker} connections each; wrk -t2 -c{args.connections}, "
                  f"{rounds} rounds of {per_round} s per page after a 2 s warm-up (medians); "
                  f"{date.today().isoformat()}")
            print(f"{'page':<44} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}"
                  f" {'CPU ms/req':>10}")
            # The pages take turns, `rounds` runs of duration/rounds seconds each, and each figure is
            # the median over its rounds: a shared machine's speed drifts within a minute, and
            # one long run per page would compare the pages at different moments.
            for _name, url, cookie, pattern, expected in pages:
                check_page(url, cookie, pattern, expected)
                wrk(url, cookie, lua, 2, args.connections)  # warm-up
            runs = [[] for _ in pages]
            cpu = [0.0 for _ in pages]
            for _ in range(rounds):
                for i, (_name, url, cookie, _pattern, _expected) in enumerate(pages):
                    server = next(server for server in servers if url.startswith(f"{server.url}/"))
                    cpu_before = workers_cpu_seconds(server)
                    runs[i].append(wrk(url, cookie, lua, per_round, args.connections))
                    cpu[i] += workers_cpu_seconds(server) - cpu_before
            results = []
            for i, (name, url, cookie, pattern, expected) in enumerate(pages):
                check_page(url, cookie, pattern, expected)
                rps, p50, p95, p99 = (statistics.median(run[k] for run in runs[i]) for k in range(4))
                errors = sum(run[4] + run[5] for run in runs[i])
                cpu_ms = cpu[i] * 1000 / max(1, sum(run[0] * per_round for run in runs[i]))
                results.append((rps, p50, p95, p99, errors, cpu_ms))
                print(f"{name:<44} {rps:>8.1f} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f} {errors:>7} {cpu_ms:>10.1f}")
        finally:
            for server in servers:
                server.stop()

        bare_result, limit_result, owner, expert, listing, account = results

        def verdict(ok):
            return "met" if ok else "MISSED"

        def share(result, limit_result):
            """'N % of req/s, M.Mx its CPU per request' of `result` against a limit."""
            return (result[0] / limit_result[0],
                    f"{result[0] / limit_result[0]:.0%} of req/s, {result[5] / limit_result[5]:.1f}x its CPU per request")

        # Indented, so that no verdict line reads as a row of the table above.
        print(f"targets (req/s and p95 at {args.connections} connections):")
        for name, result, target in (("thread page (owner)", owner, THREAD_TARGET),
                                     ("thread page (expert)", expert, THREAD_TARGET),
                                     ("/account", account, ACCOUNT_TARGET),
                                     ("question list", listing, LIST_TARGET)):
            ratio, text = share(result, limit_result)
            print(f"  {name} / logged-in limit: {text} (target >= {target:.0%}): {verdict(ratio >= target)}")
        for who, result in (("owner", owner), ("expert", expert)):
            ratio, text = share(result, bare_result)
            print(f"  thread page ({who}) / bare limit: {text} (earlier target >= {BARE_TARGET:.0%}): "
                  f"{verdict(ratio >= BARE_TARGET)}")
        for who, (rps, _, p95, *_) in (("owner", owner), ("expert", expert)):
            print(f"  thread page ({who}): {rps:.0f} req/s (target >= {RPS_TARGET}, 10x FlaskBB's {FLASKBB_RPS}): "
                  f"{verdict(rps >= RPS_TARGET)}; p95 {p95:.1f} ms (target < {P95_TARGET_MS} ms): "
                  f"{verdict(p95 < P95_TARGET_MS)}")
        print(f"  question list: p95 {listing[2]:.1f} ms (target < {P95_TARGET_MS} ms): "
              f"{verdict(listing[2] < P95_TARGET_MS)}")
        ratio, text = share(limit_result, bare_result)
        print(f"  logged-in limit / bare limit: {text} (no target: the price of session, user, CSRF, nonce)")

        print("\nin-process, one request at a time (where the time goes):")
        sys.path.insert(0, str(ROOT / "benchmarks"))
        os.environ.update(bare_env)
        import bare_thread

        bare_app, limit_app = bare_thread.create_app(), bare_thread.create_logged_in_app()
        for name, in_process, path, http, database in (
                ("bare limit", bare_app, f"/vragen/{thread_id}", "", bare_thread.db),
                ("logged-in limit", limit_app, f"/vragen/{thread_id}", limit_cookie, bare_thread.db),
                ("thread page (owner)", app, f"/vragen/{thread_id}", anna, db),
                ("thread page (expert)", app, f"/vragen/{thread_id}", eva, db),
                ("question list", app, "/vragen", eva, db),
                ("smallest logged-in page", app, "/account", eva, db)):
            cookies = dict(part.split("=", 1) for part in http.split("; ") if part)
            queries, sql_ms, request_ms, top = profile(in_process, cookies, path, database=database)
            print(f"  {name}: {request_ms:.1f} ms per request, {queries:.0f} queries taking {sql_ms:.1f} ms")
            for statement, ms in top:
                print(f"    {ms:5.2f} ms  {statement[:110]}")


if __name__ == "__main__":
    main()
