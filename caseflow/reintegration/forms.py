"""Forms for plan lines and entitlement rules."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from caseflow.reintegration.models import LINE_STATUS_LABELS, SUPPORT_LABELS
from caseflow.web import choices

REQUIRED = _l("This field is required.")


class PlanLineForm(FlaskForm):
    kind = SelectField(_l("Kind of support"), choices=choices(SUPPORT_LABELS.items()),
                       validators=[DataRequired(REQUIRED)])
    description = TextAreaField(_l("Description"), validators=[
        DataRequired(_l("Describe the support.")), Length(max=500)])
    beneficiary_id = SelectField(_l("For"), coerce=int, validators=[Optional()])
    # Text, not a number field: the service parses it as an exact decimal.
    amount = StringField(_l("Amount (EUR)"), validators=[
        InputRequired(_l("Enter the amount in euros.")), Length(max=20)],
        description=_l("E.g. 1250.50"), render_kw={"inputmode": "decimal"})
    supplier = StringField(_l("Supplier"), validators=[Optional(), Length(max=160)])


class LineStatusForm(FlaskForm):
    # The case version the user saw: a line's changes move its case's version on.
    version = HiddenField()
    status = SelectField(_l("Status"), choices=choices(LINE_STATUS_LABELS.items()),
                         validators=[DataRequired(REQUIRED)])
    delivered_on = DateField(_l("Delivered on"), default=date.today, validators=[Optional()])


class RulesForm(FlaskForm):
    # The latest version the admin saw (0: none): publishing over a newer one is refused.
    version = HiddenField()
    valid_from = DateField(_l("Valid from"), default=date.today,
                           validators=[InputRequired(REQUIRED)])
    visa_free_countries = StringField(_l("Visa-free countries"), validators=[
        DataRequired(REQUIRED), Length(max=400)],
        description=_l("Two-letter codes separated by commas."))
    premium_adult_visa_free = StringField(_l("Departure premium per adult, visa-free (EUR)"),
                                          validators=[InputRequired(REQUIRED)])
    premium_child_visa_free = StringField(_l("Departure premium per child, visa-free (EUR)"),
                                          validators=[InputRequired(REQUIRED)])
    premium_adult_visa_required = StringField(
        _l("Departure premium per adult, visa required (EUR)"),
        validators=[InputRequired(REQUIRED)])
    premium_child_visa_required = StringField(
        _l("Departure premium per child, visa required (EUR)"),
        validators=[InputRequired(REQUIRED)])
    budget_visa_free = StringField(_l("Reintegration budget per household, visa-free (EUR)"),
                                   validators=[InputRequired(REQUIRED)])
    budget_visa_required = StringField(
        _l("Reintegration budget per household, visa required (EUR)"),
        validators=[InputRequired(REQUIRED)])
    vulnerability_top_up = StringField(_l("Vulnerability top-up (EUR)"),
                                       validators=[InputRequired(REQUIRED)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)],
                         description=_l("E.g. the decision these figures come from."))
