"""Notification rules and the after-commit queues for Socket.IO events and e-mail.

Services only flush; the view or CLI command that called them commits once.
Events and e-mails are queued on the database session and sent by one
`after_commit` hook, so nobody hears about a change that was rolled back
(STYLE.md point 6). Every text that leaves the platform is fixed per kind
and names a question by its number only: titles, bodies and identities never
go into an event, a notification or an e-mail.
"""
import logging
import re
from collections import defaultdict

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy import event as sa_event

from ..accounts.models import Role, User
from ..extensions import db, socketio
from .models import Delivery, Following, Notification, NotificationKind, NotificationPreference, QuestionFollowing

log = logging.getLogger(__name__)


class RealtimeError(Exception):
    """A rule of the real-time area was broken."""


# --- events after commit -------------------------------------------------------

# Keys an event payload may carry. Values are ids and counts (int or None),
# event and kind names (short lower-case words) or `html`: a fragment rendered
# by our own templates (Markup), which must be identity-free by construction.
ALLOWED_PAYLOAD_KEYS = frozenset(
    {"event", "kind", "question_id", "post_id", "version", "notification_id", "unread", "count", "html"}
)
_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,39}$")
_ROOM = re.compile(r"^[a-z][a-z_]{0,29}:[0-9]{1,18}$")

_EVENTS = "realtime_events"
_MAILS = "realtime_mails"


def check_payload(payload):
    """Raise RealtimeError unless the payload holds only allowlisted keys and value types."""
    if not isinstance(payload, dict):
        raise RealtimeError("event payload must be a dict")
    unknown = set(payload) - ALLOWED_PAYLOAD_KEYS
    if unknown:
        raise RealtimeError(f"event payload has keys outside the allowlist: {sorted(unknown)}")
    for key, value in payload.items():
        if key == "html":
            if not isinstance(value, Markup):
                raise RealtimeError("html must be a fragment rendered by a template (Markup)")
        elif key in ("event", "kind"):
            if not isinstance(value, str) or not _NAME.match(value):
                raise RealtimeError(f"{key} must be a short lower-case name")
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise RealtimeError(f"{key} must be an integer id or count")


def publish_on_commit(event, payload, room):
    """Queue a Socket.IO event for `room`; it is emitted after the commit, dropped on rollback."""
    if not _NAME.match(event):
        raise RealtimeError("event name must be a short lower-case name")
    if not _ROOM.match(room):
        raise RealtimeError("room must look like '<kind>:<id>'")
    check_payload(payload)
    _queue(_EVENTS).append((event, dict(payload), room))


def close_room_on_commit(room):
    """Empty `room` after the commit, so every socket in it must join again (and be re-checked).

    For changes that may take away someone's access (a handover, a question
    made visible to fewer people): the events queued before it still reach
    the room, then its sockets are removed and have to ask again.
    """
    if not _ROOM.match(room) or room.startswith("user:"):
        raise RealtimeError("room must look like '<kind>:<id>' and not be a user's room")
    _queue(_EVENTS).append((None, None, room))


def mail_on_commit(recipient, subject, body):
    """Queue a plain-text e-mail that is sent only after the commit."""
    _queue(_MAILS).append((recipient, str(subject), str(body)))


def _queue(name):
    session = db.session()
    if not session.in_transaction():
        # Begin now, so that a rollback before any SQL still drops the queue.
        session.begin()
    return session.info.setdefault(name, [])


def pending_events():
    """Return the events queued on the current session (for tests)."""
    return list(db.session().info.get(_EVENTS, []))


def _after_commit(session):
    events = session.info.pop(_EVENTS, [])
    mails = session.info.pop(_MAILS, [])
    for event, payload, room in events:
        if event is None:
            try:
                socketio.close_room(room)
            except Exception as error:
                log.error("closing a room failed: %s", type(error).__name__)
            continue
        data = {k: (str(v) if isinstance(v, Markup) else v) for k, v in payload.items()}
        try:
            socketio.emit(event, data, to=room)
        except Exception as error:  # the change is committed; an event is best effort
            log.error("emitting %s failed: %s", event, type(error).__name__)
    if mails:
        from ..core.mail import send_mail

        for recipient, subject, body in mails:
            try:
                send_mail(recipient, subject, body)
            except Exception as error:
                log.error("sending a notification e-mail failed: %s", type(error).__name__)


