"""The demo world: Utrecht's organisations, buurtteams, expertise areas, one account per role,
and a few invented, identity-free questions (one with an advice) so the platform looks alive.

Only for development and demonstrations; `flask seed-demo` refuses to run
under the production configuration. Running it twice changes nothing.
"""
from datetime import timedelta

from .accounts.models import ExpertiseArea, Organisation, Role, Team, User
from .accounts.service import hash_password
from .core.time import utcnow
from .extensions import db
from .vault import service as vault_service

ORGANISATIONS = ["Altrecht", "Reinaerde", "Timon", "Youké", "Indigo"]

TEAMS = [
    "Buurtteam Binnenstad",
    "Buurtteam Noordoost",
    "Buurtteam Oost",
    "Buurtteam Overvecht Noord",
    "Buurtteam Overvecht Zuid",
    "Buurtteam Zuilen",
    "Buurtteam Ondiep-Pijlsweerd",
    "Buurtteam Lombok-Oog in Al",
    "Buurtteam Kanaleneiland",
    "Buurtteam Transwijk",
    "Buurtteam Dichterswijk-Rivierenwijk",
    "Buurtteam Hoograven-Tolsteeg",
    "Buurtteam Lunetten",
    "Buurtteam Zuid",
    "Buurtteam Leidsche Rijn Noord",
    "Buurtteam Leidsche Rijn Zuid",
    "Buurtteam Vleuten-De Meern",
    "Buurtteam Terwijde-Langerak",
]

AREAS = [
    ("LVB", "Licht verstandelijke beperking"),
    ("GGZ / psychiatrie", "Psychische problemen en psychiatrische stoornissen bij kind of ouder"),
    ("Autisme", "Autismespectrumstoornissen"),
    ("Opvoeding", "Opvoedvragen, gedrag en ouderschap"),
    ("Verslaving", "Middelengebruik en verslaving bij jongeren of ouders"),
    ("Huiselijk geweld", "Kindermishandeling, partnergeweld en onveiligheid thuis"),
    ("Trauma", "Traumatische ervaringen en hun gevolgen"),
    ("Onderwijs & leerplicht", "Schoolverzuim, passend onderwijs en leerplicht"),
    ("NAH", "Niet-aangeboren hersenletsel"),
    ("Schulden & armoede", "Geldzorgen, schulden en armoede in het gezin"),
]

# Demo-only password, printed by `make run`; never used outside the demo world.
DEMO_PASSWORD = "demo-wachtwoord-2026"

ACCOUNTS = [
    # (e-mail, name, roles, team, organisation, areas)
    ("gezinswerker@demo.test", "Anna de Gezinswerker", [Role.FAMILY_WORKER], "Buurtteam Zuilen", None, []),
    ("gezinswerker2@demo.test", "Bram van het Buurtteam", [Role.FAMILY_WORKER], "Buurtteam Overvecht Noord", None, []),
    # Anna's colleague in Buurtteam Zuilen: a resident and its questions can be handed over to her.
    ("gezinswerker3@demo.test", "Carmen Collega", [Role.FAMILY_WORKER], "Buurtteam Zuilen", None, []),
    ("deskundige@demo.test", "Eva Deskundige", [Role.EXPERT], None, "Altrecht", ["GGZ / psychiatrie", "Trauma"]),
    ("deskundige2@demo.test", "Olaf Opvoedexpert", [Role.EXPERT], None, "Youké", ["Opvoeding", "Huiselijk geweld"]),
    ("moderator@demo.test", "Mila Moderator", [Role.MODERATOR], None, None, []),
    ("coordinator@demo.test", "Cas Coördinator", [Role.COORDINATOR], None, None, []),
    ("beheerder@demo.test", "Ada Beheerder", [Role.ADMIN], None, None, []),
]


def _get_or_create(model, name, **fields):
    obj = db.session.scalar(db.select(model).filter_by(name=name))
    if obj is None:
        obj = model(name=name, **fields)
        db.session.add(obj)
    return obj


