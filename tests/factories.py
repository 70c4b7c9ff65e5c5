"""Plain factory functions for tests: make_user(...), make_team(...), …"""
from expertise.accounts.models import ExpertiseArea, Organisation, Role, Team, User
from expertise.accounts.service import hash_password
from expertise.core.time import utcnow
from expertise.extensions import db

PASSWORD = "correct horse battery staple"


def make_organisation(name="Altrecht"):
    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_team(name="Buurtteam Zuilen"):
    team = Team(name=name)
    db.session.add(team)
    db.session.flush()
    return team


def make_area(name="GGZ / psychiatrie"):
    area = ExpertiseArea(name=name, description="")
    db.session.add(area)
    db.session.flush()
    return area


_counter = iter(range(1, 10**6))


def make_user(name=None, roles=(Role.FAMILY_WORKER,), *, email=None, team=None,
              organisation=None, areas=(), password=PASSWORD, active=True):
    """Create an activated user (password set) unless password=None."""
    n = next(_counter)
    name = name or f"User {n}"
    user = User(
        email=email or f"user{n}@example.test",
        name=name,
        password_hash=hash_password(password) if password else None,
        team=team,
        organisation=organisation,
        expertise_areas=list(areas),
        active=active,
        activated_at=utcnow() if password else None,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    return user
