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
    # True when the URL names an object of the person themselves: path(cast, person).
    per_person: bool = False

    def url(self, cast, person=None):
        """Return the URL for this person (the family worker when none is given)."""
        if self.per_person:
            return self.path(cast, person or cast.anna)
        return self.path(cast)


def _own_notification(person):
    from expertise.extensions import db
    from expertise.realtime.models import Notification

    notification = Notification(user_id=person.id, kind="new_advice", question_id=1)
    db.session.add(notification)
    db.session.commit()
    return notification.id


MANAGERS = (Role.ADMIN, Role.COORDINATOR)

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
    RouteRule("realtime.notifications", "GET", lambda c: "/meldingen"),
    RouteRule("realtime.notifications_json", "GET", lambda c: "/meldingen.json?since=0"),
    RouteRule("realtime.mark_read", "POST", lambda c, p: f"/meldingen/{_own_notification(p)}/gelezen", per_person=True),
    RouteRule("realtime.mark_all_read", "POST", lambda c: "/meldingen/alles-gelezen"),
    RouteRule("realtime.preferences", "GET", lambda c: "/meldingen/instellingen"),
    RouteRule("accounts.admin_edit_areas", "GET", lambda c: f"/beheer/expertisegebieden/{c.eva.expertise_areas[0].id}", (Role.ADMIN,)),
]