def seed_demo():
    """Create the demo world where it is missing; return the demo accounts.

    Demo family workers get vault key pairs (under the demo password) and the
    platform gets a recovery key; `seed_demo_recovery_key` returns its kit.
    """
    organisations = {name: _get_or_create(Organisation, name) for name in ORGANISATIONS}
    teams = {name: _get_or_create(Team, name) for name in TEAMS}
    areas = {
        name: _get_or_create(ExpertiseArea, name, description=description)
        for name, description in AREAS
    }
    db.session.flush()
    now = utcnow()
    accounts = []
    password_hash = None
    for email, name, roles, team, organisation, area_names in ACCOUNTS:
        user = db.session.scalar(db.select(User).filter_by(email=email))
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = User(
                email=email,
                name=name,
                password_hash=password_hash,
                team=teams.get(team),
                organisation=organisations.get(organisation),
                expertise_areas=[areas[a] for a in area_names],
                created_at=now,
                activated_at=now,
            )
            user.set_roles(roles)
            db.session.add(user)
        accounts.append(user)
    db.session.flush()
    for user in accounts:
        if vault_service.can_own_residents(user) and vault_service.user_key(user) is None:
            vault_service.enrol_user(user, DEMO_PASSWORD, now=now, with_recovery_code=False)
    _seed_questions(areas, now)
    _seed_knowledge_cases(areas, now)
    _seed_consultation(teams, now)
    _seed_triage(now)
    db.session.flush()
    return accounts


# Invented questions without any identity: (owner e-mail, title, situation, request,
# age, gender, areas, urgency, published days ago, advice from (e-mail, text) or None).
QUESTIONS = [
    (
        "gezinswerker@demo.test",
        "Slaapproblemen en angst na een verhuizing",
        "Een gezin is drie maanden geleden verhuisd na een periode van onrust thuis. "
        "De jongste ligt sindsdien elke avond lang wakker, wil niet alleen slapen en heeft "
        "overdag buikpijn voor school.\n\nMoeder is zelf ook gespannen en weet niet goed hoe ze moet reageren.",
        "Is dit nog een gewone reactie op de verhuizing, of is er meer nodig? Wat kan moeder thuis doen?",
        7, "girl", ["GGZ / psychiatrie", "Opvoeding"], "normal", 1,
        (
            "deskundige@demo.test",
            "Na een verhuizing en spanning thuis is dit een **begrijpelijke stressreactie**. Wat vaak helpt:\n\n"
            "- een vast, voorspelbaar avondritueel;\n- moeder blijft kort bij het bed en bouwt dat af;\n"
            "- buikpijn serieus nemen, zonder er extra aandacht aan te geven.\n\n"
            "Houdt het na zes weken aan, of komen er nachtmerries bij, overweeg dan een traumascreening.",
        ),
    ),
    (
        "gezinswerker@demo.test",
        "Schoolverzuim bij een jongere met somberheid",
        "Een jongere van 15 gaat sinds de herfstvakantie nauwelijks naar school. Thuis zit hij veel op "
        "zijn kamer en zegt dat alles zinloos is. Ouders zijn bezorgd en boos tegelijk.",
        "Hoe schat ik in of er sprake is van een depressie, en wie betrek ik eerst: school, huisarts of jeugd-GGZ?",
        15, "boy", ["GGZ / psychiatrie", "Onderwijs & leerplicht"], "urgent", 4, None,
    ),
    (
        "gezinswerker2@demo.test",
        "Ouders oneens over grenzen stellen",
        "Gescheiden ouders voeden samen twee kinderen op. Bij vader gelden weinig regels, bij moeder veel. "
        "De oudste speelt ze tegen elkaar uit.",
        "Hoe help ik ouders om tot een paar gezamenlijke afspraken te komen?",
        11, "", ["Opvoeding"], "normal", 0, None,
    ),
]


