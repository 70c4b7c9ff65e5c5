"""Forms of the notification centre."""
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from .models import Delivery


class _PreferencesForm(FlaskForm):
    """One choice of e-mail delivery per kind of notification."""


def preferences_form(kinds, current, **kwargs):
    """Return a form with a radio group per kind, pre-set to the current choices."""

    class PreferencesForm(_PreferencesForm):
        pass

    for kind in kinds:
        setattr(
            PreferencesForm,
            f"kind_{kind.value}",
            RadioField(
                kind.label,
                choices=[SelectChoice(d.value, d.label) for d in Delivery],
                default=current[kind].value,
            ),
        )
    form = PreferencesForm(**kwargs)
    form.kind_fields = [(kind, getattr(form, f"kind_{kind.value}")) for kind in kinds]
    return form
