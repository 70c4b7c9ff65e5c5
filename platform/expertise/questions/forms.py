"""Forms of the questions area: asking, posting, closing and handing over."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..core.forms import CheckboxListField
from ..core.submissions import SubmissionKeyMixin
from .models import Gender, Outcome, Urgency, Visibility

def choices(pairs):
    """Return (value, label) pairs as WTForms SelectChoice objects."""
    return [SelectChoice(str(value), label) for value, label in pairs]


# The buttons of a question or post form: preview, save as draft, publish.
ACTION_PREVIEW = "voorbeeld"
ACTION_DRAFT = "concept"
ACTION_PUBLISH = "plaatsen"
# Replace the texts by their pseudonymised version ("[naam]", "[adres]", …).
ACTION_PSEUDONYMISE = "pseudonimiseren"


class PersonalDataMixin:
    pii_confirmed = BooleanField(_l("Dit zijn geen herleidbare gegevens"))


class QuestionForm(SubmissionKeyMixin, PersonalDataMixin, FlaskForm):
    """A question; complete for publishing, only a title for a draft.

    The resident fields go to the vault only; their values are never logged
    and are shown back only to the owner, on pages sent with no-store.
    """

    # Choices: "" (no resident), "nieuw" (a new one below), or a resident id;
    # filled per request from the owner's decrypted residents.
    resident = SelectField(_l("Bewoner"), choices=[], validate_choice=False, default="")
    new_name = StringField(_l("Naam"), validators=[Optional(), Length(max=120, message=_l("Gebruik hoogstens 120 tekens."))],
                           description=_l("Voor- en achternaam van het kind of het gezin."))
    new_date_of_birth = DateField(_l("Geboortedatum"), validators=[Optional()],
                                  description=_l("Bijvoorbeeld 21-09-2011."))
    new_file_number = StringField(_l("Dossiernummer (optioneel)"),
                                  validators=[Optional(), Length(max=40, message=_l("Gebruik hoogstens 40 tekens."))],
                                  description=_l("Het nummer van je eigen buurtteam. Nooit het BSN."))

    title = StringField(
        _l("Titel"),
        description=_l("Kort en zonder namen, bijvoorbeeld: “Slaapproblemen na verhuizing”."),
        validators=[Length(max=150, message=_l("Gebruik hoogstens 150 tekens."))],
    )
    situation = TextAreaField(
        _l("Situatie"),
        description=_l("Wat speelt er in het gezin? Geen namen, adressen of geboortedata. Markdown mag: **vet**, *schuin*, lijstjes."),
        validators=[Length(max=5000, message=_l("Gebruik hoogstens 5000 tekens."))],
    )
    request = TextAreaField(
        _l("Wat wil je weten?"),
        validators=[Length(max=2000, message=_l("Gebruik hoogstens 2000 tekens."))],
    )
    child_age = IntegerField(
        _l("Leeftijd van het kind (jaren)"),
        validators=[Optional(), NumberRange(0, 23, message=_l("Vul een leeftijd tussen 0 en 23 jaar in."))],
    )
    child_age_months = IntegerField(
        _l("Maanden (alleen bij een kind jonger dan 1 jaar)"),
        validators=[Optional(), NumberRange(0, 11, message=_l("Vul een aantal maanden tussen 0 en 11 in."))],
    )
    child_gender = SelectField(
        _l("Geslacht (mag je leeg laten)"),
        choices=choices([("", _l("— niet opgeven —"))] + [(g.value, g.label) for g in Gender]),
        default="",
    )
    areas = CheckboxListField(_l("Expertisegebieden"), coerce=int)
    urgency = SelectField(
        _l("Urgentie"), choices=choices((u.value, u.label) for u in Urgency), default=Urgency.NORMAL.value
    )
    visibility = SelectField(
        _l("Wie mag de vraag zien?"),
        choices=choices((v.value, v.label) for v in Visibility),
        default=Visibility.TEAM.value,
    )
    family_consent = BooleanField(_l("Het gezin weet dat ik hierover advies vraag."))

    def check_complete(self):
        """Add the errors that stop publishing; return True when complete."""
        missing = [
            (self.title, _l("Geef de vraag een titel.")),
            (self.situation, _l("Beschrijf de situatie.")),
            (self.request, _l("Schrijf op wat je wilt weten.")),
        ]
        ok = True
        for field, message in missing:
            if not (field.data or "").strip():
                field.errors.append(message)
                ok = False
        if self.child_age.data is None and not self.child_age.errors:
            self.child_age.errors.append(_l("Vul een leeftijd tussen 0 en 23 jaar in."))
            ok = False
        if not self.areas.data:
            self.areas.errors.append(_l("Kies minstens één expertisegebied."))
            ok = False
        if current_app.config.get("REQUIRE_FAMILY_CONSENT", True) and not self.family_consent.data:
            self.family_consent.errors.append(_l("Bevestig dat het gezin weet dat je advies vraagt."))
            ok = False
        return ok


class PostForm(SubmissionKeyMixin, PersonalDataMixin, FlaskForm):
    body = TextAreaField(
        _l("Je bericht"),
        description=_l("Markdown mag: **vet**, *schuin*, lijstjes en links. Geen namen of andere gegevens die een gezin herkenbaar maken."),
        validators=[
            InputRequired(_l("Schrijf een bericht.")),
            Length(max=5000, message=_l("Gebruik hoogstens 5000 tekens.")),
        ],
    )


class HandOverForm(FlaskForm):
    colleague = SelectField(_l("Collega"), coerce=int, validate_choice=True)


class CloseForm(PersonalDataMixin, FlaskForm):
    """Closing with feedback; `rating_<post id>` fields are added per advice."""

    outcome = SelectField(
        _l("Wat heb je met het advies gedaan?"),
        choices=choices((o.value, o.label) for o in Outcome),
    )
    explanation = TextAreaField(
        _l("Licht kort toe"),
        validators=[
            InputRequired(_l("Leg kort uit wat je met het advies hebt gedaan.")),
            Length(max=1000, message=_l("Gebruik hoogstens 1000 tekens.")),
        ],
    )
    offer_for_knowledge_base = BooleanField(
        _l("Bied deze casus aan voor de kennisbank"),
        description=_l("Het platform maakt een samenvatting zonder namen, data, plaatsen en andere herleidbare "
                       "gegevens. Jij leest hem na; pas na goedkeuring door een moderator zien anderen hem."),
        default=False,
    )


RATING_CHOICES = choices([("", _l("— geen cijfer —"))] + [(n, n) for n in range(1, 6)])


def close_form_for(advices, label, description=None):
    """Return a CloseForm class with one 1–5 usefulness field per advice.

    `label(post)` names the field, `description(post)` gives its hint (the form shows it below
    the label and links it with aria-describedby).
    """

    class _Form(CloseForm):
        pass

    for post in advices:
        setattr(
            _Form,
            f"rating_{post.id}",
            SelectField(label(post), description=description(post) if description else "",
                        choices=RATING_CHOICES, default="",
                        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                        validate_choice=True),
        )
    return _Form
