"""Form pieces every area shares."""
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class ActionForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


class CheckboxListField(SelectMultipleField):
    """Several choices shown as a list of labelled checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OptionalIdSelectField(SelectField):
    """A select of object ids with an empty first option meaning 'none'."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", lambda value: int(value) if value not in (None, "", "None") else None)
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)
