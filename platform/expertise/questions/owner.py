"""The question owner's side of the vault: the resident a question is about.

The one module of the questions area that imports the vault (an
architecture test allows it, and only it). Every function here acts for the
question's owner in the owner's own request: it takes the owner's private
key (views get it from `unlock()`), checks ownership before touching the
vault, and the vault checks again (the key only opens the owner's own
grants). Rules stay in `service` and `guard`; this module only joins them to
the vault. Like every service it only flushes, and it never logs identities
or texts.
"""
from flask_babel import lazy_gettext as _l

from ..audit import service as audit
from ..knowledge import service as knowledge
from ..moderation.pii import KnownIdentity
from ..vault import service as vault
from ..vault.access import access_own_resident
from ..vault.access import source  # noqa: F401  (re-exported for the question views)
from ..vault.session import unlock  # noqa: F401  (re-exported for the question views)
from . import guard, service
from .service import QuestionError

NEW_RESIDENT = "nieuw"
NO_RESIDENT = ""


class ResidentLocked(QuestionError):
    """The owner's vault is locked in this session; nothing about the resident can be done."""

    def __init__(self, message=None):
        super().__init__(message or _l(
            "Je kluis is vergrendeld, dus de bewoner kan nu niet worden gekozen of getoond. "
            "Log uit en opnieuw in; je tekst is bewaard in het formulier hieronder."
        ))


def try_unlock():
    """Return the owner's private key for this request, or None when the vault is locked."""
    try:
        return unlock()
    except vault.VaultLocked:
        return None


def _vault_error(error):
    if isinstance(error, vault.VaultLocked):
        return ResidentLocked()
    field = {"name": "new_name", "date_of_birth": "new_date_of_birth", "file_number": "new_file_number",
             "colleague": "colleague"}.get(error.field)
    return QuestionError(error.message, field)


def known(identity):
    """Return the guard's view of a decrypted identity."""
    if identity is None:
        return None
    return KnownIdentity(identity.name, identity.date_of_birth, identity.file_number or None)


def resident_choices(owner, *, private_key, now, source=None):
    """Return [(resident, identity or None)] of the owner's live residents (each read audited)."""
    if private_key is None:
        return []
    return vault.list_own_residents(owner, private_key=private_key, now=now, source=source)


def reveal(owner, question, *, private_key, now, source=None):
    """Return the identity of the question's resident for its owner, or None when there is none.

    Raises ResidentLocked when the session holds no key or the grant is
    missing (after a reset without recovery code). Audited by the vault.
    """
    if not service.is_owner(owner, question):
        raise QuestionError(_l("Alleen de eigenaar van de vraag kan dit doen."))
    resident = service.live_resident(question)
    if resident is None:
        return None
    if resident.owner_id != owner.id:
        # Cannot happen through a handover (resident and questions move together);
        # say what is true rather than "locked".
        raise QuestionError(_l("De bewoner van deze vraag hoort niet bij jou. Vraag de coördinator om hulp."))
    if private_key is None:
        raise ResidentLocked()
    try:
        return vault.reveal_identity(owner, resident, private_key=private_key, now=now, source=source)
    except vault.VaultError as error:
        raise _vault_error(error) from None


def resolve_resident(owner, choice, new_identity, *, private_key, now, today, source=None, current=None):
    """Return (resident, identity) for the form's choice; a new resident is created in the vault.

    `choice` is NEW_RESIDENT, NO_RESIDENT or a resident id (as text);
    `new_identity` is (name, date_of_birth, file_number) for a new one.
    Checked before anything is written; the caller's single commit (or
    rollback) covers the new resident and the question together.
    """
    choice = (choice or "").strip()
    if choice == NO_RESIDENT:
        return None, None
    if current is not None and str(current.id) == choice and current.is_erased:
        return current, None  # nothing left to protect or to check against
    if private_key is None:
        raise ResidentLocked()
    try:
        if choice == NEW_RESIDENT:
            identity = vault.check_identity(*new_identity, today=today)
            resident = vault.create_resident(owner, identity, private_key=private_key, now=now, source=source)
            return resident, identity
        resident = next((r for r in vault.own_residents(owner) if str(r.id) == choice), None)
        if resident is None:
            raise QuestionError(_l("Kies een van je eigen bewoners."), "resident")
        identity = vault.reveal_identity(owner, resident, private_key=private_key, now=now, source=source)
    except vault.VaultError as error:
        raise _vault_error(error) from None
    vault.cancel_erasure(resident)  # a new question about the resident: keep the identity
    return resident, identity


