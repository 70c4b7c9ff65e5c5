"""The personal-data guard: every free text a person writes passes here, before it is stored.

One rule for every form field that takes free text (the list is
`GUARDED_FIELDS`; `tests/questions/test_guarded_fields.py` enumerates the
text fields of every form and fails on one that is in neither that list nor
`UNGUARDED_FIELDS`, and drives each guarded field through HTTP):

* the resident's own name, date of birth or file number BLOCKS, named by
  category only. Only the question's owner knows them, so this applies to
  the owner's texts: the caller passes the identity as a `KnownIdentity`
  (this module never touches the vault; `known_identity_for` asks the
  owner module through a hook, for the owner only);
* a valid BSN (elfproef) BLOCKS, whoever writes it;
* other personal data (names, addresses, phone numbers, …) either WARNS
  (policy WARN: the author sees the suspected parts highlighted, may use the
  pseudonymised text, or confirms "Dit zijn geen herleidbare gegevens"), or is
  left to moderation, which holds the text for a moderator (policy HOLD:
  posts by anyone but the owner, see `moderation.service.screen_post`).

Blocks are matched on the text as typed and as a reader sees it: with HTML
entities decoded, NFKC, invisible characters (Unicode Cf, soft hyphens,
zero-width spaces and joiners) dropped, look-alike letters folded to Latin,
Markdown markup characters dropped (all mapped back to the typed text, so
highlighting and pseudonymising still work), and as rendered by the one
sanitiser with the tags stripped. A hit found only in the rendered text
cannot be mapped back: it blocks by category, with nothing highlighted.
Warnings come from `pii.find_warnings`, the one function the moderation
checks use too: the rule detectors (on the undisguised views too, without a
one-word "name" that opens a sentence and is no known first name), merged
with deduce's persons, streets, institutions, dates, ages next to a name,
phone numbers, e-mail addresses and links when the deduce worker answers
(when it is configured but does not answer, the owner's texts get the rules
alone; others' posts are held by moderation), less the platform's own users
named as such ("Eens met Eva"; `moderation.platform_names`). The warning
shows the author each span in their own text, with its kind and the
detector that found it; it is rendered only in the author's own response.

What is stored is `record()`: categories and counts, never spans or text.
Nothing here logs, and no exception message carries user text.
"""
from collections import Counter
from dataclasses import dataclass, field, replace

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..moderation import deduce_worker
from ..moderation.pii import (
    BOTH,
    DEDUCE,
    IDENTITY,
    RULES,
    KnownIdentity,
    find_bsn,
    find_undisguised,
    find_warnings,
    match_known_identity,
    pseudonymise,
    rendered_plain,
)
from ..moderation.platform_names import platform_names
from .service import QuestionError

__all__ = ["KnownIdentity", "GuardReport", "PersonalDataBlocked", "PersonalDataWarning", "check_texts",
           "pseudonymise_texts", "highlight", "known_identity_for", "put_on_form", "WARN", "HOLD",
           "GUARDED_FIELDS", "UNGUARDED_FIELDS", "redact_identity", "REMOVED_TEXT"]

# What happens to personal data other than the resident's identity and a BSN (which always block).
WARN = "warn"  # the author changes the text or confirms it identifies nobody
HOLD = "hold"  # moderation holds the text for a moderator (posts by others than the owner)

