"""Moderation rules: screen texts before publication, flags, the review queue and decisions.

The questions area calls `screen_post` / `rescreen_post` / `screen_question`
when a text is posted or edited; everything else here is the moderators'.
Services never touch the request, take `now`, and only flush: the caller
commits once. Nothing here logs or stores the text a check found: reasons
are codes, labels and counts; the highlighted text is computed when a
moderator looks at it and never stored.

Rules worth knowing:

* Every post and every published question runs through the marketing check,
  `decision.decide_marketing` (the rules with the author's organisation name, the
  learned model, the moderators' watched words). A post by anyone but the question's
  owner also runs through the personal-data check (BSN and `pii.find_warnings`: the
  rule detectors merged with deduce's spans, less platform users' own names). When deduce is configured but gives no answer, the
  check fails closed: the post is held (CHECK_UNAVAILABLE). The owner's
  own texts are guarded in the owner's request, with the resident's identity.
* A hit holds the item: only its author and moderators see it.
* An edit re-scores. A held item whose edit passes is published again by
  itself, unless a moderator asked for the edit: then it goes back to the
  queue (RESUBMITTED), so a moderator's concern is never bypassed by an edit.
"""
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from ..accounts.models import Role, User, UserRole
from ..core import erasure
from ..core.markdown import render_markdown
from ..extensions import db
from ..questions.models import Post, PostRevision, PostStatus, Question
from ..realtime import NotificationKind, notify
from ..audit import service as audit
from . import deduce_worker, learned
from .decision import ALLOW, HOLD, MARKETING_CODES, MODEL, WATCHED_WORD, decide_marketing
from .marketing import LABELS as RULE_LABELS
from .models import DECISIONS, Action, Flag, FlagReason, ModerationDecision, WatchedWord
from .pii import find_warnings
from .platform_names import platform_names

PERSONAL_DATA = "personal_data"
PERSONAL_DATA_LABEL = "Mogelijk persoonsgegevens"
# deduce is configured but did not answer (down, slow, an error): the check could not run, so
# the item waits for a moderator instead of being published unchecked (fail closed).
CHECK_UNAVAILABLE = "check_unavailable"
CHECK_UNAVAILABLE_LABEL = "Automatische controle niet beschikbaar"
# The owner erased the resident's identity, and texts that held it were redacted.
IDENTITY_ERASED = "identity_erased"
CATEGORY_LABELS = {
    "person_name": _l("naam"),
    "date": _l("datum"),
    "bsn": _l("BSN"),
    "address": _l("adres"),
    "postcode": _l("postcode"),
    "phone": _l("telefoonnummer"),
    "email": _l("e-mailadres"),
    "institution": _l("instelling"),
    "case_number": _l("dossiernummer"),
    "url": _l("link"),
    "iban": _l("rekeningnummer"),
    "age": _l("leeftijd"),
}

# The rules' labels (marketing.LABELS, plain Dutch strings there) for translation; keep both equal.
REASON_LABELS = {
    "call_to_action": _l("Oproep om contact op te nemen met of zich aan te melden bij de eigen organisatie"),
    "own_programme": _l("Noemt of prijst het eigen programma, product of aanbod"),
    "price": _l("Prijs, korting of gratis aanbod"),
    "contact_details": _l("Contactgegevens van de auteur of organisatie"),
    "commercial_link": _l("Link naar een (commerciële) site van een aanbieder"),
    "waiting_list": _l("Reclame met wachttijd of vrije plekken"),
    "event_or_newsletter": _l("Aankondiging van een eigen evenement, nieuwsbrief of podcast"),
    "recruitment": _l("Werving van cliënten, verwijzers, deelnemers of personeel"),
    "social_follow": _l("Oproep om te volgen op sociale media"),
    "boast": _l("Aanprijzing van de eigen organisatie"),
    "signature_block": _l("Handtekening met contactgegevens of aanbod"),
}
assert set(REASON_LABELS) == set(RULE_LABELS)

WATCHED_AUDIT_ADD = "watched_word.add"
WATCHED_AUDIT_REMOVE = "watched_word.remove"
WATCHED_ACTIONS = {HOLD: _l("Vasthouden"), ALLOW: _l("Altijd toestaan")}

