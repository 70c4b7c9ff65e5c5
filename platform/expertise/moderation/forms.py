"""Forms of the moderation area: flagging, a moderator's decision, a redaction, watched words."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..core.submissions import SubmissionKeyMixin
from ..questions.forms import PersonalDataMixin, choices
from .models import FlagReason


class FlagForm(SubmissionKeyMixin, PersonalDataMixin, FlaskForm):
    """Report a post or question to the moderators."""

    reason = SelectField(
        _l("Waarom meld je dit?"),
        choices=choices([("", _l("— kies een reden —"))] + [(r.value, r.label) for r in FlagReason]),
        default="",
    )
    note = TextAreaField(
        _l("Toelichting"),
        description=_l("Nodig bij ‘Anders’. Herhaal geen persoonsgegevens uit de tekst."),
        validators=[Length(max=2000, message=_l("Gebruik hoogstens 2000 tekens."))],
    )


class DecisionForm(PersonalDataMixin, FlaskForm):
    """A moderator's decision; the button pressed says which (`actie`)."""

    reason = TextAreaField(
        _l("Reden (de auteur ziet deze)"),
        description=_l("Nodig bij afwijzen, om aanpassing vragen en verwijderen."),
        validators=[Length(max=2000, message=_l("Gebruik hoogstens 2000 tekens."))],
    )


class RedactForm(PersonalDataMixin, FlaskForm):
    """Replace part of a post's text."""

    body = TextAreaField(
        _l("Tekst na redactie"),
        description=_l("Vervang wat weg moet, bijvoorbeeld door [naam] of [verwijderd]."),
        validators=[InputRequired(message=_l("De nieuwe tekst mag niet leeg zijn.")),
                    Length(max=10000, message=_l("Gebruik hoogstens 10000 tekens."))],
    )
    delete_original = BooleanField(
        _l("De oorspronkelijke tekst bevatte persoonsgegevens: definitief verwijderen, ook uit eerdere versies")
    )
    # The review page holds this form and the DecisionForm, each with a `reason`: its own id
    # keeps the labels and hints apart (the posted name stays `reason`).
    reason = TextAreaField(
        _l("Reden (de auteur ziet deze)"),
        id="redaction-reason",
        validators=[Length(max=2000, message=_l("Gebruik hoogstens 2000 tekens."))],
    )
    pii_confirmed = BooleanField(_l("Dit zijn geen herleidbare gegevens"), id="redaction-pii_confirmed")


class WatchedWordForm(FlaskForm):
    """Add a watched word or phrase."""

    phrase = StringField(
        _l("Woord of zinsdeel"),
        description=_l("Hele woorden, hoofdletters maken niet uit. Bijvoorbeeld: gratis proefles"),
        validators=[Length(max=100, message=_l("Gebruik hoogstens 100 tekens."))],
    )
    action = SelectField(
        _l("Wat moet ermee gebeuren?"),
        choices=choices([("hold", _l("Vasthouden: elke tekst met dit woord wacht op een moderator")),
                         ("allow", _l("Altijd toestaan: dit woord is nooit een reden om vast te houden"))]),
        default="hold",
    )


class RemoveWatchedWordForm(FlaskForm):
    """Take a watched word off the list (CSRF only)."""