def _after_soft_rollback(session, previous_transaction):
    # Every rollback of the outer transaction drops the queues, also when no
    # SQL ran yet (after_rollback fires only for a real database rollback).
    # A rolled-back savepoint keeps them: its events cannot be told apart.
    if previous_transaction.nested:
        return
    session.info.pop(_EVENTS, None)
    session.info.pop(_MAILS, None)


def init_app(app):
    """Install the after-commit and rollback hooks once per process."""
    if not getattr(db.session, "_realtime_hooks", False):
        sa_event.listen(db.session, "after_commit", _after_commit)
        sa_event.listen(db.session, "after_soft_rollback", _after_soft_rollback)
        db.session._realtime_hooks = True


# --- texts ---------------------------------------------------------------------

# Never about a question, and naming no address and no secret.
_LOGIN_ATTEMPTS_TEXT = _l(
        "Er is een paar keer met een verkeerd wachtwoord of een verkeerde code geprobeerd in te loggen op je "
        "account. Inloggen vanaf dat adres is tijdelijk geblokkeerd; jij kunt gewoon inloggen. Was jij dit niet? "
        "Wijzig dan je wachtwoord en laat het je beheerder weten"
    )

# One fixed sentence per kind, with the question's number only (never its title,
# body or anyone's identity): e-mail and push leave the platform's protection.
_TEXT_WITH_NUMBER = {
    NotificationKind.NEW_QUESTION_IN_AREA: _l("Er is een nieuwe vraag #%(number)d in je expertisegebied"),
    NotificationKind.MORE_PERSPECTIVES_REQUESTED: _l("Er wordt om meer perspectieven gevraagd bij vraag #%(number)d"),
    NotificationKind.NEW_ADVICE: _l("Er is een nieuw advies op je vraag #%(number)d"),
    NotificationKind.NEW_REPLY: _l("Er is een nieuwe reactie op je vraag #%(number)d"),
    NotificationKind.REPLY_TO_YOUR_POST: _l("Er is gereageerd op je bericht bij vraag #%(number)d"),
    NotificationKind.MODERATION_DECISION: _l("Een moderator heeft besloten over je bericht bij vraag #%(number)d"),
    NotificationKind.HELD_POST: _l("Er wacht een bericht op beoordeling bij vraag #%(number)d"),
    NotificationKind.FLAGGED_ITEM: _l("Er is een bijdrage gemeld bij vraag #%(number)d"),
    NotificationKind.CONSULTATION_UPDATE: _l("Er is nieuws over het wekelijks overleg bij vraag #%(number)d"),
    NotificationKind.QUESTION_CLOSED: _l("Vraag #%(number)d is afgesloten met terugkoppeling"),
    NotificationKind.QUESTION_HANDED_OVER: _l("Vraag #%(number)d is aan jou overgedragen"),
    NotificationKind.FLAG_RESOLVED: _l("Een moderator heeft je melding bij vraag #%(number)d afgehandeld"),
    NotificationKind.LOGIN_ATTEMPTS: _LOGIN_ATTEMPTS_TEXT,
    NotificationKind.URGENT_QUESTION_IN_AREA: _l("Er is een nieuwe urgente vraag #%(number)d in je expertisegebied"),
    NotificationKind.NORM_PASSED: _l("Vraag #%(number)d heeft nog geen advies en is over de norm"),
    NotificationKind.CLOSE_REMINDER: _l("Vraag #%(number)d heeft advies: sluit hem af met je terugkoppeling"),
    NotificationKind.FOLLOW_UP_REQUEST: _l("Hoe is het verder gegaan na vraag #%(number)d?"),
    NotificationKind.FOLLOW_UP_ANSWERED: _l("De gezinswerker vertelde hoe het verder ging na vraag #%(number)d"),
    NotificationKind.TRIAGE_WAITING: _l("Vraag #%(number)d wacht op triage"),
    NotificationKind.TRIAGE_ESCALATED: _l("Vraag #%(number)d wacht langer dan de norm op triage"),
    NotificationKind.ASSIGNED: _l("Vraag #%(number)d is aan jou toegewezen: pak je hem op?"),
    NotificationKind.ASSIGNMENT_ACCEPTED: _l("Een deskundige pakt vraag #%(number)d op"),
    NotificationKind.ASSIGNMENT_RETURNED: _l("Vraag #%(number)d is terug bij de triage: de toewijzing is afgewezen of verlopen"),
    NotificationKind.FOLLOWED_QUESTION: _l("Er is een nieuw bericht bij vraag #%(number)d, die je volgt"),
}
_TEXT_WITHOUT_NUMBER = {
    NotificationKind.NEW_QUESTION_IN_AREA: _l("Er is een nieuwe vraag in je expertisegebied"),
    NotificationKind.MORE_PERSPECTIVES_REQUESTED: _l("Er wordt om meer perspectieven gevraagd"),
    NotificationKind.NEW_ADVICE: _l("Er is een nieuw advies op je vraag"),
    NotificationKind.NEW_REPLY: _l("Er is een nieuwe reactie op je vraag"),
    NotificationKind.REPLY_TO_YOUR_POST: _l("Er is gereageerd op je bericht"),
    NotificationKind.MODERATION_DECISION: _l("Een moderator heeft besloten over je bericht"),
    NotificationKind.HELD_POST: _l("Er wacht een bericht op beoordeling"),
    NotificationKind.FLAGGED_ITEM: _l("Er is een bijdrage gemeld"),
    NotificationKind.CONSULTATION_UPDATE: _l("Er is nieuws over het wekelijks overleg"),
    NotificationKind.QUESTION_CLOSED: _l("Een vraag is afgesloten met terugkoppeling"),
    NotificationKind.QUESTION_HANDED_OVER: _l("Er is een vraag aan jou overgedragen"),
    NotificationKind.FLAG_RESOLVED: _l("Een moderator heeft je melding afgehandeld"),
    NotificationKind.LOGIN_ATTEMPTS: _LOGIN_ATTEMPTS_TEXT,
    NotificationKind.URGENT_QUESTION_IN_AREA: _l("Er is een nieuwe urgente vraag in je expertisegebied"),
    NotificationKind.NORM_PASSED: _l("Een vraag heeft nog geen advies en is over de norm"),
    NotificationKind.CLOSE_REMINDER: _l("Een vraag heeft advies: sluit hem af met je terugkoppeling"),
    NotificationKind.FOLLOW_UP_REQUEST: _l("Hoe is het verder gegaan na je vraag?"),
    NotificationKind.FOLLOW_UP_ANSWERED: _l("De gezinswerker vertelde hoe het verder ging"),
    NotificationKind.TRIAGE_WAITING: _l("Er wacht een vraag op triage"),
    NotificationKind.TRIAGE_ESCALATED: _l("Een vraag wacht langer dan de norm op triage"),
    NotificationKind.ASSIGNED: _l("Er is een vraag aan jou toegewezen"),
    NotificationKind.ASSIGNMENT_ACCEPTED: _l("Een deskundige pakt een vraag op"),
    NotificationKind.ASSIGNMENT_RETURNED: _l("Een vraag is terug bij de triage"),
    NotificationKind.FOLLOWED_QUESTION: _l("Er is een nieuw bericht bij een vraag die je volgt"),
}