STATE_LABELS = {
    PostStatus.HELD: _l("Wacht op beoordeling"),
    PostStatus.REJECTED: _l("Afgewezen door een moderator"),
    PostStatus.REMOVED: _l("Verwijderd door een moderator"),
}

# Fires after a held item becomes visible (sender: the Post or Question, kwarg `now`),
# so other areas can announce it as a new post or question.
signals = Namespace()
item_published = signals.signal("moderation-item-published")


class ModerationError(Exception):
    """A moderation rule was broken; `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- the checks ------------------------------------------------------------------


def organisation_names(author):
    """Return the names of the author's own organisation, for the marketing filter."""
    return (author.organisation.name,) if author is not None and author.organisation is not None else ()


def _ask_deduce(text):
    """Send `text` to the deduce worker now; return the DeduceQuery, or None when none is configured.

    The worker reads in its own process, so the caller can run the rules meanwhile.
    """
    socket = current_app.config.get("DEDUCE_SOCKET")
    if not socket:
        return None
    return deduce_worker.DeduceQuery(text, current_app.config.get("DEDUCE_TIMEOUT", 0.5), path=socket)


def personal_data_counts(text, deduce_spans):
    """Count personal data in `text` per category: the rules merged with deduce's spans, if any.

    `deduce_spans` is what the worker answered for this text, or None. The one function
    the guard uses too (`pii.find_warnings`): rules on the text and its undisguised views,
    deduce's persons, streets, institutions, dates, ages by a name, phones, e-mail and
    links, less the platform's own users named as such. Spans stay in this function.
    """
    return dict(Counter(s.type for s in find_warnings(text, deduce_spans, platform=platform_names())))


def current_model():
    """Return the learned marketing model of this process (loaded once; see `learned.active_model`)."""
    config = current_app.config
    return learned.active_model(config.get("MARKETING_MODEL_DIR"), config.get("MARKETING_MODEL_BASE"),
                                config["MARKETING_DEV_SET"])


def watched_pairs():
    """Return the active watched words as [(phrase, "hold"|"allow")], for `decide_marketing`.

    Read once per request (`g`), not once per post: a thread page explains every held
    post's reasons. Adding or removing a word forgets it. Outside a request (CLI) read each time.
    """
    if has_request_context() and "watched_pairs" in g:
        return g.watched_pairs
    pairs = [(w.phrase, w.action) for w in db.session.scalars(
        sa.select(WatchedWord).where(WatchedWord.removed_at.is_(None)).order_by(WatchedWord.id))]
    if has_request_context():
        g.watched_pairs = pairs
    return pairs


def marketing_decision(text, author, explain=False):
    """Decide on `text` by `author` as the app does: the rules, the model, the watched words."""
    return decide_marketing(text, author_org_names=organisation_names(author), model=current_model(),
                            watched=watched_pairs(), explain=explain)


def check_text(text, *, author, personal_data):
    """Return the reasons to hold `text` ([] when it may be published).

    Each reason is {"code", "label"}; the personal-data reason adds
    {"categories": {category: count}}. No spans, no text. When deduce is configured
    but gives no answer, the reason CHECK_UNAVAILABLE holds the text for a moderator.
    """
    deduce = _ask_deduce(text) if personal_data else None  # deduce reads while the rules run here
    try:
        reasons = [dict(r) for r in marketing_decision(text, author).reasons]
        if personal_data:
            deduce_spans = deduce.spans() if deduce is not None else None
            counts = personal_data_counts(text, deduce_spans)
            if counts:
                reasons.append({"code": PERSONAL_DATA, "label": PERSONAL_DATA_LABEL, "categories": counts})
            if deduce is not None and deduce_spans is None:
                reasons.append({"code": CHECK_UNAVAILABLE, "label": CHECK_UNAVAILABLE_LABEL})
        return reasons
    finally:
        if deduce is not None:
            deduce.close()


def question_text(question):
    """Return the text of a question the checks read: title, situation and request."""
    return "\n\n".join((question.title or "", question.situation or "", question.request or ""))


def _quoted(phrases):
    return ", ".join(f"‘{p}’" for p in phrases or ())