# Every free-text form field the guard reads, "FormClass.field": who writes it and what happens.
# "Blocks" always names the category next to the field and keeps the text as typed.
GUARDED_FIELDS = {
    "QuestionForm.title": "owner: the identity and a BSN block; other personal data warns",
    "QuestionForm.situation": "owner: the identity and a BSN block; other personal data warns",
    "QuestionForm.request": "owner: the identity and a BSN block; other personal data warns",
    "PostForm.body": "owner: the identity and a BSN block, other personal data warns; "
                     "anyone else: a BSN blocks, other personal data holds the post (HOLD)",
    "CloseForm.explanation": "owner (closing feedback, read by the advisers, coordinators and moderators): "
                             "the identity and a BSN block; other personal data warns",
    "NominateForm.note": "owner nominating (read by every participant): the identity and a BSN block; "
                         "coordinator (agenda, triage): a BSN blocks; other personal data warns",
    "FlagForm.note": "owner flagging (read by moderators): the identity and a BSN block; "
                     "anyone else: a BSN blocks; other personal data warns",
    "DecisionForm.reason": "moderator (read by the author): a BSN blocks; other personal data warns",
    "RedactForm.body": "moderator (the post's new text, read by all): a BSN blocks; other personal data warns",
    "RedactForm.reason": "moderator (read by the author): a BSN blocks; other personal data warns",
    "ConclusionForm.conclusion": "coordinator (an advice post): a BSN blocks; other personal data holds it (HOLD)",
    "SharpenForm.body": "coordinator in triage (a post): a BSN blocks; other personal data holds it (HOLD)",
}

# Free-text fields the guard does not read, and why. Everything else must be in GUARDED_FIELDS.
UNGUARDED_FIELDS = {
    "QuestionForm.submission_key": "a one-time submission key the platform made (hidden): checked, never shown",
    "PostForm.submission_key": "a one-time submission key the platform made (hidden): checked, never shown",
    "FlagForm.submission_key": "a one-time submission key the platform made (hidden): checked, never shown",
    "SeriesForm.submission_key": "a one-time submission key the platform made (hidden): checked, never shown",
    "ConclusionForm.submission_key": "a one-time submission key the platform made (hidden): checked, never shown",
    "LoginForm.email": "an account's e-mail address, never shown to others",
    "LoginForm.password": "a password: never stored in clear, never shown",
    "CodeForm.code": "a one-time code: checked, never stored or shown",
    "EnrolCodeForm.code": "a one-time code: checked, never stored or shown",
    "StepUpForm.step_up_password": "a password: never stored in clear, never shown",
    "StepUpForm.step_up_code": "a one-time code: checked, never stored or shown",
    "AcceptInvitationForm.password": "a password: never stored in clear, never shown",
    "AcceptInvitationForm.password_repeat": "a password: never stored in clear, never shown",
    "AcceptInvitationForm.recovery_code": "a secret recovery code: never stored in clear, never shown",
    "ChangePasswordForm.current_password": "a password: never stored in clear, never shown",
    "ChangePasswordForm.password": "a password: never stored in clear, never shown",
    "ChangePasswordForm.password_repeat": "a password: never stored in clear, never shown",
    "UserProfileForm.name": "the name of a user of the platform (a professional), shown by design",
    "InviteUserForm.name": "the name of a user of the platform (a professional), shown by design",
    "InviteUserForm.email": "a professional's e-mail address for the invitation, shown to admins only",
    "EditUserForm.name": "the name of a user of the platform (a professional), shown by design",
    "OrganisationForm.name": "the name of an affiliated organisation, set by admins",
    "TeamForm.name": "the name of a neighbourhood team, set by admins",
    "ExpertiseAreaForm.name": "the name of an expertise area, set by admins",
    "ExpertiseAreaForm.description": "what an expertise area covers, set by admins; about no family",
    "WatchedWordForm.phrase": "a word or phrase moderators hold or allow in every text (\"gratis proefles\"); "
                              "shown to moderators only, about no family",
    "SeriesForm.name": "the name of a weekly consultation, set by coordinators; about no family",
    "SeriesForm.place": "where a consultation meets: an address by design, about no family",
    "SeriesForm.video_url": "the consultation's video link (checked to be https)",
    "MonthForm.maand": "a month (jjjj-mm) for the hours report, a query parameter",
    "QuestionForm.new_name": "the resident's identity itself: sealed in the vault, shown to the owner only",
    "QuestionForm.new_file_number": "the resident's identity itself: sealed in the vault (a BSN is refused)",
    "ResidentForm.name": "the resident's identity itself: sealed in the vault, shown to the owner only",
    "ResidentForm.file_number": "the resident's identity itself: sealed in the vault (a BSN is refused)",
    "CompleteRecoveryForm.kit": "the organisation's recovery key for one ceremony: never stored or shown",
}

_identity_lookup = None


