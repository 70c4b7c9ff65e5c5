"""The practical limits for `thread_page.py`: a bare Flask + Flask-SQLAlchemy + Jinja thread page, twice.

Both read the platform's own SQLite file (`BARE_DATABASE_URL`) and show one
question with its posts as a nested list in two queries: the question, then
the posts with their authors and organisations joined. The Markdown was
already rendered by the platform's sanitiser when the posts were written
(`post.body_html`). Deliberately independent of the `expertise` package.

- `create_app()`, the bare limit, `/vragen/<id>`: no login, no CSRF, no
  layout, no translations: only what every Flask page on this stack pays for.
- `create_logged_in_app()`, the logged-in limit, `/vragen/<id>`: the same page
  plus what any honest logged-in page must pay, and nothing else: a
  server-side session row looked up by the cookie's random id (one query, its
  expiry checked; the row lives in its own table `bare_session`, which this
  app creates in the same throw-away file), Flask-Login's current user loaded
  from it (one query), a Flask-WTF CSRF token in one small reply form, and a
  fresh CSP nonce per request used by one inline script and sent in a
  `Content-Security-Policy` header. 4 queries. Without a live session the page
  answers 401. `/bench-login/<user_id>` (this benchmark app only) creates a
  session row for that user and sets its cookie.

Served by `thread_page.py` under gunicorn as `bare_thread:create_app()` and
`bare_thread:create_logged_in_app()`.
"""
import os
import secrets
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import Flask, abort, redirect, render_template
from flask.sessions import SessionInterface, SessionMixin
from flask_login import LoginManager, UserMixin, login_required
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import generate_csrf
from jinja2 import DictLoader
from sqlalchemy.orm import joinedload, relationship
from werkzeug.datastructures import CallbackDict

db = SQLAlchemy()


class Organisation(db.Model):
    __tablename__ = "organisation"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String)


class Question(db.Model):
    __tablename__ = "question"
    id = sa.Column(sa.Integer, primary_key=True)
    title = sa.Column(sa.String)
    situation_html = sa.Column(sa.Text)
    request_html = sa.Column(sa.Text)


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    question_id = sa.Column(sa.Integer)
    parent_id = sa.Column(sa.Integer)
    author_id = sa.Column(sa.ForeignKey("user.id"))
    organisation_id = sa.Column(sa.ForeignKey("organisation.id"))
    body_html = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime)
    author = relationship(User)
    organisation = relationship(Organisation)


class BareSession(db.Model):
    """A server-side session: the cookie holds `id`, a random string; nothing else is in the cookie."""
    __tablename__ = "bare_session"
    id = sa.Column(sa.String, primary_key=True)
    user_id = sa.Column(sa.Integer)
    csrf = sa.Column(sa.String)
    expires_at = sa.Column(sa.DateTime)


SESSION_COOKIE = "bare_sid"
SESSION_LIFETIME = timedelta(hours=8)


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ServerSession(CallbackDict, SessionMixin):
    """Flask's `session` backed by one `bare_session` row: `_user_id` for Flask-Login, `csrf_token` for Flask-WTF."""

    def __init__(self, row=None):
        def on_update(self):
            self.modified = True

        initial = {"_user_id": str(row.user_id), "csrf_token": row.csrf} if row else {}
        super().__init__({k: v for k, v in initial.items() if v is not None}, on_update)
        self.row = row
        self.modified = False


class ServerSessionInterface(SessionInterface):
    """One query per request for the row named by the cookie; expired or unknown ids give an empty session."""

    def open_session(self, app, request):
        sid = request.cookies.get(SESSION_COOKIE)
        if not sid:
            return ServerSession()
        row = db.session.get(BareSession, sid)
        if row is None or row.expires_at <= utcnow():
            return ServerSession()
        return ServerSession(row)

    def save_session(self, app, session, response):
        # Only the CSRF secret can change here (Flask-WTF sets it on the session's first form);
        # anonymous sessions are never stored (the logged-in page answers them 401 before any form).
        if session.modified and session.row is not None and session.get("csrf_token") != session.row.csrf:
            session.row.csrf = session.get("csrf_token")
            db.session.commit()