def reason_lines(reasons, text=None, author=None):
    """Return plain-language lines explaining stored reasons (for authors and moderators), translated.

    With the item's `text` (and `author`), a hold by the learned model names the words of the
    text that weighed most, and a watched-word hold names the watched words found: computed
    here from the text as it is now, because stored reasons hold no text.
    """
    phrases = {}
    if text is not None and any(r.get("code") in (MODEL, WATCHED_WORD) for r in reasons or ()):
        phrases = marketing_decision(text, author, explain=True).phrases
    lines = []
    for reason in reasons or ():
        if reason.get("code") == MODEL:
            words = phrases.get(MODEL)
            lines.append(str(_l("Lijkt op reclame; deze woorden wogen het zwaarst: %(phrases)s", phrases=_quoted(words)))
                         if words else str(_l("Lijkt op reclame volgens het geleerde model")))
        elif reason.get("code") == WATCHED_WORD:
            words = phrases.get(WATCHED_WORD)
            lines.append(str(_l("Bevat een woord dat moderatoren laten vasthouden: %(phrases)s", phrases=_quoted(words)))
                         if words else str(_l("Bevat een woord dat moderatoren laten vasthouden")))
        elif reason.get("code") in REASON_LABELS:
            lines.append(str(REASON_LABELS[reason["code"]]))
        elif reason.get("code") == PERSONAL_DATA:
            categories = ", ".join(
                f"{CATEGORY_LABELS.get(k, k)} ({n})" for k, n in sorted(reason.get("categories", {}).items())
            )
            text = _l("Mogelijk persoonsgegevens")
            lines.append(f"{text}: {categories}" if categories else str(text))
        elif reason.get("code") == CHECK_UNAVAILABLE:
            lines.append(str(_l("Automatische controle niet beschikbaar")))
        elif reason.get("code") == IDENTITY_ERASED:
            lines.append(str(_l("Gegevens van de bewoner weggehaald bij het wissen van de identiteit: %(n)d",
                                n=reason.get("count", 0))))
        else:
            lines.append(reason.get("label") or reason.get("code", ""))
    return lines


# --- screening at posting and editing -----------------------------------------------


def _record(*, question, post=None, action, moderator=None, reason="", reasons=None,
            original_deleted=False, now):
    decision = ModerationDecision(
        question=question, post=post, moderator=moderator, action=Action(action).value,
        reason=reason, original_deleted=original_deleted, created_at=now,
    )
    if reasons is not None:
        decision.reasons = reasons
    db.session.add(decision)
    return decision


def record_identity_redaction(question, count, now):
    """Note in the question's moderation history that erasing its resident redacted `count` parts.

    Counts only, never text; no moderator took it (the owner's erasure did).
    """
    return _record(question=question, action=Action.REDACT, reasons=[{"code": IDENTITY_ERASED, "count": count}],
                   original_deleted=True, now=now)


def moderators():
    """Return the active moderators (they hear of held and flagged items)."""
    return db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.MODERATOR.value, User.active.is_(True))
        .order_by(User.id)
    ).all()


def _tell_moderators(kind, question, actor, now):
    db.session.flush()
    for moderator in moderators():
        notify(moderator, kind, question_id=question.id, actor=actor, now=now)


def _awaiting_author(question, post):
    """Return True when the latest moderator decision on the item asked the author to edit."""
    latest = db.session.scalars(
        sa.select(ModerationDecision)
        .where(
            ModerationDecision.question_id == question.id,
            ModerationDecision.post_id == post.id if post is not None else ModerationDecision.post_id.is_(None),
            ModerationDecision.moderator_id.is_not(None),
        )
        .order_by(ModerationDecision.created_at.desc(), ModerationDecision.id.desc())
        .limit(1)
    ).first()
    return latest is not None and latest.action == Action.REQUEST_EDIT


def check_post(author, question, text):
    """Return the reasons to hold a new post of `author` in `question` with this text ([]: publish).

    Call it before the post (or anything else in the transaction) is written:
    it waits for deduce, and on SQLite a transaction holds the write lock from
    its first write to its commit (`core.database`).
    """
    return check_text(text, author=author, personal_data=author.id != question.owner_id)