def _question_texts(title, situation, request):
    return {"title": title or "", "situation": situation or "", "request": request or ""}


def post_question(owner, *, resident_choice, new_identity=(None, None, None), pii_confirmed=False,
                  private_key, now, today, source=None, **fields):
    """Check the texts against the resident's identity, then create the question (and resident).

    Raises guard.PersonalDataBlocked / PersonalDataWarning, ResidentLocked or
    QuestionError; on any of them the caller rolls back and nothing is written.
    """
    resident, identity = resolve_resident(owner, resident_choice, new_identity, private_key=private_key,
                                          now=now, today=today, source=source)
    report = guard.check_texts(
        _question_texts(fields.get("title"), fields.get("situation"), fields.get("request")),
        known(identity), confirmed=pii_confirmed,
    )
    return service.post_question(owner, resident=resident, pii_check=report.record(), now=now, **fields)


def update_question(owner, question, *, resident_choice, new_identity=(None, None, None),
                    pii_confirmed=False, private_key, now, today, source=None, **fields):
    """Change the question (and maybe its resident) after the same checks as posting."""
    if not service.is_owner(owner, question):
        raise QuestionError(_l("Alleen de eigenaar van de vraag kan dit doen."))
    resident, identity = resolve_resident(owner, resident_choice, new_identity, private_key=private_key,
                                          now=now, today=today, source=source, current=question.resident)
    report = guard.check_texts(
        _question_texts(fields.get("title"), fields.get("situation"), fields.get("request")),
        known(identity), confirmed=pii_confirmed,
    )
    return service.update_question(owner, question, resident=resident, pii_check=report.record(), now=now,
                                   **fields)


def check_reply(owner, question, body, *, pii_confirmed=False, private_key, now, source=None):
    """Run the guard on the owner's post in the thread; return the record to store.

    The identity of the question's resident is decrypted for the check
    (audited); without a key the BSN and other checks still run, but a
    question about a resident then needs the vault open.
    """
    identity = reveal(owner, question, private_key=private_key, now=now, source=source)
    return guard.check_texts({"body": body or ""}, known(identity), confirmed=pii_confirmed).record()


def _identity_for_guard(user, question, now):
    """The guard's identity lookup (`guard.known_identity_for`): the owner's own request only."""
    if not service.is_owner(user, question):
        return None
    return known(reveal(user, question, private_key=try_unlock(), now=now, source=source()))


guard.register_identity_lookup(_identity_for_guard)


def _chosen_identity(owner, choice, new_identity, *, private_key, now, today, source=None):
    """Return the identity the form names (a new one as typed, or a chosen resident's), writing nothing."""
    choice = (choice or "").strip()
    try:
        if choice == NEW_RESIDENT:
            return vault.check_identity(*new_identity, today=today)
        if choice and private_key is not None:
            resident = next((r for r in vault.own_residents(owner) if str(r.id) == choice), None)
            if resident is not None:
                return vault.reveal_identity(owner, resident, private_key=private_key, now=now, source=source)
    except vault.VaultError:
        return None  # posting will say what is wrong; pseudonymising does what it can
    return None


def pseudonymised(owner, texts, *, question=None, resident_choice=None, new_identity=(None, None, None),
                  private_key, now, today=None, source=None):
    """Return the texts with suspected parts replaced ("[naam]", "[datum]", …).

    The resident's identity counts too: the one chosen or typed in the
    question form, or else the question's own resident (for a post).
    """
    identity = None
    if resident_choice is not None:
        identity = _chosen_identity(owner, resident_choice, new_identity, private_key=private_key, now=now,
                                    today=today, source=source)
    elif question is not None and service.is_owner(owner, question):
        try:
            identity = reveal(owner, question, private_key=private_key, now=now, source=source)
        except ResidentLocked:
            identity = None  # posting stays refused until the vault is open
    return guard.pseudonymise_texts(texts, known(identity))


def access_resident(owner, resident_id):
    """Return the owner's own live resident, or 404 (the vault's access function, audited)."""
    return access_own_resident(owner, resident_id)


def handover_colleagues(owner):
    """Return the colleagues a resident (and so its questions) can be handed over to."""
    return vault.handover_colleagues(owner)


