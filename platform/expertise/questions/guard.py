"""The personal-data guard on the owner's texts: block, warn, or let through.

Runs in the owner's request, where the resident's identity is decrypted (the
caller passes it as a `KnownIdentity`; this module never touches the vault):

* the resident's own name, date of birth or file number in the text
  (`match_known_identity`) BLOCKS, named by category only;
* a valid BSN (`find_bsn`) BLOCKS;
* anything else `find_personal_data` finds (other names, addresses, phone
  numbers, …) WARNS: the owner sees the suspected parts highlighted and may
  use the pseudonymised text, or confirm "Dit zijn geen herleidbare gegevens".

What is stored is `record()`: categories and counts, never spans or text.
Nothing here logs, and no exception message carries user text.
"""
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..moderation.pii import KnownIdentity, find_bsn, find_personal_data, match_known_identity, pseudonymise
from .service import QuestionError

__all__ = ["KnownIdentity", "GuardReport", "PersonalDataBlocked", "PersonalDataWarning", "check_texts",
           "pseudonymise_texts", "highlight"]

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
}


@dataclass
class FieldReport:
    """What the guard found in one text (kept in memory for one response only)."""

    text: str
    blocking: list = field(default_factory=list)  # Spans: known identity, BSN
    warnings: list = field(default_factory=list)  # Spans: other personal data


@dataclass
class GuardReport:
    """The guard's findings over the owner's texts, per form field."""

    fields: dict  # field name -> FieldReport
    confirmed: bool = False

    @property
    def blocked(self):
        return any(r.blocking for r in self.fields.values())

    @property
    def warned(self):
        return any(r.warnings for r in self.fields.values())

    def blocking_categories(self, name):
        """Return the Dutch names of what blocks field `name`, in a fixed order."""
        types = {s.type for s in self.fields[name].blocking}
        return [label for key, label in BLOCK_LABELS.items() if key in types]

    def warning_categories(self):
        counts = Counter(s.type for r in self.fields.values() for s in r.warnings)
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


def inspect_texts(texts, known=None):
    """Return a GuardReport for `texts` ({field: text}) without deciding anything."""
    fields = {}
    for name, text in texts.items():
        text = text or ""
        blocking = _blocking_spans(text, known)
        warnings = [s for s in find_personal_data(text) if s.type != "bsn" and not _overlaps(s, blocking)]
        fields[name] = FieldReport(text, blocking, warnings)
    return GuardReport(fields)


def check_texts(texts, known=None, *, confirmed=False):
    """Check the owner's texts; return the GuardReport when they may be saved.

    Raise PersonalDataBlocked on the resident's identity or a BSN (whatever
    `confirmed` says), and PersonalDataWarning on other suspected personal
    data unless the owner confirmed it is not identifying.
    """
    report = inspect_texts(texts, known)
    report.confirmed = bool(confirmed)
    if report.blocked:
        raise PersonalDataBlocked(report)
    if report.warned and not confirmed:
        raise PersonalDataWarning(report)
    return report


def pseudonymise_texts(texts, known=None):
    """Return the texts with every suspected part replaced by "[naam]", "[adres]", …

    Blocking hits (the resident's identity, a BSN) are replaced too, so the
    one-click version always passes the guard's blocks.
    """
    out = {}
    for name, text in texts.items():
        text = text or ""
        spans = _blocking_spans(text, known) + find_personal_data(text)
        out[name] = pseudonymise(text, spans)
    return out


def highlight(report_field):
    """Return the text as escaped HTML with each suspected part in a <mark>."""
    text = report_field.text
    spans = sorted(report_field.blocking + report_field.warnings, key=lambda s: s.start)
    parts, pos = [], 0
    for span in spans:
        if span.start < pos:
            continue
        parts.append(escape(text[pos:span.start]))
        label = BLOCK_LABELS.get(span.type) if span in report_field.blocking else WARN_LABELS.get(span.type, span.type)
        parts.append(Markup('<mark class="pii pii--{}" title="{}">{}</mark>').format(
            span.type, label, text[span.start:span.end]))
        pos = span.end
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)