TEMPLATE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>{{ question.title }}</title></head>
<body><main>
<h1>{{ question.title }}</h1>
<div>{{ question.situation_html|safe }}</div>
<div>{{ question.request_html|safe }}</div>
<ol>
{%- for post in children[None] recursive %}
<li><article id="bericht-{{ post.id }}">
  <h3>{{ post.author.name }}</h3>
  <p>{% if post.organisation %}{{ post.organisation.name }} {% endif %}<time datetime="{{ post.created_at.isoformat() }}">{{ post.created_at.strftime("%d-%m-%Y %H:%M") }}</time></p>
  <div>{{ post.body_html|safe }}</div>
  {%- if children[post.id] %}<ol>{{ loop(children[post.id]) }}</ol>{% endif %}
</article></li>
{%- endfor %}
</ol>
{%- if nonce %}
<form method="post" action="/vragen/{{ question.id }}/reacties">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <label for="body">Reageer als {{ current_user.name }}</label>
  <textarea id="body" name="body" rows="4"></textarea>
  <button type="submit">Plaatsen</button>
</form>
<script nonce="{{ nonce }}">document.getElementById("body").dataset.ready = "1";</script>
{%- endif %}
</main></body></html>
"""


def load_thread(question_id):
    """The page's two queries: the question, then its posts with authors and organisations joined."""
    question = db.session.get(Question, question_id) or abort(404)
    posts = db.session.scalars(
        sa.select(Post)
        .where(Post.question_id == question_id)
        .options(joinedload(Post.author), joinedload(Post.organisation))
        .order_by(Post.created_at, Post.id)
    ).all()
    children = defaultdict(list)
    for post in posts:
        children[post.parent_id].append(post)
    return question, children


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
    app.jinja_loader = DictLoader({"thread.html": TEMPLATE})  # compiled once, cached
    db.init_app(app)

    @app.route("/vragen/<int:question_id>")
    def thread(question_id):
        question, children = load_thread(question_id)
        return render_template("thread.html", question=question, children=children, nonce=None)

    return app


def create_logged_in_app():
    """The logged-in limit: the bare page plus session row, Flask-Login user, CSRF token and CSP nonce."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
    # All gunicorn workers must sign CSRF tokens alike: thread_page.py passes one key to all.
    app.config["SECRET_KEY"] = os.environ.get("BARE_SECRET_KEY") or secrets.token_hex(32)
    app.jinja_loader = DictLoader({"thread.html": TEMPLATE})
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.session_interface = ServerSessionInterface()
    db.init_app(app)
    with app.app_context():
        # Every worker runs this; IF NOT EXISTS keeps concurrent starts from failing.
        db.session.execute(sa.text(
            "CREATE TABLE IF NOT EXISTS bare_session "
            "(id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, csrf TEXT, expires_at DATETIME NOT NULL)"
        ))
        db.session.commit()

    login_manager = LoginManager(app)
    # The cookie is a random id naming a server-side row, so Flask-Login's check of address and
    # browser (which writes `_fresh` into the session when they change) has nothing to add here.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(user_id):
        return db.session.get(User, int(user_id))

    @app.route("/bench-login/<int:user_id>")
    def bench_login(user_id):
        """Benchmark only: a session for `user_id` without a password. The CSRF secret comes with the first form."""
        db.session.get(User, user_id) or abort(404)
        row = BareSession(id=secrets.token_urlsafe(32), user_id=user_id, expires_at=utcnow() + SESSION_LIFETIME)
        db.session.add(row)
        db.session.commit()
        response = redirect("/")
        response.set_cookie(SESSION_COOKIE, row.id, max_age=int(SESSION_LIFETIME.total_seconds()),
                            httponly=True, samesite="Lax")
        return response

    @app.route("/vragen/<int:question_id>")
    @login_required  # no login_view: 401
    def thread(question_id):
        question, children = load_thread(question_id)
        nonce = secrets.token_urlsafe(16)
        response = app.make_response(render_template("thread.html", question=question, children=children,
                                                     nonce=nonce))
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'"
        )
        return response

    return app
