"""Forms of the knowledge base: the owner's review of a scrubbed summary."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from ..questions import guard
from ..questions.forms import PersonalDataMixin


class SummaryForm(PersonalDataMixin, FlaskForm):
    """The scrubbed summary as the owner reviews it; the button pressed says what happens (`actie`)."""

    title = TextAreaField(_l("Titel"), validators=[InputRequired(_l("Geef de casus een titel.")),
                                                   Length(max=150, message=_l("Gebruik hoogstens 150 tekens."))])
    situation = TextAreaField(_l("Situatie"), validators=[Length(max=10000, message=_l("Gebruik hoogstens 10000 tekens."))])
    request = TextAreaField(_l("Vraag"), validators=[Length(max=5000, message=_l("Gebruik hoogstens 5000 tekens."))])
    advice = TextAreaField(_l("Adviezen"), validators=[Length(max=30000, message=_l("Gebruik hoogstens 30000 tekens."))])
    outcome_note = TextAreaField(_l("Wat is er met het advies gedaan?"),
                                 validators=[Length(max=2000, message=_l("Gebruik hoogstens 2000 tekens."))])


# The guard's field lists live in questions/guard.py, which another change is editing now; the
# knowledge base adds its own fields here (the lead may move them into guard.py when merging).
guard.GUARDED_FIELDS.update({
    f"SummaryForm.{name}": "owner reviewing the scrubbed summary (read by everyone once published): "
                           "the identity and a BSN block; other personal data warns"
    for name in ("title", "situation", "request", "advice", "outcome_note")
})
