"""The filter form of the programme report page."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from caseflow.accounts.models import COUNTRIES, OfficeKind, Role, User
from caseflow.cases.models import RETURN_COUNTRIES
from caseflow.programme.report import filter_offices
from caseflow.web import choices

FORMAT_CHOICES = [("pdf", _l("PDF")), ("xlsx", _l("Excel workbook (XLSX)")),
                  ("csv", _l("CSV (one figure a line)"))]


def start_of_year() -> date:
    return date.today().replace(month=1, day=1)


class ProgrammeReportForm(FlaskForm):
    date_from = DateField(_l("From"), default=start_of_year,
                          validators=[InputRequired(_l("Enter the first day."))])
    date_to = DateField(_l("To"), default=date.today,
                        validators=[InputRequired(_l("Enter the last day."))])
    country = SelectField(_l("Country of return"), default="")
    partner_id = SelectField(_l("Partner organisation"), default="")
    office_id = SelectField(_l("Sending office"), default="")
    format = SelectField(_l("Format"), choices=choices(FORMAT_CHOICES), default="pdf")

    @classmethod
    def for_user(cls, user: User) -> ProgrammeReportForm:
        """The form with only the offices and partners `user` may filter on."""
        form = cls()
        everything = ("", _l("All"))
        form.country.choices = choices([everything, *((c, COUNTRIES[c])
                                                       for c in RETURN_COUNTRIES)])
        form.partner_id.choices = _office_choices(user, OfficeKind.partner)
        form.office_id.choices = _office_choices(user, OfficeKind.sending)
        return form


def _office_choices(user: User, kind: OfficeKind) -> list[SelectChoice]:
    offices = [(str(o.id), o.name) for o in filter_offices(user, kind)]
    # A manager's own office is their only choice: offering "All" would promise more.
    if user.role is Role.manager and user.office.kind is kind:
        return choices(offices)
    return choices([("", _l("All")), *offices])
