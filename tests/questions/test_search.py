"""Full-text search: FTS5 on SQLite, to_tsvector('dutch') on PostgreSQL; hostile input is just text."""
import pytest

from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.questions import search, service

from .. import factories


@pytest.fixture
def corpus(cast):
    factories.make_question(cast.anna, title="Slaapproblemen na verhuizing",
                            situation="Het meisje ligt elke nacht wakker.", request="Wat helpt bij inslapen?")
    factories.make_question(cast.anna, title="Schoolverzuim", situation="Hij gaat niet naar school sinds de zomer.",
                            request="Hoe krijgen we hem weer in de klas?")
    factories.make_question(cast.anna, title="Agressie thuis", situation="Driftbuien en gooien met spullen.",
                            request="Wanneer is dit onveilig?")
    db.session.commit()


def _titles(user, text):
    page = service.find_questions(user, now=utcnow(), search=text, per_page=50)
    return sorted(item.question.title for item in page.items)


def test_search_finds_words_in_title_and_body(cast, corpus):
    assert _titles(cast.eva, "school") == ["Schoolverzuim"]
    assert _titles(cast.eva, "wakker") == ["Slaapproblemen na verhuizing"]
    assert _titles(cast.eva, "onveilig") == ["Agressie thuis"]


def test_search_combines_words(cast, corpus):
    assert _titles(cast.eva, "nacht wakker") == ["Slaapproblemen na verhuizing"]
    assert _titles(cast.eva, "nacht school") == []


@pytest.mark.parametrize("hostile", [
    '"', '""', '*', 'school*', 'NEAR', 'NEAR(school verzuim)', "'; DROP TABLE question; --",
    "school OR 1=1", "title:school", "^school", "(school", "school AND", "-school", "\\", "%", "{}",
    "school' OR '1'='1", "\x00", "😀",
])
def test_hostile_search_text_is_searched_as_words_never_executed(cast, corpus, hostile):
    titles = _titles(cast.eva, hostile)
    assert isinstance(titles, list)
    # The table is still there and every question can still be found.
    assert len(_titles(cast.eva, "")) == 3


def test_hostile_search_through_http_gives_a_normal_page(cast, corpus, login):
    client = login(cast.eva)
    for text in ['"', "NEAR(", "'; DROP TABLE question; --", "*"]:
        response = client.get("/vragen", query_string={"zoek": text, "gebied": ""})
        assert response.status_code == 200
    assert "Schoolverzuim" in client.get("/vragen", query_string={"zoek": "school", "gebied": ""}).get_data(as_text=True)


def test_fts5_query_quotes_every_token():
    assert search.fts5_query('school NEAR "x" *') == '"schol"* "near"* "x"*'  # stems, folded
    assert search.fts5_query("'; DROP") == '"drop"*'
    assert search.fts5_query("***") == ""


def test_search_index_follows_edits(cast, login):
    question = factories.make_question(cast.anna, title="Voeding", situation="Eet slecht.")
    db.session.commit()
    assert _titles(cast.eva, "broccoli") == []
    service.update_question(
        cast.anna, question, title="Voeding", situation="Eet geen broccoli.", request=question.request,
        child_age=8, areas=question.areas, urgency="normal", visibility="team", family_consent=True,
        now=utcnow(),
    )
    db.session.commit()
    assert _titles(cast.eva, "broccoli") == ["Voeding"]


def test_search_respects_visibility(cast, corpus):
    factories.make_question(cast.anna, title="Besloten slaapvraag", visibility="restricted",
                            situation="Slaapt slecht.")
    db.session.commit()
    assert "Besloten slaapvraag" in _titles(cast.eva, "slaapt")
    assert _titles(cast.bram, "slaapt") == []


def test_search_uses_dutch_stemming_on_both_databases(cast, corpus):
    # "verhuizingen" and "verhuizing" share the Dutch stem.
    assert _titles(cast.eva, "verhuizingen") == ["Slaapproblemen na verhuizing"]


@pytest.mark.parametrize("typed,written", [
    ("opvoeden", "Vragen over de opvoeding van een peuter."),
    ("opvoeding", "Ouders weten niet hoe ze moeten opvoeden."),
    ("pubers", "Een puber die niet meer thuis komt."),
    ("puber", "Twee pubers die elkaar slaan."),
    ("gesprekken", "Een gesprek met school helpt niet."),
    ("vraag", "Ouders vragen om hulp."),
    ("geïnteresseerd", "Hij is niet geinteresseerd in sport."),
])
def test_inflected_dutch_forms_find_each_other(cast, typed, written):
    factories.make_question(cast.anna, title="Een vraag", situation=written, request="Wat kunnen we doen?")
    factories.make_question(cast.anna, title="Iets anders", situation="Ruzie over geld.", request="Wat nu?")
    db.session.commit()
    assert _titles(cast.eva, typed) == ["Een vraag"]


