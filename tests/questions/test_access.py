"""Who sees which question and post: 404 for missing and forbidden alike."""
import pytest

from expertise.accounts.models import Role
from expertise.extensions import db

from .. import factories


@pytest.fixture
def questions(cast):
    team = factories.make_question(cast.anna, title="Teamvraag over hechting")
    restricted = factories.make_question(cast.anna, title="Besloten vraag over veiligheid", visibility="restricted")
    draft = factories.make_question(cast.anna, title="Concept over verslaving", publish=False)
    advice = factories.make_post(cast.eva, team)
    colleague = factories.make_user("Chris Collega", [Role.FAMILY_WORKER], team=cast.anna.team)
    db.session.commit()
    return dict(team=team, restricted=restricted, draft=draft, advice=advice, colleague=colleague)


def test_every_expert_moderator_and_coordinator_sees_published_questions(cast, login, questions):
    for person in (cast.eva, cast.olaf, cast.mila, cast.cas):
        client = login(person)
        assert client.get(f"/vragen/{questions['team'].id}").status_code == 200
        assert client.get(f"/vragen/{questions['restricted'].id}").status_code == 200


def test_team_colleague_sees_team_questions_but_not_restricted_ones_or_drafts(cast, login, questions):
    client = login(questions["colleague"])
    assert client.get(f"/vragen/{questions['team'].id}").status_code == 200
    assert client.get(f"/vragen/{questions['restricted'].id}").status_code == 404
    assert client.get(f"/vragen/{questions['draft'].id}").status_code == 404
    listing = client.get("/vragen").get_data(as_text=True)
    assert "Teamvraag over hechting" in listing
    assert "Besloten vraag" not in listing and "Concept over verslaving" not in listing


def test_family_worker_of_another_team_gets_404_for_everything_of_anna(cast, login, questions):
    bram = login(cast.bram)
    for key in ("team", "restricted", "draft"):
        qid = questions[key].id
        assert bram.get(f"/vragen/{qid}").status_code == 404
        assert bram.get(f"/vragen/{qid}/reageren").status_code == 404
        assert bram.get(f"/vragen/{qid}/afsluiten").status_code == 404
        assert bram.post(f"/vragen/{qid}/heropenen").status_code == 404
    advice = questions["advice"].id
    assert bram.get(f"/vragen/{questions['team'].id}/reageren?op={advice}").status_code == 404
    assert bram.get(f"/berichten/{advice}/bewerken").status_code == 404
    assert bram.post(f"/berichten/{advice}/nuttig").status_code == 404
    assert "Teamvraag" not in bram.get("/vragen").get_data(as_text=True)


def test_drafts_are_the_owners_alone(cast, login, questions):
    draft = questions["draft"].id
    assert login(cast.anna).get(f"/vragen/{draft}").status_code == 200
    for person in (cast.eva, cast.mila, cast.cas, questions["colleague"]):
        assert login(person).get(f"/vragen/{draft}").status_code == 404


def test_missing_question_and_post_are_404(cast, login):
    client = login(cast.eva)
    assert client.get("/vragen/999999").status_code == 404
    assert client.get("/berichten/999999/bewerken").status_code == 404
    assert client.get("/vragen/999999/reageren").status_code == 404


def test_reply_to_a_post_of_another_question_is_404(cast, login, questions):
    other = factories.make_question(cast.anna, title="Andere vraag")
    db.session.commit()
    response = login(cast.eva).get(f"/vragen/{other.id}/reageren?op={questions['advice'].id}")
    assert response.status_code == 404


def test_admin_without_other_roles_cannot_open_questions(cast, login, questions):
    ada = login(cast.ada)
    assert ada.get("/vragen").status_code == 403
    assert ada.get(f"/vragen/{questions['team'].id}").status_code == 403


def test_only_family_workers_ask_questions(cast, login):
    for person in (cast.eva, cast.mila, cast.cas, cast.ada):
        assert login(person).get("/vragen/nieuw").status_code == 403


def test_home_and_menu_show_the_right_entries_per_role(cast, login):
    assert "Stel een vraag" in login(cast.anna).get("/").get_data(as_text=True)
    eva_home = login(cast.eva).get("/").get_data(as_text=True)
    assert "Vragen in jouw expertisegebieden" in eva_home and "Stel een vraag" not in eva_home
    assert "Vragen zonder advies" in login(cast.cas).get("/").get_data(as_text=True)
    assert 'href="/vragen"' not in login(cast.ada).get("/").get_data(as_text=True)
