"""The follow-up form: two choices, no free text (nothing about the family is stored)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from ..questions.forms import choices
from .models import Referral, Situation


class FollowUpForm(FlaskForm):
    situation = SelectField(
        _l("Hoe is het verder gegaan?"),
        choices=choices([("", _l("— kies —"))] + [(s.value, s.label) for s in Situation]),
        validators=[InputRequired(_l("Kies hoe het verder is gegaan."))],
    )
    referral = SelectField(
        _l("Is een verwijzing naar specialistische zorg voorkomen?"),
        choices=choices([("", _l("— kies —"))] + [(r.value, r.label) for r in Referral]),
        validators=[InputRequired(_l("Kies of een verwijzing is voorkomen."))],
    )