def test_search_index_holds_stems_not_text(cast, corpus):
    if db.engine.dialect.name == "postgresql":
        # The GIN index over to_tsvector('dutch', …) keeps stems as keys; there is no other copy.
        assert db.session.scalar(db.text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_question_search'")) == 1
        return
    # Contentless: the index has no copy of the questions' text to read back or leave behind.
    assert db.session.execute(db.text("SELECT title, situation FROM question_fts")).all() == [(None, None)] * 3
    assert db.session.scalar(db.text(
        "SELECT count(*) FROM question_fts WHERE question_fts MATCH '\"wakker\"'")) == 1


def test_results_show_a_sanitised_snippet_with_the_matches_marked(cast):
    factories.make_question(
        cast.anna, title="Boosheid",
        situation="Sinds de scheiding is de **jongen** boos. <script>alert(1)</script> Hij <b>scheldt</b> op school.",
        request="Hoe kan hij zijn boosheid kwijt?")
    db.session.commit()
    page = service.find_questions(cast.eva, now=utcnow(), search="scheiding boos")
    [item] = page.items
    html = str(item.snippet)
    assert "<mark>scheiding</mark>" in html and "<mark>boos</mark>" in html
    assert "<script" not in html and "<b>" not in html and "<strong>" not in html
    assert "jongen" in html
    # Without a search, no snippet.
    assert all(i.snippet is None for i in service.find_questions(cast.eva, now=utcnow()).items)


def test_snippet_through_http_is_escaped(cast, login):
    factories.make_question(cast.anna, title="Angst", situation="Angst voor <img src=x onerror=alert(1)> honden.",
                            request="Wat helpt?")
    db.session.commit()
    body = login(cast.eva).get("/vragen", query_string={"zoek": "honden", "gebied": ""}).get_data(as_text=True)
    assert "<mark>honden</mark>" in body
    assert "<img src=x" not in body


def test_pagination_shows_page_numbers(cast, login):
    for i in range(45):
        factories.make_question(cast.anna, title=f"Vraag {i}", situation="Tekst.")
    db.session.commit()
    body = login(cast.eva).get("/vragen", query_string={"gebied": "", "pagina": "2"}).get_data(as_text=True)
    nav = body[body.index('class="pagination"'):]
    nav = nav[:nav.index("</nav>")]
    assert 'aria-current="page"' in nav and ">2<" in nav
    assert ">1</a>" in nav and ">3</a>" in nav


def test_search_still_follows_the_question_table_after_the_resident_migration(cast, login):
    """The resident migration adds columns to `question`; on SQLite the FTS triggers must survive it."""
    if db.engine.dialect.name == "sqlite":
        triggers = set(db.session.scalars(db.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'question'")))
        assert triggers == {"question_fts_ai", "question_fts_ad", "question_fts_au"}
    from .residents import ask, question_form, question_from

    question = question_from(ask(login(cast.anna), cast, title="Nachtmerries na de brand"))
    assert question.resident_id is not None
    assert _titles(cast.eva, "nachtmerries") == ["Nachtmerries na de brand"]
    response = login(cast.anna).post(f"/vragen/{question.id}/bewerken", question_form(
        cast, title="Angst in het donker", resident=str(question.resident_id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert _titles(cast.eva, "nachtmerries") == []
    assert _titles(cast.eva, "donker") == ["Angst in het donker"]


def test_a_search_with_few_matches_sorts_them_all_and_gives_the_page_the_walk_gives(cast, monkeypatch):
    """Few matches are taken through the search index, then sorted (a CTE); many walk the list.

    Both plans must give the same pages in every sort, for a family worker
    (own questions first) and for an expert.
    """
    from datetime import timedelta

    from sqlalchemy import event

    from expertise.accounts.models import Role

    colleague = factories.make_user("Cor Gezinswerker", [Role.FAMILY_WORKER],
                                    email="cor@example.test", team=cast.anna.team)
    start = utcnow() - timedelta(days=30)
    for n in range(7):
        factories.make_question(cast.anna if n % 2 else colleague, title=f"Slaapproblemen {n}",
                                urgency="urgent" if n % 3 == 0 else "normal", now=start + timedelta(days=n))
    factories.make_question(cast.anna, title="Schoolverzuim", situation="Hij gaat niet naar school.",
                            request="Hoe krijgen we hem weer in de klas?", now=start)
    db.session.commit()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    def pages(user, sort):
        return [[item.question.title for item in service.find_questions(
            user, now=utcnow(), search="slaapt", sort=sort, page=page, per_page=3).items] for page in (1, 2, 3)]

    few = service.FEW_MATCHES
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for user in (cast.anna, cast.eva):
            for sort in ("newest", "oldest", "urgent"):
                statements.clear()
                sorted_all = pages(user, sort)
                assert any("MATERIALIZED" in s for s in statements)
                monkeypatch.setattr(service, "FEW_MATCHES", 0)
                statements.clear()
                walked = pages(user, sort)
                assert not any("MATERIALIZED" in s for s in statements)
                monkeypatch.setattr(service, "FEW_MATCHES", few)
                assert sorted_all == walked and sum(map(len, walked)) == 7, (user.name, sort)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    newest = pages(cast.anna, "newest")[0]
    assert newest == ["Slaapproblemen 5", "Slaapproblemen 3", "Slaapproblemen 1"]  # her own first
