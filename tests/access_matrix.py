"""Who may open which route: the table the access-matrix test walks.

Every endpoint of the app must appear here (a test checks it), so a new route
cannot slip in without saying who may use it. `path` builds a URL from the
cast; `roles` lists the roles that may use it (empty: every logged-in user);
`public` routes are open to anonymous visitors.
"""
from dataclasses import dataclass, field

from expertise.accounts.models import Role


@dataclass(frozen=True)
class RouteRule:
    endpoint: str
    method: str
    path: object  # callable(cast) -> str
    roles: tuple = ()
    public: bool = False
    # Form data that makes a POST succeed, built from the cast.
    data: object = field(default=None)
    # Statuses that count as "allowed" (404 where the object belongs to someone else).
    ok: tuple = (200, 302)


MANAGERS = (Role.ADMIN, Role.COORDINATOR)
FW = (Role.FAMILY_WORKER,)


def _resident(c):
    """Anna's resident, created on first use (committed, so requests see it)."""
    if not hasattr(c, "_resident_id"):
        from expertise.extensions import db

        from .factories import make_resident

        c._resident_id = make_resident(c.anna).id
        db.session.commit()
    return c._resident_id


def _recovery_request(c):
    if not hasattr(c, "_recovery_request_id"):
        from expertise.core.time import utcnow
        from expertise.extensions import db
        from expertise.vault.models import RecoveryRequest

        row = RecoveryRequest(started_by_id=c.ada.id, from_user_id=c.anna.id, to_user_id=c.anna.id, created_at=utcnow())
        db.session.add(row)
        db.session.commit()
        c._recovery_request_id = row.id
    return c._recovery_request_id


RULES = [
    RouteRule("accounts.home", "GET", lambda c: "/"),
    RouteRule("accounts.profile", "GET", lambda c: "/account"),
    RouteRule("accounts.login", "GET", lambda c: "/inloggen", public=True),
    RouteRule("accounts.logout", "POST", lambda c: "/uitloggen", public=True),
    RouteRule("accounts.set_language", "POST", lambda c: "/taal", public=True, data=lambda c: {"lang": "en"}),
    RouteRule("accounts.accept_invitation", "GET", lambda c: "/uitnodiging/onbekend", public=True),
    RouteRule("accounts.admin_index", "GET", lambda c: "/beheer", MANAGERS),
    RouteRule("accounts.admin_users", "GET", lambda c: "/beheer/gebruikers", MANAGERS),
    RouteRule("accounts.admin_invite_user", "GET", lambda c: "/beheer/gebruikers/uitnodigen", MANAGERS),
    RouteRule("accounts.admin_edit_user", "GET", lambda c: f"/beheer/gebruikers/{c.bram.id}", MANAGERS),
    RouteRule("accounts.admin_deactivate_user", "POST", lambda c: f"/beheer/gebruikers/{c.bram.id}/deactiveren", MANAGERS),
    RouteRule("accounts.admin_activate_user", "POST", lambda c: f"/beheer/gebruikers/{c.bram.id}/activeren", MANAGERS),
    RouteRule("accounts.admin_reinvite_user", "POST", lambda c: f"/beheer/gebruikers/{c.bram.id}/opnieuw-uitnodigen", MANAGERS),
    RouteRule("accounts.admin_organisations", "GET", lambda c: "/beheer/organisaties", MANAGERS),
    RouteRule("accounts.admin_edit_organisations", "GET", lambda c: f"/beheer/organisaties/{c.eva.organisation_id}", (Role.ADMIN,)),
    RouteRule("accounts.admin_teams", "GET", lambda c: "/beheer/teams", MANAGERS),
    RouteRule("accounts.admin_edit_teams", "GET", lambda c: f"/beheer/teams/{c.anna.team_id}", (Role.ADMIN,)),
    RouteRule("accounts.admin_areas", "GET", lambda c: "/beheer/expertisegebieden", MANAGERS),
    RouteRule("accounts.change_password", "GET", lambda c: "/account/wachtwoord"),
    RouteRule("accounts.sessions", "GET", lambda c: "/account/sessies"),
    RouteRule("accounts.end_session", "POST", lambda c: "/account/sessies/999999/beeindigen", ok=(404,)),
    RouteRule("accounts.admin_reset_password", "POST", lambda c: f"/beheer/gebruikers/{c.bram.id}/wachtwoord-herstellen", MANAGERS),
    RouteRule("vault.residents", "GET", lambda c: "/bewoners", FW),
    RouteRule("vault.new_resident", "GET", lambda c: "/bewoners/nieuw", FW),
    RouteRule("vault.resident", "GET", lambda c: f"/bewoners/{_resident(c)}", FW),
    RouteRule("vault.resident_log", "GET", lambda c: f"/bewoners/{_resident(c)}/inzage", FW),
    RouteRule("vault.hand_over", "GET", lambda c: f"/bewoners/{_resident(c)}/overdragen", FW),
    RouteRule("vault.erase_resident", "POST", lambda c: f"/bewoners/{_resident(c)}/wissen", FW),
    RouteRule("vault.admin_recovery_key", "GET", lambda c: "/beheer/herstelsleutel", (Role.ADMIN,)),
    RouteRule("vault.admin_recovery", "GET", lambda c: "/beheer/herstel", MANAGERS),
    RouteRule("vault.admin_complete_recovery", "GET", lambda c: f"/beheer/herstel/{_recovery_request(c)}", MANAGERS),
    RouteRule("accounts.admin_edit_areas", "GET", lambda c: f"/beheer/expertisegebieden/{c.eva.expertise_areas[0].id}", (Role.ADMIN,)),
]