# An e-mail's subject is the notification's own sentence (it differs per kind and names the
# question by number only), except where a kind has a subject of its own.
_MAIL_SUBJECTS = {
    NotificationKind.LOGIN_ATTEMPTS: _l("Mislukte inlogpogingen op je account bij het Platform Expertise Jeugd"),
}
DIGEST_SUBJECT = _l("Je dagelijkse overzicht van het Platform Expertise Jeugd")
_MAIL_FOOTER = _l(
    "Je krijgt deze e-mail omdat je dit zo hebt ingesteld. Wijzig je instellingen op %(url)s\n\n"
    "Om gezinnen te beschermen staat er in e-mails van het platform nooit inhoud van een vraag."
)


_title_sources = []


def register_question_titles(titles):
    """Let the questions area name questions in the notification centre.

    `titles(user, question_ids)` returns {id: title} for the questions the
    user may see now; others stay a bare number. Titles appear only on the
    platform's own pages, never in e-mails.
    """
    _title_sources[:] = [titles]


def question_titles(user, question_ids):
    """Return {question id: title} of the questions among `question_ids` that `user` may see."""
    ids = {int(i) for i in question_ids if i is not None}
    if not ids or not _title_sources:
        return {}
    return _title_sources[0](user, ids)


def notification_text(kind, question_id):
    """Return the fixed sentence for a kind, naming the question by its number only."""
    kind = NotificationKind(kind)
    if question_id is None:
        return str(_TEXT_WITHOUT_NUMBER[kind])
    return str(_TEXT_WITH_NUMBER[kind]) % {"number": int(question_id)}