def register_identity_lookup(lookup):
    """Let the owner module tell the guard the identity of a question's resident (see `known_identity_for`)."""
    global _identity_lookup
    _identity_lookup = lookup


def known_identity_for(user, question, *, now):
    """Return the KnownIdentity to check `user`'s text about `question` against, or None.

    None for everyone but the question's owner, without touching the vault.
    For the owner, the owner module (registered with `register_identity_lookup`,
    so that moderation and consultation code never imports it) decrypts the
    identity in the owner's own request, audited; it raises ResidentLocked when
    the vault is locked, so an owner's text is never let through unchecked.
    """
    if question is None or user is None or question.owner_id != user.id:
        return None
    if _identity_lookup is None:
        raise RuntimeError("the owner module did not register the guard's identity lookup")
    return _identity_lookup(user, question, now)

# How a blocking hit is named to the owner: by category, never by the matched text.
BLOCK_LABELS = {
    "person_name": _l("de naam van de bewoner"),
    "date": _l("de geboortedatum"),
    "case_number": _l("het dossiernummer"),
    "bsn": _l("een burgerservicenummer (BSN)"),
}

WARN_LABELS = {
    "person_name": _l("namen"),
    "date": _l("datums"),
    "address": _l("adressen"),
    "postcode": _l("postcodes"),
    "phone": _l("telefoonnummers"),
    "email": _l("e-mailadressen"),
    "institution": _l("instellingen"),
    "case_number": _l("dossiernummers"),
    "url": _l("links"),
    "iban": _l("rekeningnummers"),
    "bsn": _l("burgerservicenummers"),
    "age": _l("leeftijden"),
}

# One found span's kind, shown next to the marked words (text, not colour alone).
KIND_LABELS = {
    "person_name": _l("naam"),
    "date": _l("datum"),
    "address": _l("adres"),
    "postcode": _l("postcode"),
    "phone": _l("telefoonnummer"),
    "email": _l("e-mailadres"),
    "institution": _l("instelling"),
    "case_number": _l("dossiernummer"),
    "url": _l("link"),
    "iban": _l("rekeningnummer"),
    "bsn": _l("burgerservicenummer (BSN)"),
    "age": _l("leeftijd"),
}

DETECTOR_LABELS = {
    RULES: _l("vaste regels"),
    DEDUCE: _l("deduce"),
    BOTH: _l("vaste regels en deduce"),
    IDENTITY: _l("de gegevens van de bewoner"),
}
CONTEXT_CHARS = 40  # characters of the author's text shown either side of a found span


@dataclass
class FieldReport:
    """What the guard found in one text (kept in memory for one response only)."""

    text: str
    blocking: list = field(default_factory=list)  # Spans of the typed text: known identity, BSN
    warnings: list = field(default_factory=list)  # Spans: other personal data
    # Categories that block but were found only in the rendered text: no span to show.
    unmapped: set = field(default_factory=set)

    def findings(self):
        """Return each found span in context, in text order: what the author is shown.

        Each is a dict: `kind` (Dutch label), `type`, `words` (the exact text), `before` and
        `after` (up to CONTEXT_CHARS of the author's own text around it), `detector` (Dutch
        label) and `blocks`. Rendered only in the author's own response, never stored.
        """
        out = []
        for span in sorted(self.blocking + self.warnings, key=lambda s: (s.start, s.end)):
            blocks = span in self.blocking
            before = self.text[max(0, span.start - CONTEXT_CHARS):span.start]
            after = self.text[span.end:span.end + CONTEXT_CHARS]
            out.append({
                "type": span.type,
                "kind": BLOCK_LABELS.get(span.type) if blocks else KIND_LABELS.get(span.type, span.type),
                "words": span.text,
                "before": ("…" if span.start > CONTEXT_CHARS else "") + before,
                "after": after + ("…" if span.end + CONTEXT_CHARS < len(self.text) else ""),
                "detector": DETECTOR_LABELS.get(span.detector, span.detector),
                "blocks": blocks,
            })
        return out