def screen_post(post, *, now, reasons):
    """Hold a new post when a check fired; return the reasons ([] when it may be published).

    `reasons` is what `check_post` found for the post's text. Call before the
    post counts anywhere (the advice count, notifications): a held post is
    seen only by its author and moderators.
    """
    question = post.question
    post.moderation_reasons = reasons or None
    if reasons:
        post.status = PostStatus.HELD.value
        _record(question=question, post=post, action=Action.HELD, reasons=reasons, now=now)
        _tell_moderators(NotificationKind.HELD_POST, question, post.author, now)
    return reasons


def rescreen_post(post, *, now):
    """Score an edited post again: hold it, keep it held, or publish it again (see module doc)."""
    question = post.question
    reasons = check_text(post.body, author=post.author, personal_data=post.author.id != question.owner_id)
    was = post.status
    if was not in (PostStatus.PUBLISHED, PostStatus.HELD):
        return reasons
    post.moderation_reasons = reasons or None
    if was == PostStatus.PUBLISHED:
        if reasons:
            post.status = PostStatus.HELD.value
            _record(question=question, post=post, action=Action.HELD, reasons=reasons, now=now)
            _tell_moderators(NotificationKind.HELD_POST, question, post.author, now)
        return reasons
    if _awaiting_author(question, post):
        _record(question=question, post=post, action=Action.RESUBMITTED, reasons=reasons or None, now=now)
        _tell_moderators(NotificationKind.HELD_POST, question, post.author, now)
    elif not reasons:
        post.status = PostStatus.PUBLISHED.value
        _record(question=question, post=post, action=Action.RELEASED, now=now)
        _published(post, now)
    return reasons


def screen_question(question, *, now):
    """Hold a published question when the marketing filter fires; release it when an edit passes.

    Drafts are not screened (nobody else sees them). The owner's personal-data
    guard is not here: it runs in the owner's request with the resident's identity.
    """
    if question.is_draft or question.moderation_state in ("rejected", "removed"):
        return []
    reasons = check_text(question_text(question), author=question.owner, personal_data=False)
    if question.moderation_state is None:
        if reasons:
            question.moderation_state = "held"
            question.moderation_reasons = reasons
            _record(question=question, action=Action.HELD, reasons=reasons, now=now)
            _tell_moderators(NotificationKind.HELD_POST, question, question.owner, now)
        return reasons
    # Held: an edit re-scores.
    question.moderation_reasons = reasons or None
    if _awaiting_author(question, None):
        _record(question=question, action=Action.RESUBMITTED, reasons=reasons or None, now=now)
        _tell_moderators(NotificationKind.HELD_POST, question, question.owner, now)
    elif not reasons:
        question.moderation_state = None
        _record(question=question, action=Action.RELEASED, now=now)
        _published(question, now)
    return reasons


def _published(item, now):
    """Make a held item count as newly published and tell the other areas."""
    from ..questions import service as questions_service

    if isinstance(item, Post):
        questions_service.post_published(item, now)
    else:
        questions_service.question_released(item, now)
    db.session.flush()
    item_published.send(item, now=now)


def _withdrawn(item, now):
    """Take a post off every open page, or make open pages of a now hidden question check again."""
    from ..questions import events as question_events

    if isinstance(item, Post):
        question_events.post_withdrawn(item, now)
    else:
        question_events.question_updated(item, now)


# --- flags -------------------------------------------------------------------------


def _guard(texts, known=None, confirmed=False):
    """Run the personal-data guard (`questions.guard`) on a text written here; see its module doc."""
    from ..questions import guard  # the guard's module imports the question services, which import this one

    guard.check_texts(texts, known, confirmed=confirmed)