def question_path(question_id):
    """Return the path of a question page (the route belongs to the questions area)."""
    return f"/vragen/{int(question_id)}"


def notification_path(notification):
    """Return where a notification leads: its question, or the notification centre."""
    if notification.question_id is not None:
        return question_path(notification.question_id)
    return "/meldingen"


def _absolute(path):
    return current_app.config["BASE_URL"].rstrip("/") + path


# --- preferences ---------------------------------------------------------------

DEFAULT_DELIVERY = {
    NotificationKind.NEW_QUESTION_IN_AREA: Delivery.DAILY,
    NotificationKind.MORE_PERSPECTIVES_REQUESTED: Delivery.IMMEDIATELY,
    NotificationKind.NEW_ADVICE: Delivery.IMMEDIATELY,
    NotificationKind.NEW_REPLY: Delivery.IMMEDIATELY,
    NotificationKind.REPLY_TO_YOUR_POST: Delivery.IMMEDIATELY,
    NotificationKind.MODERATION_DECISION: Delivery.IMMEDIATELY,
    NotificationKind.HELD_POST: Delivery.IMMEDIATELY,
    NotificationKind.FLAGGED_ITEM: Delivery.DAILY,
    NotificationKind.CONSULTATION_UPDATE: Delivery.DAILY,
    NotificationKind.QUESTION_CLOSED: Delivery.DAILY,
    NotificationKind.QUESTION_HANDED_OVER: Delivery.IMMEDIATELY,
    NotificationKind.FLAG_RESOLVED: Delivery.DAILY,
    NotificationKind.LOGIN_ATTEMPTS: Delivery.IMMEDIATELY,
    # Urgent questions go to the matching experts at once, not in the daily digest.
    NotificationKind.URGENT_QUESTION_IN_AREA: Delivery.IMMEDIATELY,
    NotificationKind.NORM_PASSED: Delivery.IMMEDIATELY,
    NotificationKind.CLOSE_REMINDER: Delivery.IMMEDIATELY,
    NotificationKind.FOLLOW_UP_REQUEST: Delivery.IMMEDIATELY,
    NotificationKind.FOLLOW_UP_ANSWERED: Delivery.DAILY,
    NotificationKind.TRIAGE_WAITING: Delivery.IMMEDIATELY,
    NotificationKind.TRIAGE_ESCALATED: Delivery.IMMEDIATELY,
    NotificationKind.ASSIGNED: Delivery.IMMEDIATELY,
    NotificationKind.ASSIGNMENT_ACCEPTED: Delivery.IMMEDIATELY,
    NotificationKind.ASSIGNMENT_RETURNED: Delivery.IMMEDIATELY,
    NotificationKind.FOLLOWED_QUESTION: Delivery.DAILY,
}
# Security notices: always e-mailed at once, whatever the person chose.
ALWAYS_IMMEDIATE = {NotificationKind.LOGIN_ATTEMPTS}

