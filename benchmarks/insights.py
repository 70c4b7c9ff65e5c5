"""Time of the coordinator dashboard (/inzicht) on a large database, SQLite and PostgreSQL.

Builds a throw-away database through the migrations (the demo world for the logins),
then bulk-inserts, spread over the last 365 days: `--questions` questions (default
100,000) of 220 family workers in 18 teams, in 8 areas, with `--posts` posts in all
(default 1,000,000; an expert's advice first on two in three questions, the rest
replies), closings with outcome and ratings on two in five, follow-up answers,
and a weekly consultation with attendance. Then, in-process and one at a time, it
times `insights.service.dashboard` for this month, last month, the quarter and the
year (no filter, and the year with a team, an organisation and an area filter),
and the whole page `GET /inzicht` logged in as the demo coordinator (both factors).
Each figure is the median of `--runs` runs after one warm-up, with the page's SQL
time and number of queries.

Each database runs in a child process of its own (the configuration reads
DATABASE_URL at import); PostgreSQL is a throw-away Debian 15 cluster on a loopback
port (tests/support/servers.PostgresCluster), ANALYZEd after the load.

Run from the repository root:
    .venv/bin/python benchmarks/insights.py [--questions 100000] [--posts 1000000]
                                            [--database sqlite|postgresql|both] [--runs 5]
Goal (no test asserts it): under 300 ms per page view.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "platform"))

TEAMS, WORKERS, AREAS, ORGANISATIONS, EXPERTS = 18, 220, 8, 5, 60
CHUNK = 20_000


def _insert(db, table, rows):
    import sqlalchemy as sa

    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            db.session.execute(sa.insert(table), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(table), batch)


def build(total_questions, total_posts, now, rng):
    """Fill the database; return the number of questions and posts inserted."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from expertise.accounts.models import ExpertiseArea, Organisation, Team, User, UserRole, user_expertise_area
    from expertise.consultations.models import Attendance, Consultation, Meeting
    from expertise.demo import seed_demo, seed_demo_totp
    from expertise.extensions import db
    from expertise.insights.models import FollowUp
    from expertise.questions import service as questions
    from expertise.questions.models import Post, Question, question_expertise_area

    upgrade()
    seed_demo()
    secrets = seed_demo_totp()
    db.session.flush()
    teams = [Team(name=f"Buurtteam B{n:02d}") for n in range(TEAMS)]
    organisations = [Organisation(name=f"Zorgaanbieder Z{n}") for n in range(ORGANISATIONS)]
    areas = [ExpertiseArea(name=f"Gebied G{n}", description="") for n in range(AREAS)]
    db.session.add_all(teams + organisations + areas)
    db.session.flush()
    workers = [User(email=f"gw{n}@bench.test", name=f"Gezinswerker {n}", team_id=teams[n % TEAMS].id)
               for n in range(WORKERS)]
    experts = [User(email=f"dk{n}@bench.test", name=f"Deskundige {n}",
                    organisation_id=organisations[n % ORGANISATIONS].id) for n in range(EXPERTS)]
    db.session.add_all(workers + experts)
    db.session.flush()
    _insert(db, UserRole, ([dict(user_id=u.id, role="family_worker") for u in workers]
                           + [dict(user_id=u.id, role="expert") for u in experts]))
    _insert(db, user_expertise_area, [dict(user_id=u.id, expertise_area_id=areas[(n + k) % AREAS].id)
                                      for n, u in enumerate(experts) for k in range(2)])
    expert_org = {u.id: u.organisation_id for u in experts}

    first_id = (db.session.scalar(sa.select(sa.func.max(Question.id))) or 0) + 1
    posts_per_question = max(1, total_posts // total_questions)
    extra_posts = total_posts - posts_per_question * total_questions
    span = timedelta(days=365).total_seconds()

    def question_rows():
        for n in range(total_questions):
            owner = workers[n % WORKERS]
            published = now - timedelta(seconds=span * (total_questions - n) / total_questions)
            urgency = "urgent" if n % 7 == 0 else "normal"
            advised = n % 3 != 0
            first = published + timedelta(hours=rng.choice([2, 5, 20, 30, 50, 70, 100])) if advised else None
            closed = advised and n % 5 < 2 and first < now
            yield dict(
                id=first_id + n, owner_id=owner.id, team_id=owner.team_id, title=f"Vraag {n}",
                situation="", situation_html="", request="", request_html="", child_age=8, child_gender="",
                urgency=urgency, visibility="team", family_consent=True,
                status="closed" if closed else ("advised" if advised else "open"),
                created_at=published, updated_at=published, published_at=published,
                advice_due_at=questions.advice_due(published, urgency),
                first_advice_at=first, closed_at=first + timedelta(days=3) if closed else None,
                outcome=rng.choice(["followed", "partly", "not_followed"]) if closed else None, outcome_note="",
            )

    _insert(db, Question, question_rows())
    _insert(db, question_expertise_area, (dict(question_id=first_id + n, expertise_area_id=areas[a].id)
                                          for n in range(total_questions)
                                          for a in sorted({n % AREAS, (n * 3 + 1) % AREAS} if n % 4 == 0
                                                          else {n % AREAS})))

    def post_rows():
        for n in range(total_questions):
            advised = n % 3 != 0
            published = now - timedelta(seconds=span * (total_questions - n) / total_questions)
            closed = advised and n % 5 < 2
            count = posts_per_question + (1 if n < extra_posts else 0)
            for k in range(count):
                expert = experts[(n + k) % EXPERTS]
                advice = advised and k == 0
                at = published + timedelta(hours=2 + k) if not advice else published + timedelta(hours=2)
                yield dict(
                    question_id=first_id + n, author_id=expert.id if (advice or k % 2) else workers[n % WORKERS].id,
                    depth=0 if advice else 1, kind="advice" if advice else "comment",
                    author_role="expert" if (advice or k % 2) else "family_worker",
                    organisation_id=expert_org[expert.id] if (advice or k % 2) else None,
                    body="Een advies.", body_html="<p>Een advies.</p>", status="published",
                    created_at=at, rating=rng.randint(1, 5) if (advice and closed) else None,
                )

    _insert(db, Post, post_rows())
    _insert(db, FollowUp, (dict(question_id=first_id + n, asked_at=now - timedelta(days=30),
                                answered_at=now - timedelta(days=rng.randint(1, 300)),
                                situation=rng.choice(["improved", "unchanged", "worse"]),
                                referral=rng.choice(["avoided", "not_avoided", "unknown"]))
                           for n in range(0, total_questions, 15)))
    from datetime import time as dtime

    series = Consultation(name="Overleg bench", weekday=2, start_time=dtime(14, 0), starts_on=(now - timedelta(days=365)).date())
    db.session.add(series)
    db.session.flush()
    for week in range(52):
        start = now - timedelta(weeks=week, days=1)
        meeting = Meeting(consultation_id=series.id, meeting_date=start.date(), starts_at=start,
                          ends_at=start + timedelta(minutes=90), status="held")
        db.session.add(meeting)
        db.session.flush()
        db.session.add_all([Attendance(meeting_id=meeting.id, user_id=e.id, organisation_id=e.organisation_id,
                                       present=True, minutes=90) for e in experts[:6]])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return secrets


def _login(app, secrets):
    import re

    from expertise.demo import DEMO_PASSWORD
    from tests.support.totp import DemoAuthenticator

    client = app.test_client()
    email = "coordinator@demo.test"
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/inloggen").get_data(as_text=True)).group(1)
    response = client.post("/inloggen", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    code = DemoAuthenticator(secrets.items()).code(email)
    page = client.get("/inloggen/code").get_data(as_text=True)  # the session (and its token) is new
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/inloggen/code", data={"code": code, "csrf_token": token})
    assert response.status_code == 302 and not response.headers["Location"].endswith("/code"), (
        "login failed", response.status_code, response.headers.get("Location"), response.get_data(as_text=True)[:3000])
    return client


def _timed(function, runs):
    function()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def child(args):
    """Build and measure one database (in this process)."""
    import sqlalchemy as sa

    from config import config_from_env
    from expertise import create_app
    from expertise.core.time import utcnow
    from expertise.extensions import db

    app = create_app(config_from_env())
    rng = random.Random(2026)
    now = utcnow()
    with app.app_context():
        started = time.perf_counter()
        secrets = build(args.questions, args.posts, now, rng)
        questions = db.session.scalar(sa.text("SELECT count(*) FROM question"))
        posts = db.session.scalar(sa.text("SELECT count(*) FROM post"))
        dialect = db.engine.dialect.name
        print(f"{dialect}: {questions} questions, {posts} posts, built in {time.perf_counter() - started:.0f} s",
              flush=True)
    measure(app, secrets, args.runs)


def measure(app, secrets, runs):
    """Time the figures and the page on the database the app is bound to."""
    import sqlalchemy as sa
    from sqlalchemy import event

    from expertise.core.time import utcnow
    from expertise.extensions import db
    from expertise.insights import service

    now = utcnow()
    with app.app_context():
        today = now.astimezone(service.AMSTERDAM).date()
        team = db.session.scalar(sa.text("SELECT id FROM team WHERE name = 'Buurtteam B03'"))
        organisation = db.session.scalar(sa.text("SELECT id FROM organisation WHERE name = 'Zorgaanbieder Z1'"))
        area = db.session.scalar(sa.text("SELECT id FROM expertise_area WHERE name = 'Gebied G2'"))
        cases = [
            ("this month", service.period_of("maand", today), service.Filters()),
            ("last month", service.period_of("vorige-maand", today), service.Filters()),
            ("quarter", service.period_of("kwartaal", today), service.Filters()),
            ("year", service.period_of("jaar", today), service.Filters()),
            ("last 365 days", service.period_of("anders", today, today - timedelta(days=364), today), service.Filters()),
            ("last 365 days, one team", service.period_of("anders", today, today - timedelta(days=364), today),
             service.Filters(team_id=team)),
            ("last 365 days, one organisation", service.period_of("anders", today, today - timedelta(days=364), today),
             service.Filters(organisation_id=organisation)),
            ("last 365 days, one area", service.period_of("anders", today, today - timedelta(days=364), today),
             service.Filters(area_id=area)),
        ]
        print(f"{'figures (service.dashboard)':<44} {'ms':>8}", flush=True)
        for name, period, filters in cases:
            ms = _timed(lambda: service.dashboard(period, filters, utcnow()), runs)
            print(f"{name:<44} {ms:8.0f}", flush=True)
            db.session.rollback()
        db.session.remove()
    client = _login(app, secrets)
    sql = {"count": 0, "seconds": 0.0}
    with app.app_context():
        engine = db.engine

    def before(conn, *_args):
        conn.info["started"] = time.perf_counter()

    def after(conn, *_args):
        sql["count"] += 1
        sql["seconds"] += time.perf_counter() - conn.info.pop("started")

    print(f"{'page GET /inzicht (coordinator)':<44} {'ms':>8} {'SQL ms':>8} {'queries':>8}", flush=True)
    for label, query in [("this month", "periode=maand"), ("year", "periode=jaar"),
                         ("last 365 days", f"periode=anders&van={today - timedelta(days=364)}&tot={today}")]:
        def page():
            response = client.get(f"/inzicht?{query}")
            assert response.status_code == 200, response.status_code
        page()
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        sql.update(count=0, seconds=0.0)
        try:
            ms = _timed(page, runs)
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        calls = runs + 1
        print(f"{label:<44} {ms:8.0f} {sql['seconds'] * 1000 / calls:8.0f} {sql['count'] / calls:8.0f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.questions = max(100, args.questions)
    args.posts = max(args.questions, args.posts)
    if args.child:
        return child(args)
    from tests.support.servers import PostgresCluster

    for database in (["sqlite", "postgresql"] if args.database == "both" else [args.database]):
        with tempfile.TemporaryDirectory(prefix="ep-insights-bench-") as workdir:
            cluster = PostgresCluster().start() if database == "postgresql" else None
            try:
                env = {**os.environ, "APP_ENV": "development", "INSTANCE_PATH": workdir,
                       "DATABASE_URL": cluster.url if cluster else f"sqlite:///{workdir}/bench.db",
                       "RATELIMIT_ENABLED": "false", "EXPERTISE_DEDUCE_CACHE": "", "EXPERTISE_DEDUCE_SOCKET": "",
                       "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
                subprocess.run([sys.executable, __file__, "--child", "--questions", str(args.questions),
                                "--posts", str(args.posts), "--runs", str(args.runs)], env=env, cwd=ROOT, check=True)
            finally:
                if cluster:
                    cluster.stop()


if __name__ == "__main__":
    main()