@dataclass
class GuardReport:
    """The guard's findings over a form's texts, per form field."""

    fields: dict  # field name -> FieldReport
    confirmed: bool = False

    @property
    def blocked(self):
        return any(r.blocking or r.unmapped for r in self.fields.values())

    @property
    def warned(self):
        return any(r.warnings for r in self.fields.values())

    def blocking_categories(self, name):
        """Return the Dutch names of what blocks field `name`, in a fixed order."""
        report = self.fields[name]
        types = {s.type for s in report.blocking} | report.unmapped
        return [label for key, label in BLOCK_LABELS.items() if key in types]

    def warning_categories(self, name=None):
        """Return [(Dutch name, count)] of the warnings, in field `name` or in all fields."""
        reports = self.fields.values() if name is None else [self.fields[name]]
        counts = Counter(s.type for r in reports for s in r.warnings)
        return [(WARN_LABELS.get(t, t), n) for t, n in sorted(counts.items())]

    def record(self):
        """Return what may be stored: warned categories with counts, and the confirmation."""
        counts = Counter(s.type for r in self.fields.values() for s in r.warnings)
        return {"warned": dict(sorted(counts.items())), "confirmed": bool(self.confirmed and counts)}


class PersonalDataBlocked(QuestionError):
    """The text holds the resident's identity or a BSN; `report` says where (by category)."""

    def __init__(self, report):
        super().__init__(_l("Haal de gegevens van de bewoner uit de tekst: deskundigen mogen niet zien over wie het gaat."))
        self.report = report


class PersonalDataWarning(QuestionError):
    """The text may hold personal data; the owner must change it or confirm."""

    def __init__(self, report):
        super().__init__(_l("De tekst bevat misschien gegevens die iemand herkenbaar maken. Kijk de gemarkeerde delen na."))
        self.report = report


def _blocking_spans(text, known):
    spans = list(find_bsn(text))
    if known is not None:
        spans += match_known_identity(text, known)
    return spans


def _overlaps(span, others):
    return any(span.start < o.end and o.start < span.end for o in others)


def _inspect(text, known, warn, deduce=None, platform=None):
    blocking = [replace(s, detector=IDENTITY) if s.type != "bsn" else s
                for s in find_undisguised(text, lambda t: _blocking_spans(t, known))]
    plain = rendered_plain(text)
    found = {s.type for s in find_undisguised(plain, lambda t: _blocking_spans(t, known))} if plain != text else set()
    unmapped = found - {s.type for s in blocking}
    warnings = []
    if warn:
        warnings = [s for s in find_warnings(text, deduce, platform=platform)
                    if s.type != "bsn" and not _overlaps(s, blocking)]
    return FieldReport(text, blocking, warnings, unmapped)


def _ask_deduce(texts):
    """Send each non-empty text to the deduce worker now; return {name: DeduceQuery} ({} when not configured)."""
    socket = current_app.config.get("DEDUCE_SOCKET") if has_app_context() else None
    if not socket:
        return {}
    timeout = current_app.config.get("DEDUCE_TIMEOUT", 0.5)
    return {name: deduce_worker.DeduceQuery(text, timeout, path=socket) for name, text in texts.items() if text}


def _deduce_answers(queries):
    """Read the worker's answers: {name: spans or None}; every query is closed."""
    answers = {}
    try:
        for name, query in queries.items():
            answers[name] = query.spans()
    finally:
        for query in queries.values():
            query.close()
    return answers


def inspect_texts(texts, known=None, *, policy=WARN):
    """Return a GuardReport for `texts` ({field: text}) without deciding anything.

    With policy WARN the texts go to the deduce worker (when configured) while the
    blocking checks run here, and the platform users' names are looked up once.
    """
    texts = {name: text or "" for name, text in texts.items()}
    if policy != WARN:
        return GuardReport({name: _inspect(text, known, False) for name, text in texts.items()})
    answers = _deduce_answers(_ask_deduce(texts))
    platform = platform_names() if has_app_context() else None  # outside the app: no users known
    return GuardReport({name: _inspect(text, known, True, answers.get(name), platform)
                        for name, text in texts.items()})