def _seed_questions(areas, now):
    """Add the demo questions that are missing (by title); idempotent."""
    from .questions import service
    from .questions.models import Question

    for email, title, situation, request, age, gender, area_names, urgency, days_ago, advice in QUESTIONS:
        if db.session.scalar(db.select(Question.id).filter_by(title=title)) is not None:
            continue
        owner = db.session.scalar(db.select(User).filter_by(email=email))
        published = now - timedelta(days=days_ago, hours=2)
        question = service.post_question(
            owner, title=title, situation=situation, request=request, child_age=age,
            child_gender=gender or None, areas=[areas[a] for a in area_names], urgency=urgency,
            visibility="team", family_consent=True, now=published,
        )
        if advice:
            adviser = db.session.scalar(db.select(User).filter_by(email=advice[0]))
            service.post_reply(adviser, question, body=advice[1], now=published + timedelta(hours=3))


# Invented closed cases, published in the knowledge base: (owner e-mail, title, situation, request,
# age, areas, closed days ago, (adviser e-mail, advice), outcome, feedback).
KNOWLEDGE_CASES = [
    (
        "gezinswerker3@demo.test",
        "Driftbuien bij een kleuter sinds de komst van een baby",
        "Een kleuter van 4 heeft sinds de geboorte van een broertje dagelijks driftbuien. Hij slaat, gooit met "
        "speelgoed en wil niet meer naar bed. Ouders zijn moe en reageren steeds bozer.",
        "Hoe kunnen ouders de driftbuien opvangen zonder dat het escaleert?",
        4, ["Opvoeding"], 40,
        ("deskundige2@demo.test",
         "Jaloezie na de komst van een baby is heel gewoon. Geef de kleuter elke dag een kwartier "
         "aandacht alleen voor hem, benoem zijn gevoel (\"je bent boos\") en blijf zelf rustig tijdens een driftbui. "
         "Prijs wat goed gaat. Een vast bedritueel geeft houvast."),
        "followed", "Ouders doen dagelijks het kwartier samen; de driftbuien zijn na vier weken veel minder.",
    ),
    (
        "gezinswerker3@demo.test",
        "Puber gamet 's nachts en gaat niet meer naar school",
        "Een jongen van 14 gamet tot diep in de nacht, komt 's ochtends zijn bed niet uit en heeft de laatste "
        "maand de helft van de lessen gemist. Ouders nemen de telefoon af, wat tot ruzie leidt.",
        "Is dit een gameverslaving, en hoe krijgen we hem weer naar school?",
        14, ["GGZ / psychiatrie", "Onderwijs & leerplicht"], 75,
        ("deskundige@demo.test",
         "Kijk eerst naar wat het gamen oplevert: vaak is het een vlucht voor somberheid of pesten. Maak samen met "
         "de jongere en school een opbouwschema, met afspraken over schermtijd die hij zelf mee bedenkt. Betrek de "
         "leerplichtambtenaar vroeg, als steun en niet als straf."),
        "partly", "School en leerplicht werken mee; de schermafspraken lukken nog maar half.",
    ),
]


def _seed_knowledge_cases(areas, now):
    """Add the demo knowledge-base cases that are missing (by title): closed, scrubbed, published."""
    from .knowledge import scrub, service as knowledge
    from .knowledge.models import CaseSummary
    from .questions import service

    moderator = db.session.scalar(db.select(User).filter_by(email="moderator@demo.test"))
    for email, title, situation, request, age, area_names, days_ago, advice, outcome, feedback in KNOWLEDGE_CASES:
        if db.session.scalar(db.select(CaseSummary.id).filter_by(title=title)) is not None:
            continue
        owner = db.session.scalar(db.select(User).filter_by(email=email))
        asked = now - timedelta(days=days_ago + 14)
        closed = now - timedelta(days=days_ago)
        question = service.post_question(
            owner, title=title, situation=situation, request=request, child_age=age,
            areas=[areas[a] for a in area_names], urgency="normal", visibility="team", family_consent=True,
            now=asked,
        )
        adviser = db.session.scalar(db.select(User).filter_by(email=advice[0]))
        service.post_reply(adviser, question, body=advice[1], now=asked + timedelta(hours=5))
        service.close_question(owner, question, outcome=outcome, explanation=feedback, now=closed)
        summary = knowledge.build_summary(owner, question, scrub=scrub.scrub_text, now=closed)
        knowledge.submit_summary(owner, summary, closed)
        knowledge.decide_summary(moderator, summary, approve=True, reason="", now=closed + timedelta(hours=2))


