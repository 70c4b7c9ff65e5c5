"""The demo world: Utrecht's organisations, buurtteams, expertise areas and one account per role.

Only for development and demonstrations; `flask seed-demo` refuses to run
under the production configuration. Running it twice changes nothing.
"""
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
    return accounts


def seed_demo_recovery_key():
    """Create the platform's recovery key when there is none; return its kit (demo only) or None."""
    if vault_service.current_recovery_key() is not None:
        return None
    _key, kit = vault_service.create_recovery_key(None, now=utcnow())
    return kit
