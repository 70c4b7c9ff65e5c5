"""Time the vault's application flows with production Argon2 settings and print the figures.

Measures what a family worker waits for: login (one Argon2id with the server
pepper that both checks the password against the vault's auth verifier and
gives the key that unlocks the private key; for comparison also the earlier
login, which ran an argon2-cffi check first), recording a
resident (seal + two HPKE wraps + audit row), revealing one (session blob,
unwrap, open, audit row) and a handover (re-key + two wraps + audit row).
Each flow runs through the real services on a throw-away SQLite database.

Run from the repository root:
    .venv/bin/python benchmarks/vault_flows.py
"""
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import TestConfig  # noqa: E402
from expertise import create_app  # noqa: E402
from expertise.accounts import service as accounts  # noqa: E402
from expertise.accounts.models import Role, Team, User  # noqa: E402
from expertise.core.time import utcnow  # noqa: E402
from expertise.extensions import db  # noqa: E402
from expertise.vault import service  # noqa: E402
from expertise.vault import session as vault_session  # noqa: E402

PASSWORD = "correct horse battery staple"


def measure(name, runs, operation, warmup=2):
    for _ in range(warmup):
        operation()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1] if runs >= 2 else samples[0]
    print(f"{name:<58} {runs:>5} {statistics.median(samples):>10.1f} {p95:>10.1f}")
    return statistics.median(samples)


def main():
    workdir = Path(tempfile.mkdtemp(prefix="vault-bench-"))
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{workdir / 'bench.db'}"
    config.INSTANCE_PATH = str(workdir)
    # Production cost for both Argon2 uses (see config.BaseConfig).
    config.ARGON2_TIME_COST, config.ARGON2_MEMORY_COST, config.ARGON2_PARALLELISM = 3, 65536, 4
    config.VAULT_KDF = (3, 65536, 4)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        team = Team(name="Buurtteam Bench")
        owner = User(email="owner@bench.test", name="Owner", team=team, password_hash=accounts.hash_password(PASSWORD))
        colleague = User(email="colleague@bench.test", name="Colleague", team=team,
                         password_hash=accounts.hash_password(PASSWORD))
        for user in (owner, colleague):
            user.set_roles([Role.FAMILY_WORKER])
            db.session.add(user)
        db.session.flush()
        for user in (owner, colleague):
            service.enrol_user(user, PASSWORD, now=utcnow())
        service.create_recovery_key(None, now=utcnow())
        db.session.commit()

        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; Argon2id t=3, m=64 MiB, p=4 for both steps")
        print(f"{'flow':<58} {'runs':>5} {'median ms':>10} {'p95 ms':>10}")

        expert = User(email="expert@bench.test", name="Expert", password_hash=accounts.hash_password(PASSWORD))
        expert.set_roles([Role.EXPERT])
        db.session.add(expert)
        db.session.commit()
        measure("login of an expert: argon2-cffi password check", 10,
                lambda: accounts.authenticate(expert.email, PASSWORD, now=utcnow(), vault=vault_session))

        def login_before():
            # The flow before two factors: argon2-cffi check, then the vault's own Argon2id.
            accounts._hasher().verify(owner_hash, PASSWORD)
            material = service.check_login_password(owner, PASSWORD)
            sid = accounts.start_session(owner, utcnow())
            service.unlock_at_login(owner, material, accounts.find_session(sid), now=utcnow())
            db.session.rollback()

        owner_hash = owner.password_hash
        measure("family worker, before: argon2-cffi + Argon2id KEK + unwrap", 10, login_before)

        def login():
            user, material = accounts.authenticate(owner.email, PASSWORD, now=utcnow(), vault=vault_session)
            sid = accounts.start_session(user, utcnow())
            service.unlock_at_login(user, material, accounts.find_session(sid), now=utcnow())
            db.session.rollback()

        measure("family worker, now: Argon2id verifier+KEK + unwrap + blob", 10, login)

        user_session = accounts.find_session(accounts.start_session(owner, utcnow()))
        k_sess = service.unlock_at_login(owner, service.check_login_password(owner, PASSWORD), user_session,
                                         now=utcnow())
        db.session.commit()
        identity = service.Identity("Janneke de Vries-Özdemir", date(2010, 5, 3), "J-2023-0451")

        def private_key():
            return service.open_session(user_session, k_sess)

        def create():
            service.create_resident(owner, identity, private_key=private_key(), now=utcnow())
            db.session.flush()

        measure("record a resident (seal, 2 HPKE wraps, audit row)", 200, create)
        db.session.commit()
        resident = service.own_residents(owner)[0]
        measure("reveal an identity (session blob, unwrap, open, audit row)", 500,
                lambda: service.reveal_identity(owner, resident, private_key=private_key(), now=utcnow()))
        db.session.commit()

        colleague_session = accounts.find_session(accounts.start_session(colleague, utcnow()))
        colleague_k = service.unlock_at_login(colleague, service.check_login_password(colleague, PASSWORD),
                                              colleague_session, now=utcnow())
        db.session.commit()
        holders = [(owner, user_session, k_sess), (colleague, colleague_session, colleague_k)]
        state = {"i": 0}

        def handover():
            giver, giver_session, giver_k = holders[state["i"] % 2]
            taker = holders[(state["i"] + 1) % 2][0]
            service.hand_over(giver, resident, taker, private_key=service.open_session(giver_session, giver_k),
                              now=utcnow())
            db.session.flush()
            state["i"] += 1

        measure("handover (re-key, re-seal, 2 wraps, old grants gone, audit)", 200, handover)
        db.session.commit()


if __name__ == "__main__":
    main()
