"""Who may open which route: the table the access-matrix test walks.

Every endpoint of the app must appear here (a test checks it), so a new route
cannot slip in without saying who may use it. `path` builds a URL from the
cast; `roles` lists the roles that may use it (empty: every logged-in user);
`public` routes are open to anonymous visitors.
"""
from dataclasses import dataclass, field

from expertise.accounts.models import Role

from . import factories


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
    # Statuses that count as "allowed" (404 where the object belongs to someone else).
    ok: tuple = (200, 302)

    def url(self, cast, person=None):
        """Return the URL for this person (the family worker when none is given)."""
        if self.per_person:
            return self.path(cast, person or cast.anna)
        return self.path(cast)


def _watched_word(moderator):
    from expertise.core.time import utcnow
    from expertise.moderation import service

    return service.add_watched_word(moderator, phrase="gratis proefles", action="hold", now=utcnow())


def _own_notification(person):
    from expertise.extensions import db
    from expertise.realtime.models import Notification

    notification = Notification(user_id=person.id, kind="new_advice", question_id=None)
    db.session.add(notification)
    db.session.commit()
    return notification.id


MANAGERS = (Role.ADMIN, Role.COORDINATOR)
MODERATORS = (Role.MODERATOR,)
QUESTION_ROLES = (Role.FAMILY_WORKER, Role.EXPERT, Role.MODERATOR, Role.COORDINATOR)
FW = (Role.FAMILY_WORKER,)
OWNER = (Role.FAMILY_WORKER,)  # anna (the family worker of the cast) owns the question

# Objects the rules point at, built once per test by `cast.obj(name)`.
OBJECTS = {
    # anna's published question, visible to her team, in eva's area (GGZ)
    "question": lambda c: factories.make_question(c.anna, areas=c.eva.expertise_areas),
    # eva's advice on it (eva may still edit it: it is minutes old)
    "advice": lambda c: factories.make_post(c.eva, c.obj("question"), "Advies van Eva."),
    # a watched word mila (the moderator) added
    "watched_word": lambda c: _watched_word(c.mila),
    # anna's draft (nobody else sees it)
    "draft": lambda c: factories.make_question(c.anna, title="Concept van Anna", publish=False),
    # cas's weekly consultation for anna's team with eva as standing expert;
    # its next meeting has anna's question on the agenda (she nominated it).
    "series": lambda c: factories.make_series(c.cas, teams=[c.anna.team], experts=[c.eva]),
    "item": lambda c: factories.make_nomination(c.anna, c.obj("question"), c.obj("series")),
    # anna's question assigned to eva by cas (triage), not answered yet
    "assignment": lambda c: factories.make_assignment(c.cas, c.obj("question"), c.eva),
    # anna's question, advised by eva, closed, and asked "hoe is het verder gegaan?"
    "follow_up": lambda c: factories.make_follow_up(c.anna, c.eva),
    # anna's closed case (not offered yet), one offered as a draft, one submitted, one published
    "closed_case": lambda c: factories.make_closed_case(c.anna, c.eva, title="Afgesloten casus"),
    "summary_draft": lambda c: _summary(c, "draft"),
    "summary_submitted": lambda c: _summary(c, "submitted"),
    "summary_published": lambda c: _summary(c, "published"),
}


def _summary(c, state):
    from expertise.core.time import utcnow
    from expertise.knowledge import scrub, service

    question = factories.make_closed_case(c.anna, c.eva, title=f"Casus {state}")
    summary = service.build_summary(c.anna, question, scrub=scrub.scrub_text, now=utcnow())
    if state != "draft":
        service.submit_summary(c.anna, summary, utcnow())
    if state == "published":
        service.decide_summary(c.mila, summary, approve=True, reason="", now=utcnow())
    return summary


MEETING_ROLES = (Role.FAMILY_WORKER, Role.EXPERT, Role.COORDINATOR)
KNOWLEDGE_READERS = QUESTION_ROLES
COORDINATOR = (Role.COORDINATOR,)
EXPERT = (Role.EXPERT,)


