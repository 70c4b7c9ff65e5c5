"""The standing cast, a logged-in client per person, and a database per run.

The database is SQLite in a temporary file unless TEST_DATABASE_URL points at
PostgreSQL; either way the schema comes from the Alembic migrations, and
every test starts from empty tables.
"""
import os
import re
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade

from config import TestConfig
from expertise import create_app
from expertise.accounts.models import Role
from expertise.extensions import db

from . import factories
from .factories import PASSWORD
from .support.servers import PostgresCluster
from .support.totp import clear_replay_guard, code_after


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context.

    Tests hold an app context open for factories and queries; without this,
    requests would share its `g` and database session, which real requests
    never do. After a request, tests see its writes with a fresh query.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


# `make test` runs the suite in two pytest-xdist workers (`--dist loadgroup`). Tests that start
# server processes and put load on them run one after another on one worker, so two load tests
# never share the two cores; the tests that need the deduce worker (1 GB, tens of seconds to
# start) share one worker and so one deduce process. The rest go to whichever worker is free.
SERIAL_PATHS = (
    "tests/test_benchmarks.py",
    "tests/realtime/live/",
    "tests/production/",
    "tests/security/test_sqlmap.py",
    "tests/security/test_wapiti.py",
    "tests/browser/test_other_port.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SERIAL_PATHS):
            item.add_marker(pytest.mark.xdist_group("servers"))
        elif "deduce_worker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("deduce"))


DATABASES = ["external"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_cluster():
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    """Every app test runs on SQLite and on a throw-away PostgreSQL cluster.

    With TEST_DATABASE_URL set, only on that database instead.
    """
    if request.param == "external":
        return os.environ["TEST_DATABASE_URL"]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return request.getfixturevalue("postgres_cluster").url


@pytest.fixture(scope="session")
def _session_app(database_url, tmp_path_factory):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.INSTANCE_PATH = str(tmp_path_factory.mktemp("instance"))
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _drop_everything()
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        _drop_everything()


def _drop_everything():
    db.drop_all()
    if db.engine.dialect.name == "sqlite":
        # The FTS5 search table is hand-written in a migration, not in the models.
        db.session.execute(db.text("DROP TABLE IF EXISTS question_fts"))
        db.session.execute(db.text("DROP TABLE IF EXISTS case_summary_fts"))
    db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


@pytest.fixture
def app(_session_app):
    """The app, in an app context for the test; every table is emptied afterwards.

    Pure unit tests do not ask for it, so they run once and need no database. Its
    configuration is put back after each test.
    """
    app = _session_app
    config = dict(app.config)
    with app.app_context():
        yield app
        db.session.rollback()
        empty_all_tables()
        db.session.remove()
    # The app lives for the whole session: a test that changes its configuration (a model
    # directory, the collaboration model, a socket) must not change it for the tests after it.
    app.config.clear()
    app.config.update(config)


def empty_all_tables():
    """Delete every row, the append-only audit trail included (tests only).

    The audit triggers refuse DELETE. On SQLite they are dropped and created
    again from their stored SQL; on PostgreSQL `session_replication_role =
    replica` skips ordinary triggers for this one transaction (superuser only,
    which the throw-away test cluster is).
    """
    dialect = db.engine.dialect.name
    triggers = []
    if dialect == "sqlite":
        triggers = db.session.execute(db.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
        )).all()
        for name, _sql in triggers:
            db.session.execute(db.text(f'DROP TRIGGER "{name}"'))
    elif dialect == "postgresql":
        db.session.execute(db.text("SET LOCAL session_replication_role = replica"))
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    for _name, sql in triggers:
        db.session.execute(db.text(sql))
    db.session.commit()


def _gone(obj):
    """True when the object's row was deleted (by a request, in another session)."""
    import sqlalchemy as sa

    state = sa.inspect(obj)
    return state.was_deleted or db.session.get(type(obj), state.identity) is None


@dataclass
class Cast:
    """The people every test can count on (STYLE.md point 10)."""

    anna: object  # family worker, Buurtteam Zuilen
    bram: object  # family worker, Buurtteam Overvecht
    eva: object  # expert, Altrecht (GGZ)
    olaf: object  # expert, Youké (Opvoeding)
    mila: object  # moderator
    cas: object  # coordinator
    ada: object  # admin
    _objects: dict = field(default_factory=dict, repr=False)

    def obj(self, name):
        """Return a shared object of the cast (e.g. anna's question), built on first use.

        The builders live in `tests/access_matrix.py` (OBJECTS), so matrix
        rules can point at objects that belong to the cast.
        """
        known = self._objects.get(name)
        if known is not None and _gone(known):
            del self._objects[name]  # deleted by an earlier request (a withdrawn draft): build anew
        if name not in self._objects:
            from .access_matrix import OBJECTS

            self._objects[name] = OBJECTS[name](self)
            db.session.commit()
        return self._objects[name]

    def by_role(self):
        return {
            Role.FAMILY_WORKER: self.anna,
            Role.EXPERT: self.eva,
            Role.MODERATOR: self.mila,
            Role.COORDINATOR: self.cas,
            Role.ADMIN: self.ada,
        }

    def everyone(self):
        return [self.anna, self.bram, self.eva, self.olaf, self.mila, self.cas, self.ada]


@pytest.fixture
def cast(app):
    altrecht = factories.make_organisation("Altrecht")
    youke = factories.make_organisation("Youké")
    zuilen = factories.make_team("Buurtteam Zuilen")
    overvecht = factories.make_team("Buurtteam Overvecht")
    ggz = factories.make_area("GGZ / psychiatrie")
    opvoeding = factories.make_area("Opvoeding")
    people = Cast(
        anna=factories.make_user("Anna Gezinswerker", [Role.FAMILY_WORKER], email="anna@example.test", team=zuilen),
        bram=factories.make_user("Bram Gezinswerker", [Role.FAMILY_WORKER], email="bram@example.test", team=overvecht),
        eva=factories.make_user("Eva Deskundige", [Role.EXPERT], email="eva@example.test", organisation=altrecht, areas=[ggz]),
        olaf=factories.make_user("Olaf Deskundige", [Role.EXPERT], email="olaf@example.test", organisation=youke, areas=[opvoeding]),
        mila=factories.make_user("Mila Moderator", [Role.MODERATOR], email="mila@example.test"),
        cas=factories.make_user("Cas Coordinator", [Role.COORDINATOR], email="cas@example.test"),
        ada=factories.make_user("Ada Beheerder", [Role.ADMIN], email="ada@example.test"),
    )
    db.session.commit()
    return people


_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def totp_code(user, now=None):
    """Return the code the user's authenticator app would show now, as the server last saw it.

    Read on a connection of its own, so it sees what requests committed. A
    person cannot log in twice within one 30-second step, tests can: when
    the server already accepted the codes of this step and the next, the
    replay guard of this test user is cleared.
    This changes test data, not the check: the replay tests post codes
    themselves.
    """
    from expertise.accounts import twofactor
    from expertise.accounts.models import User

    with db.engine.connect() as connection:
        secret_ct, last_step = connection.execute(
            db.select(User.totp_secret_ct, User.totp_last_step).where(User.id == user.id)
        ).one()
    probe = User(id=user.id, totp_secret_ct=secret_ct)
    secret = twofactor.totp_secret(probe)
    code, _step = code_after(secret, last_step, now)
    if code is None:
        clear_replay_guard(db.engine, User.id == user.id)
        code, _step = code_after(secret, None, now)
    return code


class Browser:
    """A test client that knows how to fetch and send the CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf(self):
        response = self.client.get("/inloggen", follow_redirects=True)
        match = _CSRF.search(response.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf())
        return self.client.post(url, data=data, **kwargs)

    def request(self, method, url, **kwargs):
        return self.client.open(url, method=method, **kwargs)

    def login(self, user, password=PASSWORD):
        """Log in through the two forms a person uses: password, then the code of their app."""
        response = self.post("/inloggen", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        if response.headers["Location"].endswith("/inloggen/code"):
            response = self.post("/inloggen/code", {"code": totp_code(user)})
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def logout(self):
        return self.post("/uitloggen")


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def login(app):
    """Return a function giving a Browser logged in as the given user."""

    def _login(user):
        b = Browser(app.test_client())
        if user is not None:
            b.login(user)
        return b

    return _login
