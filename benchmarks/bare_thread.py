"""The practical limit for `thread_page.py`: a bare Flask + Flask-SQLAlchemy + Jinja thread page.

It reads the platform's own SQLite file (`BARE_DATABASE_URL`) and shows one
question with its posts as a nested list in two queries: the question, then
the posts with their authors and organisations joined. The Markdown was
already rendered by the platform's sanitiser when the posts were written
(`post.body_html`). No login, no CSRF, no layout, no translations: only what
every Flask page on this stack pays for. Deliberately independent of the
`expertise` package. Served by `thread_page.py` as `bare_thread:create_app()`.
"""
import os
from collections import defaultdict

import sqlalchemy as sa
from flask import Flask, abort, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy.orm import joinedload, relationship

db = SQLAlchemy()


class Organisation(db.Model):
    __tablename__ = "organisation"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String)


class User(db.Model):
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
</main></body></html>
"""


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
    app.jinja_loader = DictLoader({"thread.html": TEMPLATE})  # compiled once, cached
    db.init_app(app)

    @app.route("/vragen/<int:question_id>")
    def thread(question_id):
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
        return render_template("thread.html", question=question, children=children)

    return app