def flag_item(reporter, *, question, post=None, reason, note="", known=None, pii_confirmed=False, now):
    """Record a flag on a post or question and tell the moderators.

    One open flag per person per item; nobody flags their own text. The note
    passes the personal-data guard (moderators read it): a BSN blocks, and the
    resident's identity too when the owner flags (`known`); other personal
    data warns.
    """
    try:
        reason = FlagReason(reason)
    except ValueError:
        raise ModerationError(_l("Kies een reden."), "reason") from None
    note = (note or "").strip()
    if reason == FlagReason.OTHER and not note:
        raise ModerationError(_l("Licht kort toe wat er aan de hand is."), "note")
    author_id = post.author_id if post is not None else question.owner_id
    if author_id == reporter.id:
        raise ModerationError(_l("Je kunt je eigen bijdrage niet melden."))
    if question.is_draft:
        raise ModerationError(_l("Een concept kun je niet melden."))
    existing = db.session.scalar(
        sa.select(Flag.id).where(
            Flag.reporter_id == reporter.id,
            Flag.question_id == question.id,
            Flag.post_id == post.id if post is not None else Flag.post_id.is_(None),
            Flag.resolved_at.is_(None),
        )
    )
    if existing is not None:
        raise ModerationError(_l("Je hebt dit al gemeld. Een moderator kijkt ernaar."))
    _guard({"note": note}, known, pii_confirmed)
    flag = Flag(question=question, post=post, reporter=reporter, reason=reason.value, note=note[:2000],
                created_at=now)
    db.session.add(flag)
    _tell_moderators(NotificationKind.FLAGGED_ITEM, question, reporter, now)
    return flag


# --- the review queue ----------------------------------------------------------------


@dataclass
class QueueItem:
    """A held or flagged post or question waiting for a moderator."""

    question: Question
    post: Post | None
    since: object
    held: bool = False
    flags: list = field(default_factory=list)

    @property
    def reasons(self):
        item = self.post if self.post is not None else self.question
        return item.moderation_reasons or []

    @property
    def author(self):
        return self.post.author if self.post is not None else self.question.owner

    @property
    def text(self):
        return self.post.body if self.post is not None else question_text(self.question)


def review_queue():
    """Return held and flagged items, the one waiting longest first."""
    items = {}
    for post in db.session.scalars(
        sa.select(Post).where(Post.status == PostStatus.HELD)
        .options(joinedload(Post.author), joinedload(Post.question))
    ):
        items[(post.question_id, post.id)] = QueueItem(post.question, post, post.edited_at or post.created_at, held=True)
    for question in db.session.scalars(
        sa.select(Question).where(Question.moderation_state == "held").options(joinedload(Question.owner))
    ):
        items[(question.id, None)] = QueueItem(question, None, question.updated_at or question.created_at, held=True)
    for flag in db.session.scalars(
        sa.select(Flag).where(Flag.resolved_at.is_(None))
        .options(joinedload(Flag.reporter), joinedload(Flag.question), joinedload(Flag.post))
        .order_by(Flag.created_at, Flag.id)
    ):
        key = (flag.question_id, flag.post_id)
        if key not in items:
            items[key] = QueueItem(flag.question, flag.post, flag.created_at)
        item = items[key]
        item.flags.append(flag)
        item.since = min(item.since, flag.created_at)
    return sorted(items.values(), key=lambda i: (i.since, i.question.id, i.post.id if i.post else 0))


def open_flags(question, post=None):
    """Return the open flags on one item, oldest first."""
    return db.session.scalars(
        sa.select(Flag)
        .where(
            Flag.question_id == question.id,
            Flag.post_id == post.id if post is not None else Flag.post_id.is_(None),
            Flag.resolved_at.is_(None),
        )
        .options(joinedload(Flag.reporter))
        .order_by(Flag.created_at, Flag.id)
    ).all()


def history(question, post=None):
    """Return every moderation record of one item, oldest first (moderators only)."""
    return db.session.scalars(
        sa.select(ModerationDecision)
        .where(
            ModerationDecision.question_id == question.id,
            ModerationDecision.post_id == post.id if post is not None else ModerationDecision.post_id.is_(None),
        )
        .options(joinedload(ModerationDecision.moderator))
        .order_by(ModerationDecision.created_at, ModerationDecision.id)
    ).all()


def _moderators_decisions(question):
    """Select the decisions moderators took on `question` and its posts (not the automatic holds)."""
    return sa.select(ModerationDecision).where(
        ModerationDecision.question_id == question.id, ModerationDecision.moderator_id.is_not(None)
    )


def latest_decision(question, post=None):
    """Return the latest moderator's decision on an item (what its author is told), or None."""
    return db.session.scalars(
        _moderators_decisions(question)
        .where(ModerationDecision.post_id == post.id if post is not None else ModerationDecision.post_id.is_(None))
        .order_by(ModerationDecision.created_at.desc(), ModerationDecision.id.desc())
        .limit(1)
    ).first()