# Which kinds a role can receive; the settings page shows only these.
KINDS_BY_ROLE = {
    Role.FAMILY_WORKER: [
        NotificationKind.NEW_ADVICE,
        NotificationKind.NEW_REPLY,
        NotificationKind.REPLY_TO_YOUR_POST,
        NotificationKind.MODERATION_DECISION,
        NotificationKind.QUESTION_HANDED_OVER,
        NotificationKind.FLAG_RESOLVED,
        NotificationKind.CLOSE_REMINDER,
        NotificationKind.FOLLOW_UP_REQUEST,
        NotificationKind.ASSIGNMENT_ACCEPTED,
        NotificationKind.FOLLOWED_QUESTION,
    ],
    Role.EXPERT: [
        NotificationKind.ASSIGNED,
        NotificationKind.NEW_QUESTION_IN_AREA,
        NotificationKind.URGENT_QUESTION_IN_AREA,
        NotificationKind.FOLLOW_UP_ANSWERED,
        NotificationKind.MORE_PERSPECTIVES_REQUESTED,
        NotificationKind.REPLY_TO_YOUR_POST,
        NotificationKind.MODERATION_DECISION,
        NotificationKind.CONSULTATION_UPDATE,
        NotificationKind.QUESTION_CLOSED,
        NotificationKind.FLAG_RESOLVED,
        NotificationKind.FOLLOWED_QUESTION,
    ],
    Role.MODERATOR: [NotificationKind.HELD_POST, NotificationKind.FLAGGED_ITEM, NotificationKind.FOLLOWED_QUESTION],
    Role.COORDINATOR: [NotificationKind.CONSULTATION_UPDATE, NotificationKind.REPLY_TO_YOUR_POST,
                       NotificationKind.FLAG_RESOLVED, NotificationKind.NORM_PASSED,
                       NotificationKind.TRIAGE_WAITING, NotificationKind.TRIAGE_ESCALATED,
                       NotificationKind.ASSIGNMENT_RETURNED, NotificationKind.FOLLOWED_QUESTION],
    Role.ADMIN: [],
}


def kinds_for(user):
    """Return the kinds this user can receive, in the order of the enum."""
    wanted = {kind for role in user.roles for kind in KINDS_BY_ROLE.get(role, [])}
    return [kind for kind in NotificationKind if kind in wanted]


def delivery_for(user, kind):
    """Return the user's chosen delivery for a kind, or its default."""
    kind = NotificationKind(kind)
    if kind in ALWAYS_IMMEDIATE:
        return Delivery.IMMEDIATELY
    row = db.session.get(NotificationPreference, (user.id, kind.value))
    return Delivery(row.delivery) if row is not None else DEFAULT_DELIVERY[kind]


def preferences_of(user):
    """Return {kind: delivery} for every kind, chosen or default."""
    chosen = {
        row.kind: Delivery(row.delivery)
        for row in db.session.scalars(db.select(NotificationPreference).filter_by(user_id=user.id))
    }
    return {kind: chosen.get(kind.value, DEFAULT_DELIVERY[kind]) for kind in NotificationKind}


def set_preferences(user, choices):
    """Store the user's delivery per kind; `choices` maps kind to delivery."""
    for kind, delivery in choices.items():
        kind, delivery = NotificationKind(kind), Delivery(delivery)
        row = db.session.get(NotificationPreference, (user.id, kind.value))
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind.value, delivery=delivery.value))
        else:
            row.delivery = delivery.value
    db.session.flush()


# --- notifications -------------------------------------------------------------


