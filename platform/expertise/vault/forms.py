"""Forms of the vault: a resident's identity, handover, recovery key and ceremony."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ResidentForm(FlaskForm):
    # These values are never logged: the app logs only error types and
    # werkzeug's access log has no request bodies.
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul de naam in.")), Length(max=120)],
                       description=_l("Voor- en achternaam van het kind of het gezin."))
    date_of_birth = DateField(_l("Geboortedatum"), validators=[DataRequired(_l("Vul een geldige geboortedatum in."))],
                              description=_l("Bijvoorbeeld 21-09-2011."))
    file_number = StringField(_l("Dossiernummer (optioneel)"), validators=[Optional(), Length(max=40)],
                              description=_l("Het nummer van je eigen buurtteam. Nooit het BSN."))


class StartRecoveryForm(FlaskForm):
    from_user = SelectField(_l("Bewoners van"), coerce=int, validators=[DataRequired(_l("Kies een gezinswerker."))])
    to_user = SelectField(_l("Overdragen aan"), coerce=int, validators=[DataRequired(_l("Kies een gezinswerker."))])


class CompleteRecoveryForm(FlaskForm):
    kit = TextAreaField(_l("Herstelsleutel"), validators=[DataRequired(_l("Plak de herstelsleutel."))],
                        description=_l("Begint met EPR1-. Wordt alleen voor dit verzoek gebruikt en nergens bewaard."))