def latest_post_decisions(question, posts):
    """Return {post id: latest moderator's decision} for these posts of `question`, in one query."""
    if not posts:
        return {}
    latest = {}
    for decision in db.session.scalars(
        _moderators_decisions(question)
        .where(ModerationDecision.post_id.in_([p.id for p in posts]))
        .order_by(ModerationDecision.created_at, ModerationDecision.id)
    ):
        latest[decision.post_id] = decision  # oldest first, so the last one stays
    return latest


def suspicious_spans(text, author):
    """Return (start, end, kind) for the marketing reasons' spans (the rules' matches, watched
    words, the model's heaviest words) and personal data in `text`."""
    decision = marketing_decision(text, author)
    rule_spans = [r.span for r in decision.rules.reasons]
    spans = [(a, b, "marketing") for a, b in list(decision.spans) + rule_spans if b > a]
    spans += [(s.start, s.end, "personal_data") for s in find_warnings(text, platform=platform_names())]
    return spans


def highlight(text, spans):
    """Return `text` escaped, with each suspicious part wrapped in <mark> (overlaps merged)."""
    merged = []
    for start, end, kind in sorted(spans):
        start, end = max(0, start), min(len(text), end)
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] if last[2] == kind else "both")
        else:
            merged.append((start, end, kind))
    out, pos = [], 0
    labels = {"marketing": _l("reclame"), "personal_data": _l("persoonsgegevens"), "both": _l("reclame en persoonsgegevens")}
    for start, end, kind in merged:
        out.append(escape(text[pos:start]))
        out.append(Markup('<mark class="mod-mark mod-mark--%s" title="%s">%s</mark>') % (
            kind.replace("_", "-"), labels[kind], text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


# --- decisions -----------------------------------------------------------------------

_POST_STATUS = {
    Action.APPROVE: PostStatus.PUBLISHED,
    Action.REJECT: PostStatus.REJECTED,
    Action.REQUEST_EDIT: PostStatus.HELD,
    Action.REMOVE: PostStatus.REMOVED,
}
_QUESTION_STATE = {
    Action.APPROVE: None,
    Action.REJECT: "rejected",
    Action.REQUEST_EDIT: "held",
    Action.REMOVE: "removed",
}


def _require_moderator(actor):
    if not actor.has_role(Role.MODERATOR):
        raise ModerationError(_l("Alleen moderatoren kunnen dit doen."))


def _resolve_flags(question, post, decision, now):
    """Close the item's open flags with the decision; tell each person who flagged it."""
    for flag in open_flags(question, post):
        flag.resolved_at = now
        flag.decision = decision
        notify(flag.reporter, NotificationKind.FLAG_RESOLVED, question_id=question.id, actor=decision.moderator,
               now=now)


def decide(moderator, *, question, post=None, action, reason="", pii_confirmed=False, now):
    """Approve, reject, ask the author to edit, or remove a post or question; record and tell the author.

    Approving a held item publishes it; every decision closes the item's open
    flags. Reject, edit request and removal need a reason, which the author
    sees; it passes the personal-data guard (a BSN blocks, other personal data warns).
    """
    _require_moderator(moderator)
    try:
        action = Action(action)
    except ValueError:
        action = None
    if action not in DECISIONS:
        raise ModerationError(_l("Kies een besluit."), "action")
    reason = (reason or "").strip()
    if action != Action.APPROVE and not reason:
        raise ModerationError(_l("Schrijf een reden; de auteur krijgt die te zien."), "reason")
    _guard({"reason": reason}, None, pii_confirmed)
    label = _training_label(action, post, open_flags(question, post)) if post is not None else None
    if post is not None:
        was_visible = post.status == PostStatus.PUBLISHED
        post.status = _POST_STATUS[action].value
        if action == Action.APPROVE:
            post.moderation_reasons = None
        author = post.author
    else:
        was_visible = question.moderation_state is None
        question.moderation_state = _QUESTION_STATE[action]
        if action == Action.APPROVE:
            question.moderation_reasons = None
        author = question.owner
    decision = _record(question=question, post=post, action=action, moderator=moderator,
                       reason=reason[:2000], now=now)
    decision.training_label = label
    db.session.flush()
    _resolve_flags(question, post, decision, now)
    if action == Action.APPROVE and not was_visible:
        _published(post if post is not None else question, now)
    elif action != Action.APPROVE and was_visible:
        _withdrawn(post if post is not None else question, now)
    notify(author, NotificationKind.MODERATION_DECISION, question_id=question.id, actor=moderator, now=now)
    db.session.flush()
    return decision


def _training_label(action, post, flags):
    """Return what a decision on a held or flagged post teaches the marketing model, or None.

    Approving a held or flagged post says it is not marketing ("advice"); rejecting or
    removing one held for marketing reasons, or flagged as advertising, says it is
    ("marketing"). A rejection for other reasons (personal data, inappropriate) teaches nothing.
    """
    held = post.status == PostStatus.HELD
    if not held and not flags:
        return None
    if action == Action.APPROVE:
        return "advice"
    if action in (Action.REJECT, Action.REMOVE):
        marketing_hold = held and any(r.get("code") in MARKETING_CODES for r in post.moderation_reasons or ())
        if marketing_hold or any(f.reason == FlagReason.ADVERTISING for f in flags):
            return "marketing"
    return None


def training_examples():
    """Return [(text, 1 marketing / 0 advice)]: the latest labelled decision per post, with the post's text now.

    A redacted post counts with its redacted text; a deleted post is gone with its decisions.
    """
    latest = {}
    for decision in db.session.scalars(
        sa.select(ModerationDecision)
        .where(ModerationDecision.training_label.is_not(None), ModerationDecision.post_id.is_not(None))
        .options(joinedload(ModerationDecision.post))
        .order_by(ModerationDecision.created_at, ModerationDecision.id)
    ):
        latest[decision.post_id] = decision
    return [(d.post.body, int(d.training_label == "marketing")) for d in latest.values()]


def redact_post(moderator, post, *, body, delete_original, reason="", pii_confirmed=False, now):
    """Replace a post's text with a moderator's redacted version.

    The new text and the reason pass the personal-data guard: a BSN blocks,
    other personal data warns (everyone who sees the post reads the new text).

    The original stays as a revision that only moderators see, or, when it
    held personal data (`delete_original`), is erased for good together with
    every earlier revision of the post, so no copy of it remains: not in the
    tables, and after the commit not in the database files (`core.erasure`).
    """
    _require_moderator(moderator)
    body = (body or "").strip()
    if not body:
        raise ModerationError(_l("De nieuwe tekst mag niet leeg zijn."), "body")
    if body == post.body:
        raise ModerationError(_l("Verander de tekst om iets onleesbaar te maken."), "body")
    _guard({"body": body, "reason": reason or ""}, None, pii_confirmed)
    if delete_original:
        for revision in list(post.revisions):
            post.revisions.remove(revision)
            db.session.delete(revision)
        erasure.erase_on_commit()
    else:
        db.session.add(PostRevision(post=post, editor=moderator, body=post.body, created_at=now))
    post.body = body
    post.body_html = render_markdown(body)
    post.changed_at = now
    decision = _record(question=post.question, post=post, action=Action.REDACT, moderator=moderator,
                       reason=(reason or "").strip()[:2000], original_deleted=bool(delete_original), now=now)
    db.session.flush()
    if post.status == PostStatus.PUBLISHED:
        from ..questions import events as question_events

        question_events.post_updated(post, now)  # open pages show the redacted text at once
    notify(post.author, NotificationKind.MODERATION_DECISION, question_id=post.question_id, actor=moderator, now=now)
    return decision


# --- what authors see ----------------------------------------------------------------


@dataclass
class HiddenPost:
    post: Post
    state_label: str
    reasons: list
    decision: ModerationDecision | None
    # For the post's author only: the personal data found, each span in context (see
    # `guard.FieldReport.findings`). Computed for this response, never stored.
    findings: list = field(default_factory=list)


def author_findings(text):
    """Return what the personal-data checks find in `text`, span by span, for its author's eyes.

    The same check as at posting (`pii.find_warnings`, with deduce when it answers). Call it
    only in a response to the text's own author.
    """
    from ..questions.guard import FieldReport  # noqa: PLC0415  (the guard imports this module's package)

    deduce = _ask_deduce(text)
    try:
        deduce_spans = deduce.spans() if deduce is not None else None
    finally:
        if deduce is not None:
            deduce.close()
    return FieldReport(text, [], find_warnings(text, deduce_spans, platform=platform_names())).findings()


def hidden_posts_for(viewer, question):
    """Return the posts in `question` others cannot see that `viewer` may: their own; moderators all.

    Each comes with its state, the checks' reasons and the moderator's latest
    decision (whose reason the author is shown); the author's own post held for
    personal data also with the found spans in context (`author_findings`), which
    nobody else is shown (moderators read the post in their review page).
    """
    conditions = [Post.question_id == question.id, Post.status != PostStatus.PUBLISHED]
    if not viewer.has_role(Role.MODERATOR):
        conditions.append(Post.author_id == viewer.id)
    posts = db.session.scalars(
        sa.select(Post).where(*conditions).options(joinedload(Post.author)).order_by(Post.created_at, Post.id)
    ).all()
    decisions = latest_post_decisions(question, posts)
    return [
        HiddenPost(p, STATE_LABELS[PostStatus(p.status)], reason_lines(p.moderation_reasons, p.body, p.author),
                   decisions.get(p.id),
                   author_findings(p.body) if p.author_id == viewer.id and _holds_personal_data(p) else [])
        for p in posts
    ]


def _holds_personal_data(item):
    return any(r.get("code") == PERSONAL_DATA for r in item.moderation_reasons or ())


def question_state_for(viewer, question):
    """Return what the owner (or a moderator) is told about a held/rejected/removed question, or None."""
    if question.moderation_state is None:
        return None
    if question.owner_id != viewer.id and not viewer.has_role(Role.MODERATOR):
        return None
    return {
        "label": STATE_LABELS[PostStatus(question.moderation_state)],
        "reasons": reason_lines(question.moderation_reasons, question_text(question), question.owner),
        "decision": latest_decision(question, None),
    }


# --- watched words -----------------------------------------------------------------------


def watched_words():
    """Return the active watched words, hold first, then alphabetically."""
    return db.session.scalars(
        sa.select(WatchedWord).where(WatchedWord.removed_at.is_(None))
        .options(joinedload(WatchedWord.created_by))
        .order_by(WatchedWord.action.desc(), sa.func.lower(WatchedWord.phrase))
    ).all()


def add_watched_word(moderator, *, phrase, action, now):
    """Add a watched word or phrase ("hold" or "allow"); audited. One entry per phrase (any case)."""
    _require_moderator(moderator)
    phrase = " ".join((phrase or "").split())
    if action not in WATCHED_ACTIONS:
        raise ModerationError(_l("Kies vasthouden of altijd toestaan."), "action")
    if len(phrase) < 2 or not any(c.isalnum() for c in phrase):
        raise ModerationError(_l("Vul een woord of zinsdeel in van minstens twee tekens."), "phrase")
    if len(phrase) > 100:
        raise ModerationError(_l("Gebruik hoogstens 100 tekens."), "phrase")
    existing = db.session.scalar(
        sa.select(WatchedWord.id).where(WatchedWord.removed_at.is_(None),
                                        sa.func.lower(WatchedWord.phrase) == phrase.lower()))
    if existing is not None:
        raise ModerationError(_l("Dit woord staat al in de lijst. Verwijder het eerst om het te wijzigen."), "phrase")
    word = WatchedWord(phrase=phrase, action=action, created_by=moderator, created_at=now)
    db.session.add(word)
    db.session.flush()
    g.pop("watched_pairs", None)
    audit.record(WATCHED_AUDIT_ADD, actor=moderator, now=now, object_type="watched_word", object_id=word.id,
                 detail=f"action={action}")
    return word


def remove_watched_word(moderator, word, *, now):
    """Take a watched word off the list (the row stays, with who and when); audited."""
    _require_moderator(moderator)
    word.removed_at = now
    word.removed_by = moderator
    db.session.flush()
    g.pop("watched_pairs", None)
    audit.record(WATCHED_AUDIT_REMOVE, actor=moderator, now=now, object_type="watched_word", object_id=word.id,
                 detail=f"action={word.action}")
    return word


def model_status():
    """Return what moderators are told about the active learned model (version, examples, figures)."""
    model = current_model()
    return {"version": model.version, "info": model.info, "threshold": model.threshold}
