"""The list and thread pages cost a fixed number of SQL queries, however much there is (N+1 guard)."""
from contextlib import contextmanager

from sqlalchemy import event

from expertise.extensions import db

from .. import factories


@contextmanager
def count_queries():
    statements = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def _queries(client, url):
    client.get(url)  # warm up: session row, translations
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def _questions(cast, n, start=0):
    for i in range(start, start + n):
        question = factories.make_question(cast.anna, title=f"Vraag {i}", areas=cast.eva.expertise_areas)
        factories.make_post(cast.eva, question, f"Advies {i}")
        factories.make_post(cast.olaf, question, f"Advies {i} van Youké")
    db.session.commit()


def test_question_list_queries_do_not_grow_with_the_number_of_questions(cast, login):
    client = login(cast.eva)
    _questions(cast, 3)
    few = _queries(client, "/vragen")
    _questions(cast, 30, start=3)
    many = _queries(client, "/vragen")
    assert few == many, (few, many)
    family = login(cast.anna)
    assert _queries(family, "/vragen") == _queries(family, "/vragen?pagina=2")


def test_thread_page_queries_do_not_grow_with_the_number_of_posts(cast, login):
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    advice = factories.make_post(cast.eva, question, "Eerste advies")
    for i in range(4):
        factories.make_post(cast.olaf, question, f"Reactie {i}", parent=advice)
    db.session.commit()
    for person in (cast.anna, cast.mila):
        client = login(person)
        few = _queries(client, f"/vragen/{question.id}")
        parent = advice
        for i in range(95):
            author = (cast.eva, cast.olaf, cast.anna)[i % 3]
            parent = factories.make_post(author, question, f"Post {i}", parent=parent if i % 4 else None)
        db.session.commit()
        many = _queries(client, f"/vragen/{question.id}")
        assert few == many, (person.name, few, many)


HELD_TEXT = (
    "Bij Altrecht hebben we hier een speciale training voor. Meld je aan via onze website "
    "www.altrecht-training.nl of bel ons op 030-2345678!"
)


def _held_posts(cast, question, n):
    """Posts of Eva the checks hold; every other one gets a moderator's decision the author is shown."""
    from expertise.core.time import utcnow
    from expertise.moderation import service as moderation
    from expertise.questions.models import PostStatus

    for i in range(n):
        post = factories.make_post(cast.eva, question, f"{HELD_TEXT} ({i})")
        assert post.status == PostStatus.HELD
        if i % 2:
            moderation.decide(cast.mila, question=question, post=post, action="request_edit",
                              reason="Haal de reclame eruit.", now=utcnow())
    db.session.commit()


def test_thread_page_queries_do_not_grow_with_the_number_of_held_posts(cast, login):
    # The author sees their own held posts with the moderator's latest decision,
    # a moderator sees all of them: one query for the decisions, not one per post.
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    factories.make_post(cast.olaf, question, "Eerste advies")
    db.session.commit()
    _held_posts(cast, question, 2)
    clients = {person.name: login(person) for person in (cast.eva, cast.mila)}
    few = {name: _queries(client, f"/vragen/{question.id}") for name, client in clients.items()}
    _held_posts(cast, question, 10)
    many = {name: _queries(client, f"/vragen/{question.id}") for name, client in clients.items()}
    assert few == many, (few, many)
    page = clients[cast.eva.name].get(f"/vragen/{question.id}").get_data(as_text=True)
    assert page.count("Reden van de moderator: Haal de reclame eruit.") == 6
