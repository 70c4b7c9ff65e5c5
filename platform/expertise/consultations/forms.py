"""Forms of the consultations area: series, skipped dates, nominations, conclusions, triage."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..core.forms import CheckboxListField
from ..core.submissions import SubmissionKeyMixin
from ..questions.forms import PersonalDataMixin
from .models import WEEKDAYS, DeclineReason, Recurrence


def choices(pairs):
    """Return (value, label) pairs as WTForms SelectChoice objects."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class SeriesForm(SubmissionKeyMixin, FlaskForm):
    name = StringField(_l("Naam van het overleg"), validators=[
        InputRequired(message=_l("Geef het overleg een naam.")), Length(max=120)])
    weekday = SelectField(_l("Dag van de week"), coerce=int,
                          choices=choices(enumerate(WEEKDAYS)), default=1)
    start_time = TimeField(_l("Begintijd"), validators=[InputRequired(message=_l("Vul een begintijd in."))])
    duration_minutes = IntegerField(_l("Duur in minuten"), default=90, validators=[
        InputRequired(message=_l("Vul de duur in.")), NumberRange(15, 480, message=_l("Tussen 15 en 480 minuten."))])
    recurrence = SelectField(_l("Hoe vaak"), choices=choices((r.value, r.label) for r in Recurrence),
                             default=Recurrence.WEEKLY.value)
    place = StringField(_l("Plaats"), validators=[Length(max=200)])
    video_url = StringField(_l("Videolink"), description=_l("Begint met https://; mag leeg als er een plaats is."),
                            validators=[Length(max=500)])
    agenda_closes_hours = IntegerField(_l("Agenda sluit (uren voor het overleg)"), default=24, validators=[
        InputRequired(message=_l("Vul in hoeveel uur van tevoren de agenda sluit.")),
        NumberRange(0, 336, message=_l("Tussen 0 en 336 uur."))])
    teams = CheckboxListField(_l("Voor welke buurtteams"), coerce=int)
    experts = CheckboxListField(_l("Vaste deskundigen"), coerce=int)


class SkipForm(FlaskForm):
    skip_date = DateField(_l("Datum overslaan (bijvoorbeeld een feestdag)"),
                          validators=[InputRequired(message=_l("Kies een datum."))])


class NominateForm(PersonalDataMixin, FlaskForm):
    meeting = SelectField(_l("Overleg"), coerce=int, validate_choice=True)
    note = TextAreaField(_l("Wat wil je bespreken?"), validators=[Length(max=2000)],
                         description=_l("Zonder namen of andere gegevens van het gezin."))


class InviteForm(FlaskForm):
    area = SelectField(_l("Deskundigen uitnodigen uit gebied"), coerce=int, validate_choice=True)


class ConclusionForm(SubmissionKeyMixin, FlaskForm):
    conclusion = TextAreaField(_l("Conclusie en advies"), validators=[
        InputRequired(message=_l("Schrijf de conclusie of het advies op.")), Length(max=5000)],
        description=_l("Dit wordt een advies in de draad van de vraag, met de aanwezige deskundigen erbij."))


class SharpenForm(FlaskForm):
    body = TextAreaField(_l("Verduidelijkingsvraag aan de gezinswerker"), validators=[
        InputRequired(message=_l("Schrijf je vraag aan de gezinswerker.")), Length(max=2000)])


class RouteForm(FlaskForm):
    experts = CheckboxListField(_l("Doorverwijzen naar deskundigen"), coerce=int)


class SetRouteForm(FlaskForm):
    route = SelectField(_l("Route van deze vraag"), validators=[InputRequired(message=_l("Kies een route."))])


class AcceptForm(FlaskForm):
    expected_on = DateField(_l("Wanneer verwacht je advies te geven?"), validators=[
        InputRequired(message=_l("Vul in wanneer je advies verwacht te geven."))])


class DeclineForm(FlaskForm):
    reason = SelectField(_l("Reden"), choices=choices([("", _l("Kies een reden"))] + [(r.value, r.label) for r in DeclineReason]),
                         validators=[InputRequired(message=_l("Kies een reden."))])


class TriageSettingsForm(FlaskForm):
    triage_worker = BooleanField(_l("Ik ben triagist: meld mij nieuwe vragen die op triage wachten"))
    teams = CheckboxListField(_l("Voor welke buurtteams (geen keuze: alle buurtteams)"), coerce=int)


class AvailabilityForm(FlaskForm):
    absent_until = DateField(_l("Afwezig tot en met"), description=_l("Leeg: je bent beschikbaar."),
                             validators=[Optional()])
    monthly_capacity = IntegerField(_l("Hoeveel toegewezen vragen per maand kun je aan?"),
                                    description=_l("Leeg: geen maximum."),
                                    validators=[Optional(), NumberRange(0, 100, message=_l("Tussen 0 en 100."))])


class BudgetForm(FlaskForm):
    minutes = IntegerField(_l("Budget in minuten per maand"), validators=[
        InputRequired(message=_l("Vul een budget in.")), NumberRange(0, 100000)])


class MonthForm(FlaskForm):
    class Meta:
        csrf = False

    maand = StringField(_l("Maand (jjjj-mm)"), validators=[Optional(), Length(max=7)])
