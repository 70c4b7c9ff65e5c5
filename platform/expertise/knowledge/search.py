"""Finding published case summaries by their words, in Dutch, on both databases.

The same approach as the question search (`questions.search`): Snowball's Dutch
(Porter) stemmer, which PostgreSQL's 'dutch' configuration uses, so "opvoeding"
finds "opvoeden" on either database.

* PostgreSQL: `to_tsvector('dutch', …)` over title, situation, request, advice
  and outcome, kept in the generated column `search_vector` with the GIN index
  `ix_case_summary_search`; ranked by `ts_rank`.
* SQLite: the contentless FTS5 table `case_summary_fts` (stems only, no copy
  of the text), filled by triggers through `dutch_stems()`; ranked by `bm25`.

Two kinds of query: `all_words` (the search page: every word must match, as
`plainto_tsquery` does) and `any_word` (similar cases while asking: any of
the text's telling words, stop words left out, the best matches first).
Every word is a bound parameter; for FTS5 it is stemmed, quoted and matched
as a prefix, for `to_tsquery` it is a bare word of letters and digits, so
search text can never be query syntax.
"""
import re

import sqlalchemy as sa

from ..extensions import db
from ..questions.search import PG_SEARCH_DOCUMENT, stem

_TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 20
MAX_SIMILAR_WORDS = 30

# PostgreSQL: the stored tsvector of title, situation, request, advice and outcome (see the migration).
PG_DOCUMENT = "case_summary.search_vector"

# Snowball's Dutch stop words (PostgreSQL's 'dutch' list leaves these out too), plus the
# placeholders of the scrub: they say nothing about what a case is about.
STOP_WORDS = frozenset("""
aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door dus een eens en er
ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je kan kon kunnen
maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat onder ons ook op over reeds te tegen
toch toen tot u uit uw van veel voor want waren was wat werd wezen wie wil worden wordt zal ze zelf zich zij
zijn zo zonder zou naam datum plaats adres instelling telefoonnummer mailadres dossiernummer link verwijderd
""".split())


def _words(text, limit):
    return [t for t in _TOKEN.findall(text or "")][:limit]


def telling_words(text, limit=MAX_SIMILAR_WORDS):
    """Return the distinct words of `text` worth matching on (no stop words, no digits alone, 3+ letters)."""
    seen, words = set(), []
    for word in _TOKEN.findall(text or ""):
        folded = word.lower()
        if len(folded) < 3 or folded.isdigit() or folded in STOP_WORDS or stem(folded) in seen:
            continue
        seen.add(stem(folded))
        words.append(folded)
        if len(words) >= limit:
            break
    return words


def _fts5(words, joiner):
    stems = [stem(w) for w in words]
    return joiner.join('"' + s.replace('"', '""') + '"*' for s in stems if s)


def _is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


# What can be searched: table -> (its FTS5 table on SQLite, its tsvector on PostgreSQL).
TARGETS = {
    "case_summary": ("case_summary_fts", PG_DOCUMENT),
    "question": ("question_fts", PG_SEARCH_DOCUMENT),
}


def ranked_matches(text, *, any_word=False, table="case_summary"):
    """Return a subquery (id, rank) of rows of `table` matching `text`, or None when `text` has no words.

    A lower rank is a better match on both databases (ts_rank is negated).
    The SQL names come from TARGETS only; the words are bound parameters.
    """
    fts, document = TARGETS[table]
    words = telling_words(text) if any_word else _words(text, MAX_WORDS)
    if not words:
        return None
    if _is_postgresql():
        if any_word:
            params = {f"w{i}": re.sub(r"\W", "", w) for i, w in enumerate(words)}
            params = {k: v for k, v in params.items() if v}
            if not params:
                return None
            query = " || ".join(f"plainto_tsquery('dutch', :{k})" for k in params)
        else:
            params = {"w": " ".join(words)[:500]}
            query = "plainto_tsquery('dutch', :w)"
        sql = (f"SELECT {table}.id AS id, -ts_rank({document}, q.query) AS rank "  # nosec B608: names from TARGETS
               f"FROM {table}, ({'SELECT ' + query + ' AS query'}) AS q WHERE {document} @@ q.query")
    else:
        match = _fts5(words, " OR " if any_word else " ")
        if not match:
            return None
        params = {"w": match}
        sql = f"SELECT rowid AS id, bm25({fts}) AS rank FROM {fts} WHERE {fts} MATCH :w"  # nosec B608: names from TARGETS
    return sa.text(sql).bindparams(**params).columns(id=sa.Integer, rank=sa.Float).subquery("matches")