def check_texts(texts, known=None, *, confirmed=False, policy=WARN):
    """Check texts before they are stored; return the GuardReport when they may be saved.

    Raise PersonalDataBlocked on the resident's identity (when `known` is
    given: the owner's texts) or a BSN, whatever `confirmed` says; with policy
    WARN, raise PersonalDataWarning on other suspected personal data unless the
    author confirmed it is not identifying. With policy HOLD other personal
    data is moderation's (`moderation.service.screen_post` holds the post).
    """
    report = inspect_texts(texts, known, policy=policy)
    report.confirmed = bool(confirmed)
    if report.blocked:
        raise PersonalDataBlocked(report)
    if report.warned and not confirmed:
        raise PersonalDataWarning(report)
    return report


def pseudonymise_texts(texts, known=None):
    """Return the texts with every suspected part replaced by "[naam]", "[adres]", …

    Blocking hits (the resident's identity, a BSN) are replaced too, disguised
    ones included, so the one-click version passes the guard's blocks, except
    for a hit that only the rendered text shows (that one the author removes).
    The warnings are the guard's own (rules and deduce, platform users' names kept).
    """
    report = inspect_texts(texts, known)
    return {name: pseudonymise(r.text, r.blocking + r.warnings) for name, r in report.fields.items()}


# What a text becomes when the identity shows only once rendered (no span to replace).
REMOVED_TEXT = "[tekst verwijderd]"


def redact_identity(text, known):
    """Return (text, count): the resident's identity in `text` replaced by "[naam]", "[datum]", …

    For erasing a resident (`owner.erase_resident`): texts written before the
    guard read them, or missed by it, may still hold the identity. Matched as
    the guard's blocks are, disguised forms included; when a hit remains that
    only the rendered text shows, the whole text is replaced by REMOVED_TEXT.
    `count` is the number of replacements (0: the text is returned as it was).
    """
    text = text or ""
    if not text.strip() or known is None:
        return text, 0

    def find(t):
        return match_known_identity(t, known)

    spans = find_undisguised(text, find)
    redacted = pseudonymise(text, spans) if spans else text
    plain = rendered_plain(redacted)
    if find_undisguised(plain, find):
        return REMOVED_TEXT, len(spans) + 1
    return redacted, len(spans)


def put_on_form(form, error):
    """Put the guard's findings next to the fields of `form`; return the report for the page.

    A block names what was found by category; a warning names the exact words
    and their kind ("“Eva” (naam)"): the page goes to the author alone, who typed
    them. The form keeps the texts as typed.
    """
    report = error.report
    for name in report.fields:
        field_ = getattr(form, name, None)
        if field_ is None:
            continue
        categories = report.blocking_categories(name)
        if categories:
            message = _("Deze tekst bevat %(what)s. Haal dat weg: deskundigen mogen niet zien over wie het gaat.",
                        what=_(" en ").join(str(c) for c in categories))
        elif isinstance(error, PersonalDataWarning) and report.fields[name].warnings:
            message = _("Deze tekst bevat misschien herleidbare gegevens: %(what)s. Pas de tekst aan of bevestig "
                        "dat dit geen herleidbare gegevens zijn.",
                        what=", ".join(f"“{f['words']}” ({f['kind']})" for f in report.fields[name].findings()))
        else:
            continue
        field_.errors = list(field_.errors) + [message]
    return report


def highlight(report_field):
    """Return the author's text as escaped HTML with each found part marked and labelled.

    Each part is a <mark> followed by its kind in words ("[naam]"), so the marking does not
    rest on colour alone; screen readers read the label too.
    """
    text = report_field.text
    spans = sorted(report_field.blocking + report_field.warnings, key=lambda s: s.start)
    parts, pos = [], 0
    for span in spans:
        if span.start < pos:
            continue
        blocks = span in report_field.blocking
        label = BLOCK_LABELS.get(span.type) if blocks else KIND_LABELS.get(span.type, span.type)
        parts.append(escape(text[pos:span.start]))
        parts.append(Markup('<mark class="pii pii--{}">{}</mark><span class="pii__kind"> [{}]</span>').format(
            span.type, text[span.start:span.end], label))
        pos = span.end
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)
