"""The owner's side of the knowledge base: scrubbing and checking with the resident's identity at hand.

The resident's identity is decrypted only here, in the owner's own request,
through `questions.owner.reveal` (audited by the vault), and only to find it
in the texts: it is never stored, returned or shown. Like every service this
only flushes.
"""
from flask_babel import lazy_gettext as _l

from ..questions import guard
from ..questions import owner as question_owner
from . import scrub, service
from .service import KnowledgeError


def _identity(owner, question, *, private_key, now, source):
    """Return the KnownIdentity of the question's resident (None: no resident, or already erased)."""
    try:
        return question_owner.known(question_owner.reveal(owner, question, private_key=private_key, now=now,
                                                          source=source))
    except question_owner.ResidentLocked:
        raise KnowledgeError(_l(
            "Je kluis is vergrendeld, dus de gegevens van de bewoner kunnen niet uit de tekst worden gehaald. "
            "Log uit en opnieuw in, en probeer het dan nog eens."
        )) from None


def offer_case(owner, question, *, private_key, now, source=None):
    """Build the draft summary of the owner's closed question, scrubbed while the identity is at hand."""
    if question.owner_id != owner.id:
        raise KnowledgeError(_l("Alleen de eigenaar van de vraag kan dit doen."))
    known = _identity(owner, question, private_key=private_key, now=now, source=source)
    deduce = scrub.deduce_finder()
    try:
        return service.build_summary(owner, question, scrub=lambda text: scrub.scrub_text(text, known, deduce),
                                     now=now)
    except scrub.ScrubUnavailable:
        raise KnowledgeError(_l(
            "De automatische controle op persoonsgegevens werkt nu niet, dus de casus kan nu niet worden "
            "aangeboden. Probeer het later opnieuw."
        )) from None


def save_summary(owner, summary, question, *, texts, pii_confirmed=False, submit=False, private_key, now,
                 source=None):
    """Check the owner's edits with the guard (the identity and a BSN block, the rest warns), then save.

    `question` is the summary's question (None once the question is gone:
    then only the BSN and the other checks run).
    """
    known = None
    if question is not None and question.owner_id == owner.id:
        known = _identity(owner, question, private_key=private_key, now=now, source=source)
    checked = {name: texts.get(name) or "" for name in service.TEXT_FIELDS}
    checked["advice"] = service.without_headings(checked["advice"], summary.organisations or [])
    report = guard.check_texts(checked, known, confirmed=pii_confirmed)
    service.update_summary(owner, summary, texts=texts, pii_check=report.record(), now=now)
    if submit:
        service.submit_summary(owner, summary, now)
    return summary


def pseudonymised(owner, texts, question, *, private_key, now, source=None):
    """Return the texts scrubbed again (after the owner's edits)."""
    known = None
    if question is not None and question.owner_id == owner.id:
        known = _identity(owner, question, private_key=private_key, now=now, source=source)
    deduce = scrub.deduce_finder()
    try:
        return {name: scrub.scrub_text(text, known, deduce) for name, text in texts.items()}
    except scrub.ScrubUnavailable:
        return {name: scrub.scrub_text(text, known, None) for name, text in texts.items()}
