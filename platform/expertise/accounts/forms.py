"""Forms of the accounts area: login, invitation, administration."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..core.forms import CheckboxListField, OptionalIdSelectField


class InvitableEmail:
    """An address someone can be invited with (WTForms' Email, i.e. email-validator).

    email-validator refuses special-use domains. Development and test configurations
    (`EMAIL_ALLOW_TEST_DOMAIN`) accept `.test`, the domain of every demo account, so the
    demo world can invite more of its own; production refuses it, as every special-use name.
    """

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        allow = bool(current_app.config.get("EMAIL_ALLOW_TEST_DOMAIN", False))
        Email(self.message, test_environment=allow)(form, field)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul je e-mailadres in."))])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul je wachtwoord in."))])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("De zes cijfers uit je authenticator-app, of een van je herstelcodes."),
        validators=[DataRequired(_l("Vul de code in.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off", "spellcheck": "false"},
    )


class EnrolCodeForm(FlaskForm):
    code = StringField(
        _l("Code uit je app"),
        description=_l("De zes cijfers die je authenticator-app nu laat zien."),
        validators=[DataRequired(_l("Vul de code in.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class StepUpForm(FlaskForm):
    """Confirm it is you: your password or a code. Field names differ from any form it wraps."""

    class Meta:
        csrf = False  # CSRFProtect already checked the whole POST

    step_up_password = PasswordField(_l("Je wachtwoord"), render_kw={"autocomplete": "current-password"})
    step_up_code = StringField(
        _l("of een code uit je authenticator-app"),
        validators=[Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        description=_l("Minstens 12 tekens; we raden 15 of meer aan, bijvoorbeeld een zin van vier woorden. Veelgebruikte wachtwoorden, namen en reeksen als 1234 worden geweigerd."),
        validators=[DataRequired(_l("Kies een wachtwoord."))],
    )
    password_repeat = PasswordField(
        _l("Herhaal het wachtwoord"),
        validators=[
            DataRequired(_l("Herhaal het wachtwoord.")),
            EqualTo("password", _l("De wachtwoorden zijn niet gelijk.")),
        ],
    )
    recovery_code = StringField(
        _l("Persoonlijke herstelcode (als je die hebt)"),
        description=_l("Met je herstelcode houd je toegang tot je bewoners. Zonder code blijven ze vergrendeld tot een beheerder ze herstelt."),
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Huidig wachtwoord"), validators=[DataRequired(_l("Vul je huidige wachtwoord in."))]
    )
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        description=_l("Minstens 12 tekens; we raden 15 of meer aan, bijvoorbeeld een zin van vier woorden. Veelgebruikte wachtwoorden, namen en reeksen als 1234 worden geweigerd."),
        validators=[DataRequired(_l("Kies een nieuw wachtwoord."))],
    )
    password_repeat = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            DataRequired(_l("Herhaal het wachtwoord.")),
            EqualTo("password", _l("De wachtwoorden zijn niet gelijk.")),
        ],
    )


class UserProfileForm(FlaskForm):
    """Fields an administrator sets for a user (shared by invite and edit)."""

    name = StringField(
        _l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=120)]
    )
    roles = CheckboxListField(_l("Rollen"), coerce=str)
    team = OptionalIdSelectField(_l("Buurtteam"))
    organisation = OptionalIdSelectField(_l("Organisatie"))
    expertise_areas = CheckboxListField(_l("Expertisegebieden"), coerce=int)


class InviteUserForm(UserProfileForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul een e-mailadres in.")),
            InvitableEmail(_l("Dit is geen geldig e-mailadres.")),
            Length(max=254),
        ],
    )


class EditUserForm(UserProfileForm):
    pass


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=120)]
    )
    active = BooleanField(_l("Actief"), default=True)


class TeamForm(OrganisationForm):
    pass


class ExpertiseAreaForm(OrganisationForm):
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=500)])
