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
_HASHES = {}


def password_hash(password):
    """hash_password(password), computed once per password and Argon2 cost in this test process.

    Nearly every test user has the same password, and each Argon2id hash costs 10-25 ms on the
    2-core machine: seven per cast, for thousands of casts. One salted hash shared by the users
    holding that password is still a valid hash of it; login verifies it as it would any other.
    """
    from flask import current_app

    config = current_app.config
    key = (password, config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])
    if key not in _HASHES:
        _HASHES[key] = hash_password(password)
    return _HASHES[key]


def make_user(name=None, roles=(Role.FAMILY_WORKER,), *, email=None, team=None,
              organisation=None, areas=(), password=PASSWORD, active=True, totp=True):
    """Create an activated user (password set) unless password=None.

    An activated user has a confirmed TOTP secret (as after enrolment)
    unless totp=False; `conftest.Browser.login` computes its codes.
    """
    n = next(_counter)
    name = name or f"User {n}"
    user = User(
        email=email or f"user{n}@example.test",
        name=name,
        password_hash=password_hash(password) if password else None,
        team=team,
        organisation=organisation,
        expertise_areas=list(areas),
        active=active,
        activated_at=utcnow() if password else None,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    if password and totp:
        import pyotp

        from expertise.accounts import twofactor

        twofactor.install_secret(user, pyotp.random_base32(length=32), utcnow())
    return user


def make_question(owner, *, title="Slaapproblemen na verhuizing", areas=(), publish=True, now=None,
                  urgency="normal", visibility="team", situation="Het kind slaapt slecht sinds de verhuizing.",
                  request="Hoe kunnen ouders helpen met een vast ritme?", child_age=8, **kwargs):
    """Create a question through the service (published unless publish=False)."""
    from expertise.accounts.models import ExpertiseArea
    from expertise.questions import service

    if not areas:
        areas = db.session.scalars(db.select(ExpertiseArea).limit(1)).all() or [make_area("Opvoeding")]
    question = service.post_question(
        owner, title=title, situation=situation, request=request, child_age=child_age,
        areas=list(areas), urgency=urgency, visibility=visibility, family_consent=True,
        publish=publish, now=now or utcnow(), **kwargs,
    )
    return question


def make_post(author, question, body="Probeer een vast avondritueel.", *, parent=None, now=None):
    """Add a post to a question's thread through the service."""
    from expertise.questions import service

    return service.post_reply(author, question, body=body, parent=parent, now=now or utcnow())
def make_follow_up(owner, expert, *, now=None):
    """An advised question of `owner`, closed, with the follow-up asked (not answered yet)."""
    from expertise.insights.models import FollowUp
    from expertise.questions import service

    now = now or utcnow()
    question = make_question(owner, title="Vraag met vervolg", areas=expert.expertise_areas, now=now)
    advice = make_post(expert, question, "Een advies.", now=now)
    service.close_question(owner, question, outcome="followed", explanation="Gedaan.",
                           ratings={advice.id: 4}, now=now)
    follow_up = FollowUp(question_id=question.id, asked_at=now)
    db.session.add(follow_up)
    db.session.flush()
    return follow_up


# --- consultations -------------------------------------------------------------


def make_series(coordinator, *, name="Wekelijks overleg Noordwest", teams=(), experts=(), now=None,
                days_ahead=3, start="14:00", **kwargs):
    """Create a weekly series whose first meeting is `days_ahead` days from now (agenda still open)."""
    from datetime import time as dtime, timedelta

    from expertise.consultations import service
    from expertise.core.time import AMSTERDAM

    now = now or utcnow()
    first = (now.astimezone(AMSTERDAM) + timedelta(days=days_ahead)).date()
    hour, minute = (int(x) for x in start.split(":"))
    kwargs.setdefault("place", "Wijkbureau Zuilen")
    return service.create_series(
        coordinator, name=name, weekday=first.weekday(), start_time=dtime(hour, minute), duration_minutes=90,
        teams=list(teams), experts=list(experts), starts_on=first, now=now, **kwargs,
    )


def make_nomination(owner, question, series, *, note="Wat is een goede volgende stap?", now=None):
    """Let the owner nominate a question for the series' next meeting with an open agenda."""
    from expertise.consultations import service

    now = now or utcnow()
    meeting = service.next_meeting(series, now, open_only=True)
    return service.nominate_question(owner, question, meeting, note=note, now=now)


# --- vault -------------------------------------------------------------------

IDENTITY = {"name": "Janneke de Vries-Özdemir", "date_of_birth": "2010-05-03", "file_number": "J-2023-0451"}


def private_key_of(user, password=PASSWORD):
    """Return the user's private key, enrolling a key pair first if they have none."""
    from expertise.vault import service

    if service.user_key(user) is None:
        service.enrol_user(user, password, now=utcnow(), with_recovery_code=False)
    sk, _params = service._unwrap_with_password(service.user_key(user), user, password)
    return sk


def ensure_recovery_key():
    """Return (RecoveryKey, kit or None): a recovery key exists afterwards."""
    from expertise.vault import service

    key = service.current_recovery_key()
    if key is not None:
        return key, None
    return service.create_recovery_key(None, now=utcnow())


def make_resident(owner, identity=None, password=PASSWORD):
    """Create a resident for `owner` through the vault service (key pair and recovery key as needed)."""
    from datetime import date

    from expertise.vault import service

    data = dict(identity or IDENTITY)
    ensure_recovery_key()
    ident = service.Identity(data["name"], date.fromisoformat(data["date_of_birth"]), data.get("file_number", ""))
    return service.create_resident(owner, ident, private_key=private_key_of(owner, password), now=utcnow())


def make_assignment(coordinator, question, expert, *, now=None):
    """Assign `question` to `expert` as a triage decision of `coordinator` (through the service)."""
    from expertise.consultations import service

    service.route_to_experts(coordinator, question, [expert], now=now or utcnow())
    return service.live_assignment(expert, question.id)


# --- knowledge base ----------------------------------------------------------


def make_closed_case(owner, expert, *, title="Driftbuien na de scheiding", situation="Het kind heeft driftbuien.",
                     request="Hoe kunnen de ouders helpen?", advice="Help de ouders met een vast ritme.", resident=None,
                     child_age=9, now=None):
    """A question of `owner` with `expert`'s advice, closed with feedback (through the services)."""
    from expertise.questions import service

    now = now or utcnow()
    question = make_question(owner, title=title, situation=situation, request=request, areas=expert.expertise_areas,
                             resident=resident, child_age=child_age, now=now)
    make_post(expert, question, advice, now=now)
    service.close_question(owner, question, outcome="followed", explanation="Het ritme hielp.", now=now)
    return question


def make_published_summary(owner, moderator, question, *, now=None):
    """Build, submit and publish the summary of a closed question (scrubbed without identity or deduce)."""
    from expertise.knowledge import scrub, service

    now = now or utcnow()
    summary = service.build_summary(owner, question, scrub=scrub.scrub_text, now=now)
    service.submit_summary(owner, summary, now)
    service.decide_summary(moderator, summary, approve=True, reason="", now=now)
    return summary
