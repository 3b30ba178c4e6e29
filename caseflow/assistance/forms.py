"""Forms of the assistance pages. Choices that depend on the case or the reference list are
set by the views; the rules (dates, dependencies, amounts) are checked by the services, so
the form only checks what it needs to read the input."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from caseflow.assistance.models import SERVICE_STATUS_LABELS, ServiceStatus
from caseflow.assistance.services import MAX_NAME, MAX_OUTCOME, NEXT_STATUSES
from caseflow.web import choices

REQUIRED = _l("This field is required.")
DATE_FORMAT = _l("Enter a date as YYYY-MM-DD.")


class CheckedByService:
    """Marks a field as required (the label's asterisk) when the service checks its value,
    so a blank one is reported together with the service's other errors."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: Any) -> None:
        return None


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to an id; the empty choice is None."""
    if value in (None, ""):
        return None
    return int(value)  # a ValueError becomes the field's "Invalid choice" error


class ServiceRequestForm(FlaskForm):
    # Which ids exist is the service's question (it answers next to the field).
    beneficiary_id = SelectField(_l("Person"), coerce=optional_int, validate_choice=False,
                                 validators=[InputRequired(REQUIRED)])
    service_type_id = SelectField(_l("Service"), coerce=optional_int, validate_choice=False,
                                  validators=[InputRequired(REQUIRED)])
    requested_on = DateField(_l("Requested on"), default=date.today,
                             validators=[InputRequired(DATE_FORMAT)])


def status_choices(current: ServiceStatus) -> list[Any]:
    """The statuses an open service can take next (its own first)."""
    return choices((s.value, SERVICE_STATUS_LABELS[s]) for s in NEXT_STATUSES[current])


class ServiceUpdateForm(FlaskForm):
    version = HiddenField()
    status = SelectField(_l("Status"), validate_choice=False,
                         validators=[DataRequired(REQUIRED)])
    completed_on = DateField(_l("Completed on"), validators=[Optional()],
                             description=_l("Only when the service is completed."))
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=MAX_OUTCOME)],
                            description=_l("What was obtained, or why it was not possible."))
    # Text, not a DecimalField: the service reads the amount exactly (parse_amount).
    fees_paid = StringField(_l("Fees paid (EUR)"), validators=[Optional(), Length(max=20)],
                            description=_l("E.g. 12.30. Leave empty when nothing was paid."))


class ServiceTypeForm(FlaskForm):
    # Blank names and codes are refused by the service, together with its other checks, so
    # that every mistake is shown at once.
    name_en = StringField(_l("Name in English"),
                          validators=[CheckedByService(), Length(max=MAX_NAME)])
    name_fr = StringField(_l("Name in French"),
                          validators=[CheckedByService(), Length(max=MAX_NAME)])
    name_nl = StringField(_l("Name in Dutch"),
                          validators=[CheckedByService(), Length(max=MAX_NAME)])
    depends_on_id = SelectField(_l("Depends on"), coerce=optional_int, validate_choice=False,
                                validators=[Optional()],
                                description=_l("The service that must be completed first, "
                                               "for the same person."))
    position = IntegerField(_l("Position in the checklist"),
                            validators=[Optional(), NumberRange(0, 10_000)],
                            description=_l("Lower numbers come first. Empty: last."))


class NewServiceTypeForm(ServiceTypeForm):
    code = StringField(_l("Code"), validators=[CheckedByService(), Length(max=60)],
                       description=_l("Lower-case letters, digits and underscores, e.g. "
                                      "driving_licence. It cannot change later."))


class EditServiceTypeForm(ServiceTypeForm):
    # The version the admin loaded: a save from an older one is refused.
    version = HiddenField()
    is_active = BooleanField(_l("Active"),
                             description=_l("Deactivated services can no longer be "
                                            "requested; past requests stay."))
