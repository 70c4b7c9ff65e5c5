"""Administration: admins manage everything, coordinators field workers only."""
from expertise.accounts.models import ExpertiseArea, Organisation, Role, Team, User
from expertise.extensions import db


def _user(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_admin_changes_roles_team_and_areas(cast, login):
    area = cast.eva.expertise_areas[0]
    response = login(cast.ada).post(
        f"/beheer/gebruikers/{cast.bram.id}",
        {"name": "Bram B.", "roles": ["family_worker", "expert"], "team": str(cast.bram.team_id),
         "organisation": str(cast.eva.organisation_id), "expertise_areas": [str(area.id)]},
    )
    assert response.status_code == 302
    bram = _user(cast.bram.id)
    assert bram.name == "Bram B."
    assert bram.roles == {Role.FAMILY_WORKER, Role.EXPERT}
    assert [a.name for a in bram.expertise_areas] == [area.name]


def test_coordinator_cannot_grant_admin(cast, login):
    response = login(cast.cas).post(
        f"/beheer/gebruikers/{cast.bram.id}",
        {"name": "Bram", "roles": ["admin"], "team": str(cast.bram.team_id), "organisation": ""},
    )
    assert response.status_code == 200  # the form comes back with the error
    assert _user(cast.bram.id).roles == {Role.FAMILY_WORKER}


def test_coordinator_cannot_see_admin_or_moderator_accounts(cast, login):
    coordinator = login(cast.cas)
    assert coordinator.get(f"/beheer/gebruikers/{cast.ada.id}").status_code == 404
    assert coordinator.get(f"/beheer/gebruikers/{cast.mila.id}").status_code == 404
    assert coordinator.post(f"/beheer/gebruikers/{cast.ada.id}/deactiveren").status_code == 404
    assert _user(cast.ada.id).active


def test_coordinator_manages_family_workers_and_experts(cast, login):
    coordinator = login(cast.cas)
    assert coordinator.get(f"/beheer/gebruikers/{cast.eva.id}").status_code == 200
    assert coordinator.post(f"/beheer/gebruikers/{cast.bram.id}/deactiveren").status_code == 302
    assert not _user(cast.bram.id).active


def test_missing_user_gives_404(cast, login):
    assert login(cast.ada).get("/beheer/gebruikers/999999").status_code == 404


def test_admin_cannot_deactivate_themselves(cast, login):
    admin = login(cast.ada)
    admin.post(f"/beheer/gebruikers/{cast.ada.id}/deactiveren")
    assert _user(cast.ada.id).active


def test_reactivation_lets_the_user_back_in(cast, login):
    admin = login(cast.ada)
    admin.post(f"/beheer/gebruikers/{cast.bram.id}/deactiveren")
    admin.post(f"/beheer/gebruikers/{cast.bram.id}/activeren")
    assert _user(cast.bram.id).active
    assert login(cast.bram).get("/").status_code == 200


def test_user_list_filters_by_role_and_search(cast, login):
    admin = login(cast.ada)
    body = admin.get("/beheer/gebruikers?rol=expert").get_data(as_text=True)
    assert "Eva Deskundige" in body and "Anna Gezinswerker" not in body
    body = admin.get("/beheer/gebruikers?zoek=anna").get_data(as_text=True)
    assert "Anna Gezinswerker" in body and "Eva Deskundige" not in body


def test_admin_adds_and_renames_organisation_team_and_area(cast, login):
    admin = login(cast.ada)
    assert admin.post("/beheer/organisaties", {"name": "Indigo", "active": "y"}).status_code == 302
    assert admin.post("/beheer/teams", {"name": "Buurtteam Lunetten", "active": "y"}).status_code == 302
    assert admin.post("/beheer/expertisegebieden", {"name": "NAH", "description": "Hersenletsel", "active": "y"}).status_code == 302
    team = db.session.scalar(db.select(Team).filter_by(name="Buurtteam Lunetten"))
    assert admin.post(f"/beheer/teams/{team.id}", {"name": "Buurtteam Lunetten-Oost"}).status_code == 302
    db.session.expire_all()
    assert team.name == "Buurtteam Lunetten-Oost" and not team.active
    assert db.session.scalar(db.select(Organisation).filter_by(name="Indigo")) is not None
    assert db.session.scalar(db.select(ExpertiseArea).filter_by(name="NAH")).description == "Hersenletsel"


def test_duplicate_team_name_is_refused_next_to_the_field(cast, login):
    response = login(cast.ada).post("/beheer/teams", {"name": "buurtteam zuilen", "active": "y"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Deze naam is al in gebruik." in body
    assert 'value="buurtteam zuilen"' in body


def test_coordinator_reads_but_cannot_add_teams(cast, login):
    coordinator = login(cast.cas)
    assert coordinator.get("/beheer/teams").status_code == 200
    assert coordinator.post("/beheer/teams", {"name": "Nieuw team", "active": "y"}).status_code == 403
    assert db.session.scalar(db.select(Team).filter_by(name="Nieuw team")) is None
