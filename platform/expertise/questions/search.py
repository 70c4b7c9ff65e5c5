"""Finding questions by their words: Dutch stems on both databases, and a snippet per hit.

"opvoeding" finds "opvoeden" and "pubers" finds "puber" on the embedded default
too. Both databases stem with the same algorithm, Snowball's Dutch (Porter)
stemmer, which PostgreSQL's 'dutch' configuration uses; so a search finds the
same questions on either. (Snowball 3's newer Dutch stemmer also joins "slapen"
and "slaapt", but PostgreSQL does not have it.)

* PostgreSQL: `to_tsvector('dutch', …)` over title, situation and request,
  served by a GIN index (see the questions migration); the query goes through
  `plainto_tsquery('dutch', …)`.
* SQLite: the contentless FTS5 table `question_fts` holds the stems, not the
  text. Triggers on `question` fill it through the SQL function
  `dutch_stems()`, which `_register_sqlite_functions` adds to every SQLite
  connection of the app (a connection without it, such as the sqlite3 shell,
  cannot change the searchable columns of a question). The query's words
  are stemmed the same way and matched as prefixes.

The result list shows a snippet of the matching text, built from the
sanitised HTML as plain text: escaped, with the matching words in <mark>.
"""
import re
import sqlite3
import unicodedata
from functools import lru_cache

import snowballstemmer
import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..extensions import db
from .models import Question

_TOKEN = re.compile(r"\w+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("dutch_porter")  # = PostgreSQL's dutch_stem

# The one text PostgreSQL indexes (GIN, see the migration) and searches.
PG_SEARCH_DOCUMENT = (
    "to_tsvector('dutch', coalesce(question.title, '') || ' ' || "
    "coalesce(question.situation, '') || ' ' || coalesce(question.request, ''))"
)


def _fold(word):
    """Lower case without diacritics, as FTS5's `remove_diacritics 2` tokenizer sees a word."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def stem(word):
    """Return the Dutch stem of one word, folded ("Opvoeding" -> "opvoed")."""
    return _STEMMER.stemWord(_fold(word))


def dutch_stems(text):
    """Return the stems of every word of `text`, separated by spaces (what SQLite indexes)."""
    if not text:
        return ""
    return " ".join(stem(word) for word in _TOKEN.findall(text))


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):  # core.database's subclass too
        dbapi_connection.create_function("dutch_stems", 1, dutch_stems, deterministic=True)


def fts5_query(text):
    """Turn what a person typed into a safe FTS5 query: each word stemmed, quoted, as a prefix.

    Quoting every token means operators such as NEAR, AND, *, ^ or a stray
    quote are searched as words, never interpreted.
    """
    stems = [stem(t) for t in _TOKEN.findall(text or "")[:20]]
    return " ".join('"' + s.replace('"', '""') + '"*' for s in stems if s)


def search_condition(text):
    """Return an SQL condition for questions matching `text`, or None for no search.

    The text is always a bound parameter.
    """
    if not _TOKEN.search(text or ""):
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.text(f"{PG_SEARCH_DOCUMENT} @@ plainto_tsquery('dutch', :search_text)").bindparams(
            search_text=text[:500]
        )
    matching = sa.select(sa.literal_column("rowid")).select_from(sa.table("question_fts")).where(
        sa.text("question_fts MATCH :search_text").bindparams(search_text=fts5_query(text))
    )
    return Question.id.in_(matching)


def snippet(question, text, words=24):
    """Return a short piece of the question's text around the first match, matches in <mark>.

    Built from the sanitised HTML as plain text (no markup of the text survives)
    and escaped; None when the search matched only the title or there is no search.
    """
    stems = {stem(t) for t in _TOKEN.findall(text or "")[:20]} - {""}
    if not stems:
        return None
    plain = " ".join(Markup(html or "").striptags() for html in (question.situation_html, question.request_html))
    tokens = list(_TOKEN.finditer(plain))

    def matches(token):
        return any(stem(token.group()).startswith(s) for s in stems)

    first = next((i for i, token in enumerate(tokens) if matches(token)), None)
    if first is None:
        return None
    start_index = max(0, first - words // 3)
    end_index = min(len(tokens), start_index + words)
    start = tokens[start_index].start()
    end = tokens[end_index - 1].end()
    parts = ["… " if start_index > 0 else ""]
    pos = start
    for token in tokens[start_index:end_index]:
        if matches(token):
            parts.append(escape(plain[pos:token.start()]))
            parts.append(Markup("<mark>{}</mark>").format(token.group()))
            pos = token.end()
    parts.append(escape(plain[pos:end]))
    if end_index < len(tokens):
        parts.append(" …")
    return Markup("").join(parts)
