"""Finding questions: the expert's default areas, filters, sorting, own questions first, pagination."""
from datetime import datetime, timedelta, timezone

from expertise.accounts.models import Role
from expertise.extensions import db

from .. import factories

START = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)


def _titles(html, *titles):
    return [t for t in titles if t in html]


def test_expert_list_starts_in_their_own_areas_and_can_show_all(cast, login):
    ggz = cast.eva.expertise_areas
    opvoeding = cast.olaf.expertise_areas
    factories.make_question(cast.anna, title="GGZ-vraag", areas=ggz)
    factories.make_question(cast.anna, title="Opvoedvraag", areas=opvoeding)
    db.session.commit()
    eva = login(cast.eva)
    assert _titles(eva.get("/vragen").get_data(as_text=True), "GGZ-vraag", "Opvoedvraag") == ["GGZ-vraag"]
    everything = eva.get("/vragen?gebied=&gefilterd=1").get_data(as_text=True)
    assert _titles(everything, "GGZ-vraag", "Opvoedvraag") == ["GGZ-vraag", "Opvoedvraag"]
    by_area = eva.get(f"/vragen?gebied={opvoeding[0].id}").get_data(as_text=True)
    assert _titles(by_area, "GGZ-vraag", "Opvoedvraag") == ["Opvoedvraag"]


def test_filters_on_urgency_status_and_my_organisation(cast, login):
    areas = cast.eva.expertise_areas
    factories.make_question(cast.anna, title="Urgente vraag", urgency="urgent", areas=areas)
    answered = factories.make_question(cast.anna, title="Door Altrecht beantwoord", areas=areas)
    factories.make_post(cast.eva, answered)
    closed = factories.make_question(cast.anna, title="Afgesloten vraag", areas=areas)
    factories.make_post(cast.olaf, closed)
    from expertise.questions import service

    service.close_question(cast.anna, closed, outcome="followed", explanation="Gedaan.", now=START)
    db.session.commit()
    eva = login(cast.eva)
    all_titles = ("Urgente vraag", "Door Altrecht beantwoord", "Afgesloten vraag")
    assert _titles(eva.get("/vragen?urgentie=urgent").get_data(as_text=True), *all_titles) == ["Urgente vraag"]
    assert _titles(eva.get("/vragen").get_data(as_text=True), *all_titles) == ["Urgente vraag", "Door Altrecht beantwoord"]
    assert _titles(eva.get("/vragen?status=afgesloten").get_data(as_text=True), *all_titles) == ["Afgesloten vraag"]
    not_answered = eva.get("/vragen?status=alle&org_niet=1").get_data(as_text=True)
    assert _titles(not_answered, *all_titles) == ["Urgente vraag", "Afgesloten vraag"]
    no_advice = eva.get("/vragen?status=alle&zonder_advies=1").get_data(as_text=True)
    assert _titles(no_advice, *all_titles) == ["Urgente vraag"]


def test_sorting_newest_oldest_and_most_urgent(cast, login):
    areas = cast.eva.expertise_areas
    factories.make_question(cast.anna, title="Eerste", areas=areas, now=START)
    factories.make_question(cast.anna, title="Tweede urgent", urgency="urgent", areas=areas, now=START + timedelta(hours=1))
    factories.make_question(cast.anna, title="Derde", areas=areas, now=START + timedelta(days=2))
    db.session.commit()
    eva = login(cast.eva)

    def order(query):
        html = eva.get(f"/vragen?{query}").get_data(as_text=True)
        return sorted(["Eerste", "Tweede urgent", "Derde"], key=html.index)

    assert order("sorteer=nieuw") == ["Derde", "Tweede urgent", "Eerste"]
    assert order("sorteer=oud") == ["Eerste", "Tweede urgent", "Derde"]
    # Advice due: "Tweede urgent" Tuesday, "Eerste" Wednesday, "Derde" Friday.
    assert order("sorteer=urgent") == ["Tweede urgent", "Eerste", "Derde"]


def test_family_worker_sees_own_questions_first_then_the_team(cast, login):
    colleague = factories.make_user("Chris Collega", [Role.FAMILY_WORKER], team=cast.anna.team)
    factories.make_question(cast.anna, title="Annas oude vraag", now=START)
    factories.make_question(colleague, title="Chris nieuwe vraag", now=START + timedelta(days=3))
    factories.make_question(cast.bram, title="Brams vraag", now=START + timedelta(days=4))
    db.session.commit()
    html = login(cast.anna).get("/vragen").get_data(as_text=True)
    assert html.index("Annas oude vraag") < html.index("Chris nieuwe vraag")
    assert "Brams vraag" not in html


def test_list_is_paginated(cast, login):
    for i in range(23):
        factories.make_question(cast.anna, title=f"Vraag nummer {i:02d}", areas=cast.eva.expertise_areas,
                                now=START + timedelta(minutes=i))
    db.session.commit()
    eva = login(cast.eva)
    first = eva.get("/vragen").get_data(as_text=True)
    assert 'aria-current="page"><span class="visually-hidden">Pagina </span>1<' in first
    assert "Vraag nummer 22" in first and "Vraag nummer 02" not in first
    second = eva.get("/vragen?pagina=2").get_data(as_text=True)
    assert "Vraag nummer 02" in second and "Vraag nummer 22" not in second
    assert eva.get("/vragen?pagina=99").status_code == 200