def _followed_up(c):
    return c.obj("follow_up").question_id


def _series(c):
    return c.obj("series").id


def _item(c):
    return c.obj("item").id


def _meeting(c):
    return c.obj("item").meeting_id


def _q(c):
    return c.obj("question").id


def _q_served(c):
    """Anna's question, her team served by a weekly consultation (so she may ask for the team)."""
    c.obj("series")
    return _q(c)


def _assigned(c):
    return c.obj("assignment").question_id


def _local_today():
    from expertise.core.time import AMSTERDAM, utcnow

    return utcnow().astimezone(AMSTERDAM).date()


def _advice(c):
    return c.obj("advice").id


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
    RouteRule("health.health", "GET", lambda c: "/gezondheid", public=True),
    RouteRule("accounts.logout", "POST", lambda c: "/uitloggen", public=True),
    RouteRule("accounts.set_language", "POST", lambda c: "/taal", public=True, data=lambda c: {"lang": "en"}),
    RouteRule("accounts.accept_invitation", "GET", lambda c: "/uitnodiging/onbekend", public=True),
    # Between the password and the code: without a pending login they send back to /inloggen.
    RouteRule("accounts.login_code", "GET", lambda c: "/inloggen/code", public=True),
    RouteRule("accounts.enrol_totp", "GET", lambda c: "/inloggen/tweestaps-instellen", public=True),
    RouteRule("accounts.step_up", "GET", lambda c: "/bevestigen?next=/account"),
    RouteRule("accounts.admin_reset_totp", "POST", lambda c: f"/beheer/gebruikers/{c.bram.id}/tweestaps-herstellen", MANAGERS),
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
    RouteRule("accounts.change_password", "GET", lambda c: "/account/wachtwoord"),
    RouteRule("accounts.sessions", "GET", lambda c: "/account/sessies"),
    RouteRule("accounts.end_session", "POST", lambda c: "/account/sessies/999999/beeindigen", ok=(404,)),
    RouteRule("accounts.admin_reset_password", "POST", lambda c: f"/beheer/gebruikers/{c.bram.id}/wachtwoord-herstellen", MANAGERS),
    RouteRule("vault.residents", "GET", lambda c: "/bewoners", FW),
    RouteRule("vault.new_resident", "GET", lambda c: "/bewoners/nieuw", FW),
    RouteRule("vault.resident", "GET", lambda c: f"/bewoners/{_resident(c)}", FW),
    RouteRule("vault.resident_log", "GET", lambda c: f"/bewoners/{_resident(c)}/inzage", FW),
    RouteRule("questions.hand_over_resident", "GET", lambda c: f"/bewoners/{_resident(c)}/overdragen", FW),
    RouteRule("questions.erase_resident", "POST", lambda c: f"/bewoners/{_resident(c)}/wissen", FW),
    RouteRule("vault.admin_recovery_key", "GET", lambda c: "/beheer/herstelsleutel", (Role.ADMIN,)),
    RouteRule("vault.admin_recovery", "GET", lambda c: "/beheer/herstel", MANAGERS),
    RouteRule("vault.admin_complete_recovery", "GET", lambda c: f"/beheer/herstel/{_recovery_request(c)}", MANAGERS),
    RouteRule("accounts.admin_edit_areas", "GET", lambda c: f"/beheer/expertisegebieden/{c.eva.expertise_areas[0].id}", (Role.ADMIN,)),
    RouteRule("questions.index", "GET", lambda c: "/vragen", QUESTION_ROLES),
    RouteRule("questions.unanswered", "GET", lambda c: "/vragen/zonder-advies", QUESTION_ROLES),
    RouteRule("questions.new", "GET", lambda c: "/vragen/nieuw", OWNER),
    RouteRule("questions.detail", "GET", lambda c: f"/vragen/{_q(c)}", QUESTION_ROLES),
    RouteRule("questions.edit", "GET", lambda c: f"/vragen/{_q(c)}/bewerken", OWNER),
    RouteRule("questions.new_post", "GET", lambda c: f"/vragen/{_q(c)}/reageren", QUESTION_ROLES),
    # Only the author may edit a post: eva wrote the advice; others get 403.
    RouteRule("questions.edit_post", "GET", lambda c: f"/berichten/{_advice(c)}/bewerken", (Role.EXPERT,)),
    RouteRule("questions.mark_helpful", "POST", lambda c: f"/berichten/{_advice(c)}/nuttig", OWNER),
    RouteRule("questions.ask_more_perspectives", "POST", lambda c: f"/vragen/{_q(c)}/meer-perspectieven", OWNER),
    RouteRule("questions.reopen", "POST", lambda c: f"/vragen/{_q(c)}/heropenen", OWNER),
    RouteRule("questions.follow", "POST", lambda c: f"/vragen/{_q(c)}/volgen", QUESTION_ROLES,
              data=lambda c: {"stand": "volgen"}),
    RouteRule("questions.delete_draft", "POST", lambda c: f"/vragen/{c.obj('draft').id}/verwijderen", OWNER),
    RouteRule("questions.hand_over", "GET", lambda c: f"/vragen/{_q(c)}/overdragen", OWNER),
    RouteRule("questions.close", "GET", lambda c: f"/vragen/{_q(c)}/afsluiten", OWNER),
    # Consultations: only coordinators manage; experts and family workers see the meetings they take part in.
    RouteRule("consultations.index", "GET", lambda c: "/overleg", MEETING_ROLES),
    RouteRule("consultations.new_series", "GET", lambda c: "/overleg/nieuw", COORDINATOR),
    RouteRule("consultations.edit_series", "GET", lambda c: f"/overleg/{_series(c)}/bewerken", COORDINATOR),
    RouteRule("consultations.skip", "POST", lambda c: f"/overleg/{_series(c)}/overslaan", COORDINATOR,
              data=lambda c: {"skip_date": c.obj("item").meeting.meeting_date.isoformat()}),
    RouteRule("consultations.meeting", "GET", lambda c: f"/overleg/bijeenkomsten/{_meeting(c)}", MEETING_ROLES),
    RouteRule("consultations.meeting_ics", "GET", lambda c: f"/overleg/bijeenkomsten/{_meeting(c)}/uitnodiging.ics", MEETING_ROLES),
    RouteRule("consultations.arrange", "POST", lambda c: f"/overleg/bijeenkomsten/{_meeting(c)}/agenda", COORDINATOR,
              data=lambda c: {f"minuten-{c.obj('item').id}": "20", f"positie-{c.obj('item').id}": "1"}),
    RouteRule("consultations.invite", "POST", lambda c: f"/overleg/agendapunten/{_item(c)}/deskundigen", COORDINATOR,
              data=lambda c: {"area": c.olaf.expertise_areas[0].id}),
    RouteRule("consultations.remove_item", "POST", lambda c: f"/overleg/agendapunten/{_item(c)}/verwijderen", COORDINATOR),
    RouteRule("consultations.attendance", "GET", lambda c: f"/overleg/bijeenkomsten/{_meeting(c)}/aanwezigheid", COORDINATOR),
    RouteRule("consultations.conclusion", "GET", lambda c: f"/overleg/agendapunten/{_item(c)}/conclusie", COORDINATOR),
    RouteRule("consultations.close", "POST", lambda c: f"/overleg/bijeenkomsten/{_meeting(c)}/afronden", COORDINATOR),
    RouteRule("consultations.nominate", "GET", lambda c: f"/vragen/{_q(c)}/agenderen", (Role.FAMILY_WORKER, Role.COORDINATOR)),
    RouteRule("consultations.triage_queue", "GET", lambda c: "/triage", COORDINATOR),
    RouteRule("consultations.triage", "GET", lambda c: f"/vragen/{_q(c)}/triage", COORDINATOR),
    RouteRule("consultations.sharpen", "POST", lambda c: f"/vragen/{_q(c)}/triage/verduidelijken", COORDINATOR,
              data=lambda c: {"vraag-body": "Gaat het om het oudste of het jongste kind?"}),
    RouteRule("consultations.route", "POST", lambda c: f"/vragen/{_q(c)}/triage/doorverwijzen", COORDINATOR,
              data=lambda c: {"route-experts": [c.eva.id]}),
    RouteRule("consultations.schedule", "POST", lambda c: f"/vragen/{_q(c)}/triage/agenderen", COORDINATOR,
              data=lambda c: {"agenda-meeting": c.obj("item").meeting_id, "agenda-note": ""}),
    RouteRule("consultations.triage_settings", "GET", lambda c: "/triage/instellingen", COORDINATOR),
    RouteRule("consultations.triage_settings", "POST", lambda c: "/triage/instellingen", COORDINATOR,
              data=lambda c: {"triage_worker": "y", "teams": [c.anna.team_id]}),
    RouteRule("consultations.set_route", "POST", lambda c: f"/vragen/{_q_served(c)}/route",
              (Role.FAMILY_WORKER, Role.COORDINATOR), data=lambda c: {"route-route": "team"}),
    RouteRule("consultations.assignment", "GET", lambda c: f"/vragen/{_assigned(c)}/toewijzing", EXPERT),
    RouteRule("consultations.accept", "POST", lambda c: f"/vragen/{_assigned(c)}/toewijzing/oppakken", EXPERT,
              data=lambda c: {"oppakken-expected_on": _local_today().isoformat()}),
    RouteRule("consultations.decline", "POST", lambda c: f"/vragen/{_assigned(c)}/toewijzing/afwijzen", EXPERT,
              data=lambda c: {"afwijzen-reason": "no_time"}),
    RouteRule("consultations.availability", "GET", lambda c: "/beschikbaarheid", EXPERT),
    RouteRule("consultations.availability", "POST", lambda c: "/beschikbaarheid", EXPERT,
              data=lambda c: {"absent_until": "", "monthly_capacity": "4"}),
    RouteRule("insights.follow_up", "GET", lambda c: f"/vragen/{_followed_up(c)}/vervolg", OWNER),
    RouteRule("insights.follow_up", "POST", lambda c: f"/vragen/{_followed_up(c)}/vervolg", OWNER,
              data=lambda c: {"situation": "improved", "referral": "avoided"}),
    RouteRule("insights.dashboard", "GET", lambda c: "/inzicht?periode=kwartaal", MANAGERS),
    RouteRule("insights.table_csv", "GET", lambda c: "/inzicht/teams.csv?periode=jaar", MANAGERS),
    RouteRule("consultations.hours", "GET", lambda c: "/overleg/uren?maand=2026-05", COORDINATOR),
    RouteRule("consultations.hours_csv", "GET", lambda c: "/overleg/uren.csv?maand=2026-05", COORDINATOR),
    RouteRule("consultations.budget", "POST", lambda c: f"/overleg/uren/budget/{c.eva.organisation_id}", COORDINATOR,
              data=lambda c: {"minutes": "300"}),
    RouteRule("consultations.feed", "GET", lambda c: "/overleg/agenda-feed", MEETING_ROLES),
    RouteRule("consultations.new_feed", "POST", lambda c: "/overleg/agenda-feed/nieuw", MEETING_ROLES),
    RouteRule("consultations.revoke_feed", "POST", lambda c: "/overleg/agenda-feed/intrekken", MEETING_ROLES),
    # Public for calendar apps, but only a valid token opens it: 404 otherwise.
    RouteRule("consultations.feed_ics", "GET", lambda c: "/agenda-feed/onbekend-token", public=True, ok=(404,)),
    # Coordinators act for an owner who is gone; anna is active, so it sends them back (302).
    RouteRule("questions.hand_over_on_behalf", "GET", lambda c: f"/vragen/{_q(c)}/namens-overdragen", (Role.COORDINATOR,)),
    RouteRule("moderation.queue", "GET", lambda c: "/moderatie", MODERATORS),
    RouteRule("moderation.review_post", "GET", lambda c: f"/moderatie/berichten/{_advice(c)}", MODERATORS),
    RouteRule("moderation.review_question", "GET", lambda c: f"/moderatie/vragen/{_q(c)}", MODERATORS),
    RouteRule("moderation.decide_post", "POST", lambda c: f"/moderatie/berichten/{_advice(c)}/besluit", MODERATORS,
              data=lambda c: {"actie": "approve"}),
    RouteRule("moderation.decide_question", "POST", lambda c: f"/moderatie/vragen/{_q(c)}/besluit", MODERATORS,
              data=lambda c: {"actie": "approve"}),
    RouteRule("moderation.redact_post", "POST", lambda c: f"/moderatie/berichten/{_advice(c)}/redigeren", MODERATORS,
              data=lambda c: {"body": "Advies van [naam].", "reason": "Naam"}),
    # Everyone who sees the post or question may flag it (the author is told no on the page).
    RouteRule("moderation.watched_words", "GET", lambda c: "/moderatie/woorden", MODERATORS),
    RouteRule("moderation.add_watched_word", "POST", lambda c: "/moderatie/woorden", MODERATORS,
              data=lambda c: {"phrase": "plekken vrij", "action": "hold"}),
    RouteRule("moderation.remove_watched_word", "POST",
              lambda c: f"/moderatie/woorden/{c.obj('watched_word').id}/verwijderen", MODERATORS),
    RouteRule("moderation.flag_post", "GET", lambda c: f"/berichten/{_advice(c)}/melden", QUESTION_ROLES),
    RouteRule("moderation.flag_question", "GET", lambda c: f"/vragen/{_q(c)}/melden", QUESTION_ROLES),
    RouteRule("questions.posts_since", "GET", lambda c: f"/vragen/{_q(c)}/berichten?na=0", QUESTION_ROLES),
    # The knowledge base: every professional reads it; the owner offers and reviews; moderators approve.
    RouteRule("knowledge.index", "GET", lambda c: "/kennisbank?q=driftbuien", KNOWLEDGE_READERS),
    RouteRule("knowledge.detail", "GET", lambda c: f"/kennisbank/{c.obj('summary_published').id}", KNOWLEDGE_READERS),
    RouteRule("knowledge.offer", "POST", lambda c: f"/vragen/{c.obj('closed_case').id}/kennisbank", OWNER),
    RouteRule("knowledge.review_own", "GET", lambda c: f"/kennisbank/aanbod/{c.obj('summary_draft').id}", OWNER),
    RouteRule("knowledge.withdraw_own", "POST", lambda c: f"/kennisbank/aanbod/{c.obj('summary_draft').id}/intrekken", OWNER),
    RouteRule("knowledge.found", "POST", lambda c: f"/kennisbank/{c.obj('summary_published').id}/gevonden", FW),
    RouteRule("knowledge.similar", "POST", lambda c: "/kennisbank/vergelijkbaar", FW,
              data=lambda c: {"title": "Driftbuien", "situation": "Driftbuien na de scheiding"}),
    RouteRule("knowledge.review_queue", "GET", lambda c: "/moderatie/kennisbank", MODERATORS),
    RouteRule("knowledge.review", "GET", lambda c: f"/moderatie/kennisbank/{c.obj('summary_submitted').id}", MODERATORS),
    RouteRule("knowledge.review", "POST", lambda c: f"/moderatie/kennisbank/{c.obj('summary_submitted').id}", MODERATORS,
              data=lambda c: {"actie": "approve", "reason": ""}),
]
