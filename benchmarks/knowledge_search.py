"""Time the knowledge-base search (/kennisbank) and the similar cases over 10⁵ published summaries.

Builds a throw-away database through the migrations (the demo world for the
owner and areas), bulk-inserts `--cases` published summaries (default 100,000)
of Dutch case texts made from a vocabulary of youth-care words (title,
situation, request, two advices, outcome; about 900 characters each), spread
over the ten demo areas and the age bands; the search index is filled by the
migration's triggers (SQLite, `dutch_stems()`) or the GIN index (PostgreSQL),
which is ANALYZEd. Then, in-process and one at a time, it times
`knowledge.service.find_summaries` for common and rare words, several words,
with a filter and sorted by date, and `similar_cases` for a question being
written (any of its telling words, the best five). Each figure is the median
and the p95 of `--runs` runs after one warm-up.

Each database runs in a child process of its own; PostgreSQL is a throw-away
Debian 15 cluster on a loopback port (tests/support/servers.PostgresCluster).

Run from the repository root:
    .venv/bin/python benchmarks/knowledge_search.py [--cases 100000] [--database sqlite|postgresql|both] [--runs 20]
Target (no test asserts it): under 100 ms per search.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "platform"))

CHUNK = 5_000
WORDS = """
opvoeding opvoeden ouders moeder vader kind kinderen jongen meisje puber pubers school klas leerkracht mentor
slapen slaapt slaapproblemen driftbuien boos agressie ruzie scheiding omgang weekend verhuizing verhuisd
schulden armoede huisvesting wonen angst angstig somber depressie trauma rouw verlies pesten gepest schoolverzuim
thuiszitter autisme adhd prikkels structuur ritme regels grenzen belonen straffen huiswerk gamen telefoon
verslaving alcohol cannabis huiselijk geweld veiligheid signalen zorgen hulpverlening jeugdzorg wijkteam
gesprek gesprekken aanpak advies steun netwerk oma opa broer zus tweeling baby peuter kleuter zwangerschap
bevalling taal vluchteling inburgering werk werkloos ziekte beperking verstandelijk lichamelijk ggz psychiatrie
eetproblemen zelfbeschadiging suïcide vriendschap sociale eenzaam sport muziek hobby dagbesteding stage
""".split()
OUTCOMES = ("followed", "partly", "not_followed")
BANDS = ("0-3", "4-7", "8-11", "12-15", "16-18")
QUERIES = [
    ("one common word (opvoeding)", {"text": "opvoeding"}),
    ("one rare word (dagbesteding)", {"text": "dagbesteding"}),
    ("three words (puber school angst)", {"text": "puber school angst"}),
    ("one word, area and age band", {"text": "scheiding", "area": True, "band": "8-11"}),
    ("one word, sorted by date", {"text": "driftbuien", "sort": "newest"}),
    ("no words, newest first", {}),
]
SIMILAR = ("Puber met driftbuien na de scheiding",
           "Sinds de scheiding van de ouders is de jongen van 14 vaak boos, hij gamet tot laat en verzuimt school.")


# Real case texts use thousands of words, few of them in every case: each sentence mixes
# the topical words above with common filler words and a long tail of other words.
FILLER = "de het een en van in is dat op te met voor niet zijn er aan ook als bij".split()
TAIL = [f"woord{n}" for n in range(20_000)]


def _sentence(rng, n):
    words = []
    for _ in range(n):
        r = rng.random()
        words.append(rng.choice(FILLER) if r < 0.45 else rng.choice(WORDS) if r < 0.55 else
                     TAIL[min(len(TAIL) - 1, int(rng.paretovariate(1.1)) * 7 % len(TAIL))])
    return " ".join(words).capitalize() + "."


def build(total, now, rng):
    """Fill the database with `total` published summaries; return the demo area ids."""
    from datetime import timedelta

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from expertise.accounts.models import ExpertiseArea, User
    from expertise.demo import seed_demo
    from expertise.extensions import db
    from expertise.knowledge.models import CaseSummary, case_summary_area

    upgrade()
    seed_demo()
    db.session.flush()
    owner = db.session.scalar(sa.select(User).where(User.email == "gezinswerker@demo.test"))
    areas = [a.id for a in db.session.scalars(sa.select(ExpertiseArea))]
    start = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(CaseSummary.id), 0)))
    for offset in range(0, total, CHUNK):
        rows, links = [], []
        for i in range(offset, min(total, offset + CHUNK)):
            published = now - timedelta(minutes=i * 3)
            summary_id = start + i + 1
            rows.append({
                "id": summary_id, "owner_id": owner.id, "team_id": owner.team_id, "status": "published",
                "title": _sentence(rng, 5)[:150], "situation": " ".join(_sentence(rng, 12) for _ in range(4)),
                "request": _sentence(rng, 12),
                "advice": "Altrecht (GGZ):\n" + " ".join(_sentence(rng, 12) for _ in range(3))
                          + "\n\nYouké (Opvoeding):\n" + " ".join(_sentence(rng, 12) for _ in range(3)),
                "outcome_note": _sentence(rng, 10), "outcome": rng.choice(OUTCOMES), "age_band": rng.choice(BANDS),
                "organisations": ["Altrecht", "Youké"], "case_closed_at": published, "created_at": published,
                "submitted_at": published, "decided_at": published, "published_at": published, "decision_reason": "",
            })
            links += [{"summary_id": summary_id, "expertise_area_id": a} for a in rng.sample(areas, 2)]
        db.session.execute(sa.insert(CaseSummary), rows)
        db.session.execute(sa.insert(case_summary_area), links)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.execute(sa.text("INSERT INTO case_summary_fts(case_summary_fts) VALUES ('optimize')"))
    db.session.commit()
    return areas


def _timed(call, runs):
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def child(args):
    import sqlalchemy as sa

    from config import config_from_env
    from expertise import create_app
    from expertise.accounts.models import User
    from expertise.core.time import utcnow
    from expertise.extensions import db
    from expertise.knowledge import service

    app = create_app(config_from_env())
    rng = random.Random(2026)
    with app.app_context():
        started = time.perf_counter()
        areas = build(args.cases, utcnow(), rng)
        count = db.session.scalar(sa.text("SELECT count(*) FROM case_summary WHERE status = 'published'"))
        print(f"{db.engine.dialect.name}: {count} published summaries, built in {time.perf_counter() - started:.0f} s",
              flush=True)
        print(f"{'search':<44} {'hits':>7} {'p50 ms':>8} {'p95 ms':>8}", flush=True)
        for label, query in QUERIES:
            kwargs = {"text": query.get("text"), "band": query.get("band"), "sort": query.get("sort", "relevance"),
                      "area_id": areas[0] if query.get("area") else None}
            hits = service.find_summaries(**kwargs).total
            p50, p95 = _timed(lambda: service.find_summaries(**kwargs), args.runs)
            print(f"{label:<44} {hits:7d} {p50:8.1f} {p95:8.1f}", flush=True)
            db.session.rollback()
        worker = db.session.scalar(sa.select(User).where(User.email == "gezinswerker2@demo.test"))
        p50, p95 = _timed(lambda: service.similar_cases(worker, title=SIMILAR[0], situation=SIMILAR[1]), args.runs)
        print(f"{'similar cases (title + situation, best 5)':<44} {5:7d} {p50:8.1f} {p95:8.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    from tests.support.servers import PostgresCluster

    for database in (["sqlite", "postgresql"] if args.database == "both" else [args.database]):
        with tempfile.TemporaryDirectory(prefix="ep-knowledge-bench-") as workdir:
            cluster = PostgresCluster().start() if database == "postgresql" else None
            try:
                env = {**os.environ, "APP_ENV": "development", "INSTANCE_PATH": workdir,
                       "DATABASE_URL": cluster.url if cluster else f"sqlite:///{workdir}/bench.db",
                       "RATELIMIT_ENABLED": "false", "EXPERTISE_DEDUCE_CACHE": "", "EXPERTISE_DEDUCE_SOCKET": "",
                       "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
                subprocess.run([sys.executable, __file__, "--child", "--cases", str(args.cases),
                                "--runs", str(args.runs)], env=env, cwd=ROOT, check=True)
            finally:
                if cluster:
                    cluster.stop()


if __name__ == "__main__":
    main()
