"""The question list, search and a thread on PostgreSQL at a national scale: 10^5 questions, 10^6 posts.

For `docs/scaling.md`. Starts a throw-away PostgreSQL cluster on loopback (Debian's
server binaries, as the tests do), builds the schema through the migrations and the
demo world through the services, then bulk-inserts `--questions` published questions
(default 100,000; about a year and a half of a large region) with `--posts` posts each
(default 10: three advices and seven replies, so 10^6 posts), their areas and publish
events. Texts are drawn from a youth-care vocabulary with a long tail of rarer words,
so a search word matches a realistic share of the questions. After ANALYZE it times,
in-process (the service functions the views call, one at a time, median and p95 of
`--runs`):

- the question list (`find_questions`, page 1 and page 50) as an expert where /vragen
  puts her (her areas, open and advised), a family worker (her own and her team's
  questions; the questions are spread over the demo's family workers and 220 more in
  18 teams, Utrecht's numbers) and a coordinator (all);
- full-text search in the list: a common word, a word in about 1 % of the questions,
  three words;
- one thread with its posts (`load_thread`), the query the thread page makes most.

Then it prints the size of each large table with its indexes and of the database,
and the bytes per question and per post, from which docs/scaling.md extrapolates.
Run from the repository root (about 10 minutes at the defaults on 2 cores):

    .venv/bin/python benchmarks/scale_postgres.py [--questions 100000] [--posts 10] [--runs 20]

Target (issue 20, no test asserts it): list and search p95 < 100 ms at 10^6 posts.
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

BATCH = 5_000
TEAMS, WORKERS = 18, 220  # Utrecht's neighbourhood teams and generalists (DESIGN.md)
TARGET_MS = 100

COMMON = ("ouders kind school thuis moeder vader gezin hulp gesprek slapen boos angst ruzie "
          "zorgen afspraken regels gedrag wijk huisarts juf vrienden week avond").split()
TOPICS = ("opvoeding puberteit scheiding driftbuien schoolverzuim pesten verslaving rouw "
          "hechting autisme adhd schulden huisvesting mantelzorg dagbesteding trauma "
          "eetproblemen gameverslaving zelfbeeld loyaliteit").split()
FILLER = ("de het een en van dat die in is niet op met voor zijn er maar ook als bij nog "
          "heeft wordt sinds veel vaak soms erg graag").split()


def _made_up(rng):
    return "woord" + "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))


# The long tail: 4,000 made-up words, each in about 0.1 % of the questions.
RARE = sorted({_made_up(random.Random(n)) for n in range(4000)})


def _rare(rng):
    return rng.choice(RARE)


def _text(rng, words):
    out = []
    for _ in range(words):
        r = rng.random()
        out.append(rng.choice(FILLER) if r < 0.5 else rng.choice(COMMON) if r < 0.8
                   else rng.choice(TOPICS) if r < 0.95 else _rare(rng))
    return " ".join(out).capitalize() + "."


def build(total, per_question, now, rng):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from expertise.accounts.models import Role, Team, User, UserRole
    from expertise.demo import seed_demo
    from expertise.extensions import db
    from expertise.questions import service as questions
    from expertise.questions.models import (
        EventKind, Post, PostKind, PostStatus, Question, QuestionEvent, Status, question_expertise_area,
    )

    upgrade()
    seed_demo()
    users = list(db.session.scalars(sa.select(User)))
    experts = [u for u in users if u.has_role(Role.EXPERT)]
    # The askers: the demo's family workers and WORKERS more in TEAMS teams, so a team
    # holds a realistic share of the questions (a demo team alone would hold most of them).
    teams = [Team(name=f"Buurtteam B{n:02d}") for n in range(TEAMS)]
    db.session.add_all(teams)
    db.session.flush()
    workers = [User(email=f"gw{n}@bench.test", name=f"Gezinswerker {n}", team_id=teams[n % TEAMS].id)
               for n in range(WORKERS)]
    db.session.add_all(workers)
    db.session.flush()
    db.session.execute(sa.insert(UserRole), [dict(user_id=u.id, role=Role.FAMILY_WORKER.value) for u in workers])
    owners = [u for u in users if u.has_role(Role.FAMILY_WORKER)] + workers
    areas = [a.id for a in questions.active_areas()]
    first_id = (db.session.scalar(sa.select(sa.func.max(Question.id))) or 0) + 1
    first_post = (db.session.scalar(sa.select(sa.func.max(Post.id))) or 0) + 1
    for start in range(0, total, BATCH):
        rows, links, events, posts = [], [], [], []
        for n in range(start, min(start + BATCH, total)):
            qid, owner = first_id + n, owners[n % len(owners)]
            published = now - timedelta(minutes=8 * (total - n))  # 10^5 questions: about 18 months
            situation, request = _text(rng, 60), _text(rng, 15)
            rows.append(dict(
                id=qid, owner_id=owner.id, team_id=owner.team_id, title=_text(rng, 6)[:-1],
                situation=situation, situation_html=f"<p>{situation}</p>", request=request,
                request_html=f"<p>{request}</p>", child_age=rng.randint(0, 17), child_gender="",
                urgency="urgent" if n % 7 == 0 else "normal", visibility="team", family_consent=True,
                status=Status.ADVISED.value if per_question else Status.OPEN.value,
                created_at=published, updated_at=published, published_at=published,
                advice_due_at=published + timedelta(days=5),
                first_advice_at=published + timedelta(hours=3) if per_question else None,
            ))
            links += [dict(question_id=qid, expertise_area_id=a) for a in rng.sample(areas, rng.randint(1, 2))]
            events.append(dict(question_id=qid, actor_id=owner.id, kind=EventKind.PUBLISHED.value,
                               created_at=published))
            advice_id = None
            for k in range(per_question):
                advice = k % 3 == 0 and k < 9
                author = experts[(n + k) % len(experts)] if advice or k % 2 else owner
                body = _text(rng, 70 if advice else 25)
                post_id = first_post + len(posts) + start * per_question
                posts.append(dict(
                    id=post_id, question_id=qid, author_id=author.id,
                    parent_id=None if advice else advice_id, depth=0 if advice else 1,
                    kind=(PostKind.ADVICE if advice else PostKind.COMMENT).value,
                    author_role=(Role.EXPERT if author in experts else Role.FAMILY_WORKER).value,
                    organisation_id=author.organisation_id, body=body, body_html=f"<p>{body}</p>",
                    status=PostStatus.PUBLISHED.value, created_at=published + timedelta(hours=3, minutes=k),
                ))
                if advice:
                    advice_id = post_id
        db.session.execute(sa.insert(Question), rows)
        db.session.execute(sa.insert(question_expertise_area), links)
        db.session.execute(sa.insert(QuestionEvent), events)
        if posts:
            db.session.execute(sa.insert(Post), posts)
        db.session.commit()
        print(f"  {min(start + BATCH, total)} questions", end="\r", flush=True)
    print()
    for table in ("question", "post", "question_expertise_area", "question_event"):
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))")) if table != "question_expertise_area" else None
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    return first_id


def timed(call, runs):
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def child(args):
    import sqlalchemy as sa

    from config import config_from_env
    from expertise import create_app
    from expertise.accounts.models import User
    from expertise.core.time import utcnow
    from expertise.extensions import db
    from expertise.questions import service as questions
    from expertise.questions.models import Question
    from expertise.questions.views import STATUS_FILTERS
    from tests.support.realtime import DEMO_EMAILS

    app = create_app(config_from_env())
    rng = random.Random(2026)
    with app.app_context():
        started = time.perf_counter()
        now = utcnow()
        first_id = build(args.questions, args.posts, now, rng)
        posts = db.session.scalar(sa.text("SELECT count(*) FROM post"))
        total = db.session.scalar(sa.text("SELECT count(*) FROM question"))
        print(f"PostgreSQL {db.session.scalar(sa.text('SHOW server_version'))}: {total} questions, {posts} posts, "
              f"built in {time.perf_counter() - started:.0f} s", flush=True)

        def person(key):
            return db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS[key]))

        people = {"expert": person("eva"), "family worker": person("anna"), "coordinator": person("cas")}
        rare = db.session.scalar(sa.select(Question.situation).where(Question.id == first_id + 17))
        rare_word = next(w.strip(".") for w in rare.lower().split() if w.startswith("woord"))
        cases = [
            ("list, page 1", dict()),
            ("list, page 50", dict(page=50)),
            ("search: a common word ('ouders')", dict(search="ouders")),
            ("search: a topic ('opvoeding', inflected)", dict(search="opvoeden")),
            (f"search: a rare word ('{rare_word}')", dict(search=rare_word)),
            ("search: three words ('pesten school angst')", dict(search="pesten school angst")),
        ]
        print(f"{'who':<14} {'what':<44} {'hits':>7} {'p50 ms':>8} {'p95 ms':>8}", flush=True)
        worst = 0.0
        # Where each lands on /vragen: an expert in her own areas, open and advised questions.
        landing = {"expert": dict(areas=[a.id for a in people["expert"].expertise_areas],
                                  statuses=STATUS_FILTERS["lopend"])}
        for who, user in people.items():
            for label, kwargs in cases:
                kwargs = {**landing.get(who, {}), **kwargs}
                result = questions.find_questions(user, now=now, **kwargs)
                hits = result.total
                p50, p95 = timed(lambda: questions.find_questions(user, now=now, **kwargs), args.runs)
                worst = max(worst, p95)
                print(f"{who:<14} {label:<44} {hits:>7} {p50:8.1f} {p95:8.1f}", flush=True)
                db.session.rollback()
        question = db.session.get(Question, first_id + args.questions // 2)
        p50, p95 = timed(lambda: (questions.load_thread(question), db.session.expire_all()), args.runs)
        print(f"{'anyone':<14} {f'one thread ({args.posts} posts), load_thread':<44} {'':>7} {p50:8.1f} {p95:8.1f}")
        print(f"worst list/search p95: {worst:.0f} ms (target < {TARGET_MS} ms): "
              f"{'met' if worst < TARGET_MS else 'missed'}")

        print(f"\n{'table':<26} {'rows':>10} {'table MB':>9} {'indexes MB':>11}")
        for table in ("question", "post", "question_expertise_area", "question_event", "audit_event"):
            rows = db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            heap, index = db.session.execute(sa.text(
                "SELECT pg_table_size(:t), pg_indexes_size(:t)"), {"t": table}).one()
            print(f"{table:<26} {rows:>10} {heap / 2**20:9.1f} {index / 2**20:11.1f}")
        size = db.session.scalar(sa.text("SELECT pg_database_size(current_database())"))
        q_bytes = sum(db.session.execute(sa.text(
            "SELECT pg_total_relation_size('question') + pg_total_relation_size('question_expertise_area')"
            " + pg_total_relation_size('question_event')")).one())
        p_bytes = db.session.scalar(sa.text("SELECT pg_total_relation_size('post')"))
        print(f"database {size / 2**20:.0f} MB; per question (with areas, events) {q_bytes / total:.0f} bytes, "
              f"per post {p_bytes / max(posts, 1):.0f} bytes (indexes included)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=10, help="posts per question")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    from tests.support.servers import PostgresCluster

    with tempfile.TemporaryDirectory(prefix="ep-scale-bench-") as workdir:
        cluster = PostgresCluster().start()
        try:
            env = {**os.environ, "APP_ENV": "development", "INSTANCE_PATH": workdir, "DATABASE_URL": cluster.url,
                   "RATELIMIT_ENABLED": "false", "EXPERTISE_DEDUCE_CACHE": "", "EXPERTISE_DEDUCE_SOCKET": "",
                   "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
            subprocess.run([sys.executable, __file__, "--child", "--questions", str(args.questions),
                            "--posts", str(args.posts), "--runs", str(args.runs)], env=env, cwd=ROOT, check=True)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