def seed_demo_totp():
    """Give demo accounts without a second factor a random TOTP secret; return {e-mail: secret}.

    Demo only: `flask seed-demo` prints the secrets (to add to an
    authenticator app) and `flask demo-totp EMAIL` prints the current code.
    Real accounts enrol through the QR page at their first login.
    """
    import pyotp

    from .accounts import twofactor

    now = utcnow()
    secrets_by_email = {}
    for email, *_rest in ACCOUNTS:
        user = db.session.scalar(db.select(User).filter_by(email=email))
        if user is not None and not user.has_totp:
            secret = pyotp.random_base32(length=32)
            twofactor.install_secret(user, secret, now)
            secrets_by_email[email] = secret
    return secrets_by_email


def demo_totp_code(email, now):
    """Return the current TOTP code of a demo account (for `flask demo-totp`), or None."""
    import pyotp

    from .accounts import twofactor

    if email not in {a[0] for a in ACCOUNTS}:
        return None
    user = db.session.scalar(db.select(User).filter_by(email=email))
    secret = twofactor.totp_secret(user) if user is not None else None
    if secret is None:
        return None
    return pyotp.TOTP(secret).at(now)


def seed_demo_recovery_key():
    """Create the platform's recovery key when there is none; return its kit (demo only) or None."""
    if vault_service.current_recovery_key() is not None:
        return None
    _key, kit = vault_service.create_recovery_key(None, now=utcnow())
    return kit


# One weekly consultation for the buurtteams in the north-west of Utrecht.
DEMO_SERIES = "Wekelijks overleg Noordwest"
DEMO_SERIES_TEAMS = ["Buurtteam Zuilen", "Buurtteam Ondiep-Pijlsweerd", "Buurtteam Overvecht Noord",
                     "Buurtteam Overvecht Zuid"]


# The demo question a triage worker assigned to an expert who has not answered yet.
DEMO_ASSIGNED = ("Ouders oneens over grenzen stellen", "deskundige2@demo.test")


def _seed_triage(now):
    """Make the demo coordinator a triage worker (all teams) and assign one question; idempotent."""
    from .consultations import service
    from .consultations.models import Assignment
    from .questions.models import Question

    coordinator = db.session.scalar(db.select(User).filter_by(email="coordinator@demo.test"))
    coordinator.triage_worker = True
    question = db.session.scalar(db.select(Question).filter_by(title=DEMO_ASSIGNED[0]))
    if question is None or db.session.scalar(db.select(Assignment.id).filter_by(question_id=question.id)):
        return
    expert = db.session.scalar(db.select(User).filter_by(email=DEMO_ASSIGNED[1]))
    service.route_to_experts(coordinator, question, [expert], now=now)


def _seed_consultation(teams, now):
    """Add the demo weekly consultation (Thursdays 14:00) when it is missing; idempotent."""
    from datetime import time

    from .consultations import service
    from .consultations.models import Consultation

    if db.session.scalar(db.select(Consultation.id).filter_by(name=DEMO_SERIES)) is not None:
        return
    coordinator = db.session.scalar(db.select(User).filter_by(email="coordinator@demo.test"))
    experts = db.session.scalars(
        db.select(User).where(User.email.in_(["deskundige@demo.test", "deskundige2@demo.test"]))
    ).all()
    service.create_series(
        coordinator, name=DEMO_SERIES, weekday=3, start_time=time(14, 0), duration_minutes=90,
        place="Wijkbureau Zuilen", video_url="https://video.example.invalid/wekelijks-overleg-noordwest",
        teams=[teams[name] for name in DEMO_SERIES_TEAMS], experts=experts, agenda_closes_hours=24, now=now,
    )