def hand_over_resident(owner, resident, colleague, *, private_key, now, source=None):
    """Hand a resident and every question about it to a colleague: the one handover rule.

    The vault re-keys the resident for the colleague (the owner keeps nothing
    usable), then every question about it that the owner holds moves, open,
    closed and drafts, each published one with the handover in its thread;
    one transaction for all. Returns the handover events.
    """
    if private_key is None:
        raise ResidentLocked()
    try:
        vault.hand_over(owner, resident, colleague, private_key=private_key, now=now, source=source)
    except vault.VaultError as error:
        raise _vault_error(error) from None
    return service.hand_over_resident_questions(owner, resident, colleague, now)


def hand_over_question(owner, question, colleague, *, private_key, now, source=None):
    """Hand the question to a colleague; with a resident, the resident and all its questions go too."""
    service.check_hand_over(owner, question, colleague)
    resident = service.live_resident(question)
    if resident is None:
        return service.hand_over_question(owner, question, colleague, now)
    moved = hand_over_resident(owner, resident, colleague, private_key=private_key, now=now, source=source)
    return next(event for event in moved if event.question_id == question.id)


def erase_resident(owner, resident, *, private_key, now, source=None):
    """Erase a resident's identity for good, and first every trace of it in the texts about it.

    The guard keeps the identity out of new texts; texts written before it
    read them (or that it missed) may still hold it. So, while the identity
    can still be decrypted (the owner's own request, audited), every free text
    on the resident's questions is redacted ("[naam]", "[datum]",
    "[dossiernummer]"; `service.redact_resident_texts`), and then the vault
    shreds the identity, in one transaction that also erases on disk. The
    audit says how many texts changed (counts only). Raises ResidentLocked
    without a key: erasing then would leave the texts unreadable for matching.
    Returns the number of redacted parts.
    """
    if resident.owner_id != owner.id:
        raise QuestionError(_l("Deze bewoner is niet (meer) beschikbaar."))
    if resident.is_erased:
        return 0
    if private_key is None:
        raise ResidentLocked()
    try:
        identity = vault.reveal_identity(owner, resident, private_key=private_key, now=now, source=source)
    except vault.VaultError as error:
        raise _vault_error(error) from None
    target = known(identity)
    parts, questions = service.redact_resident_texts(resident, lambda text: guard.redact_identity(text, target), now)
    # The knowledge base: what is not published goes; a published summary is checked once more.
    question_ids = [q.id for q in service.questions_of_resident(resident)]
    withdrawn = knowledge.withdraw_unpublished(question_ids)
    parts += knowledge.redact_published(question_ids, lambda text: guard.redact_identity(text, target))
    try:
        vault.erase_identity(owner, resident, now=now, source=source)
    except vault.VaultError as error:
        raise _vault_error(error) from None
    if parts:
        audit.record(audit.IDENTITY_TEXTS_REDACT, actor=owner, now=now, object_type="resident",
                     object_id=resident.id, source=source, detail=f"parts={parts} questions={questions}")
    if withdrawn:
        audit.record(audit.IDENTITY_TEXTS_REDACT, actor=owner, now=now, object_type="resident",
                     object_id=resident.id, source=source, detail=f"knowledge_summaries_withdrawn={withdrawn}")
    return parts


def close_question(owner, question, *, now, explanation, pii_confirmed=False, private_key=None, source=None,
                   **kwargs):
    """Close the question after the guard read the feedback; when no other question about its
    resident is still open, schedule erasure.

    The feedback is shown to the experts who advised, the coordinators and the
    moderators: the resident's identity and a BSN block it, other personal
    data warns (guard.PersonalDataBlocked / PersonalDataWarning).
    """
    if not service.is_owner(owner, question):
        raise QuestionError(_l("Alleen de eigenaar van de vraag kan dit doen."))
    identity = reveal(owner, question, private_key=private_key, now=now, source=source)
    guard.check_texts({"explanation": explanation or ""}, known(identity), confirmed=pii_confirmed)
    service.close_question(owner, question, now=now, explanation=explanation, **kwargs)
    resident = service.live_resident(question)
    if resident is not None and not service.has_other_unclosed_question(question):
        vault.schedule_erasure(resident, closed_at=now)
    return question


def reopen_question(owner, question, now):
    """Reopen the question; its resident's identity is no longer due for erasure."""
    service.reopen_question(owner, question, now)
    resident = service.live_resident(question)
    if resident is not None:
        vault.cancel_erasure(resident)
    return question