def unread_count(user):
    """Return how many notifications the user has not read yet."""
    return db.session.scalar(
        db.select(db.func.count(Notification.id)).filter(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def _immediate_body(notification):
    with force_locale("nl"):
        lines = [
            "Hallo,",
            "",
            notification_text(notification.kind, notification.question_id) + ".",
            "",
            str(_l("Bekijk het op het platform: %(url)s", url=_absolute(notification_path(notification)))),
            "",
            str(_MAIL_FOOTER) % {"url": _absolute("/meldingen/instellingen")},
        ]
        subject = _MAIL_SUBJECTS.get(NotificationKind(notification.kind))
        if subject is None:
            subject = notification_text(notification.kind, notification.question_id)
        return str(subject), "\n".join(lines) + "\n"


def notify(user, kind, *, question_id=None, actor=None, now):
    """Record a notification for `user`, push the new unread count, e-mail if chosen.

    People are not notified of their own actions (actor == user): that would
    only add noise. The e-mail, when the user wants it immediately, goes out
    after the commit with the fixed text and a link; the live event carries
    ids and the count only. Return the notification, or None when skipped.

    A question the person muted brings no notifications, except those in
    NEVER_MUTED (a question handed to them, a moderator's decision on their post).

    Coalescing: while the person has an unread notification of the same kind
    about the same question (or about none) from the last
    NOTIFICATION_COALESCE_WINDOW, that one is brought up to date instead of
    adding another, and it is e-mailed at most once per window. Five
    requests in a row thus give one notification and one e-mail, not five.
    """
    kind = NotificationKind(kind)
    if actor is not None and actor.id == user.id:
        return None
    question_id = int(question_id) if question_id is not None else None
    if question_id is not None and kind not in NEVER_MUTED and following_of(user, question_id) is Following.MUTE:
        return None
    window = current_app.config["NOTIFICATION_COALESCE_WINDOW"]
    notification = _recent_unread(user, kind, question_id, now - window)
    if notification is not None:
        notification.created_at = now
        notification.actor_id = actor.id if actor is not None else None
    else:
        notification = Notification(
            user_id=user.id,
            kind=kind.value,
            question_id=question_id,
            actor_id=actor.id if actor is not None else None,
            created_at=now,
        )
        db.session.add(notification)
    db.session.flush()
    mailed_lately = notification.emailed_at is not None and now - notification.emailed_at < window
    if user.is_active and not mailed_lately and delivery_for(user, kind) is Delivery.IMMEDIATELY:
        subject, body = _immediate_body(notification)
        mail_on_commit(user.email, subject, body)
        notification.emailed_at = now
    # Also for an update: open pages refresh their count and list (the id is the same).
    publish_on_commit(
        "notification",
        {
            "notification_id": notification.id,
            "kind": kind.value,
            "question_id": notification.question_id,
            "unread": unread_count(user),
        },
        f"user:{user.id}",
    )
    return notification


def _recent_unread(user, kind, question_id, since):
    same_question = (Notification.question_id.is_(None) if question_id is None
                     else Notification.question_id == question_id)
    return db.session.scalar(
        db.select(Notification)
        .filter(Notification.user_id == user.id, Notification.kind == kind.value, same_question,
                Notification.read_at.is_(None), Notification.created_at >= since)
        .order_by(Notification.id.desc())
        .limit(1)
    )


def _publish_count(user):
    publish_on_commit("notification_count", {"unread": unread_count(user)}, f"user:{user.id}")


def access_notification(user, notification_id):
    """Return the user's own notification, or None for missing and foreign ones alike."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    return notification


def mark_read(user, notification, now):
    """Mark one of the user's notifications as read and push the new count."""
    if notification.user_id != user.id:
        raise RealtimeError("not the user's notification")
    if notification.read_at is None:
        notification.read_at = now
        db.session.flush()
    _publish_count(user)


def mark_question_read(user, question_id, now):
    """Mark the user's unread notifications about one question as read (they opened it).

    One read query when there is nothing to mark (most page views), so a
    page view takes no write lock.
    """
    unread = (Notification.user_id == user.id, Notification.question_id == int(question_id),
              Notification.read_at.is_(None))
    if not db.session.scalar(db.select(db.exists().where(*unread))):
        return 0
    changed = db.session.execute(
        db.update(Notification)
        .filter(*unread)
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        _publish_count(user)
    return changed


def mark_all_read(user, now):
    """Mark every notification of the user as read and push the new count (0)."""
    db.session.execute(
        db.update(Notification)
        .filter(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    _publish_count(user)


def recent_notifications(user, *, since=None, limit=100):
    """Return the user's notifications, newest first; only those after id `since` if given.

    Newest by date: a notification brought up to date by coalescing (see `notify`) moves to
    the top, although its id is older.
    """
    query = db.select(Notification).filter_by(user_id=user.id)
    if since is not None:
        query = query.filter(Notification.id > since)
    order = (Notification.created_at.desc(), Notification.id.desc())
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def unread_question_ids(user, question_ids):
    """Return the ids among `question_ids` of the questions the user has unread notifications about."""
    ids = {int(i) for i in question_ids if i is not None}
    if not ids:
        return set()
    return set(db.session.scalars(
        db.select(Notification.question_id).distinct()
        .filter(Notification.user_id == user.id, Notification.read_at.is_(None),
                Notification.question_id.in_(ids))
    ))


# --- following and muting a question -------------------------------------------

# Kinds a muted question still brings: the person must act on them.
NEVER_MUTED = frozenset({NotificationKind.QUESTION_HANDED_OVER, NotificationKind.MODERATION_DECISION,
                         NotificationKind.LOGIN_ATTEMPTS})


def following_of(user, question_id):
    """Return the user's choice for a question (Following.FOLLOW or MUTE), or None for the default."""
    row = db.session.get(QuestionFollowing, (user.id, int(question_id)))
    return Following(row.state) if row is not None else None


def set_following(user, question_id, state, now):
    """Follow or mute a question for this person; `state` None goes back to the default rules.

    The caller has checked that the person may see the question (the questions area's access
    function); followers are told only while they still may (`questions.events`).
    """
    row = db.session.get(QuestionFollowing, (user.id, int(question_id)))
    if state is None:
        if row is not None:
            db.session.delete(row)
    else:
        state = Following(state)
        if row is None:
            db.session.add(QuestionFollowing(user_id=user.id, question_id=int(question_id),
                                             state=state.value, updated_at=now))
        else:
            row.state, row.updated_at = state.value, now
    db.session.flush()


def followers_of(question_id):
    """Return the active people who follow a question, by id."""
    return list(db.session.scalars(
        db.select(User).join(QuestionFollowing, QuestionFollowing.user_id == User.id)
        .filter(QuestionFollowing.question_id == int(question_id),
                QuestionFollowing.state == Following.FOLLOW.value, User.active.is_(True))
        .order_by(User.id)
    ))


# --- daily digest --------------------------------------------------------------


def _digest_body(notifications):
    per_kind = defaultdict(list)
    for n in notifications:
        per_kind[NotificationKind(n.kind)].append(n)
    with force_locale("nl"):
        lines = [
            "Hallo,",
            "",
            ngettext("Sinds het vorige overzicht is er %(num)d nieuwe melding voor je:",
                     "Sinds het vorige overzicht zijn er %(num)d nieuwe meldingen voor je:", len(notifications)),
            "",
        ]
        for kind in NotificationKind:
            items = per_kind.get(kind)
            if not items:
                continue
            lines.append(f"{kind.label}: {len(items)}")
            numbers = sorted({n.question_id for n in items if n.question_id is not None})
            for number in numbers:
                lines.append(f"  #{number}: {_absolute(question_path(number))}")
            lines.append("")
        lines += [
            str(_l("Alle meldingen: %(url)s", url=_absolute("/meldingen"))),
            "",
            str(_MAIL_FOOTER) % {"url": _absolute("/meldingen/instellingen")},
        ]
        return str(DIGEST_SUBJECT), "\n".join(lines) + "\n"


def send_digests(now):
    """Queue one digest e-mail per user with unread, not yet e-mailed daily-digest notifications.

    Marks those notifications as e-mailed; the mails go out after the caller's
    commit. Return the number of digests queued.
    """
    candidates = db.session.scalars(
        db.select(Notification)
        .filter(Notification.emailed_at.is_(None), Notification.read_at.is_(None))
        .order_by(Notification.user_id, Notification.id)
    )
    by_user = defaultdict(list)
    for notification in candidates:
        by_user[notification.user_id].append(notification)
    sent = 0
    for user_id, notifications in by_user.items():
        user = db.session.get(User, user_id)
        if user is None or not user.is_active:
            continue
        chosen = preferences_of(user)
        daily = [n for n in notifications if chosen[NotificationKind(n.kind)] is Delivery.DAILY]
        if not daily:
            continue
        subject, body = _digest_body(daily)
        mail_on_commit(user.email, subject, body)
        for n in daily:
            n.emailed_at = now
        sent += 1
    db.session.flush()
    return sent
