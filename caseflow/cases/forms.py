"""Forms of the case pages: registration with its household, edits, stage moves."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from caseflow.accounts.models import COUNTRIES
from caseflow.cases.models import CLOSURE_LABELS, RETURN_COUNTRIES
from caseflow.cases.services import (
    CaseDetails,
    PersonData,
    SchoolData,
    SessionData,
    TravelDocumentData,
)
from caseflow.cases.workflow import Move, StageField, field_specs
from caseflow.people.models import (
    CONSENT_LABELS,
    DOCUMENT_KIND_LABELS,
    HOUSEHOLD_ROLE_LABELS,
    PROCEDURE_LABELS,
    SCHOOL_LEVEL_LABELS,
    SEX_LABELS,
    VULNERABILITY_LABELS,
    ConsentPurpose,
    DocumentKind,
    HouseholdRole,
    ProcedureStatus,
    SchoolLevel,
    Sex,
    Vulnerability,
)
from caseflow.web import choices

REQUIRED = _l("This field is required.")
BALKANS = ("AL", "MK", "XK", "RS")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def nationality_choices() -> list[Any]:
    """Every country, in the user's language, with the countries of return first."""
    locale = Locale.parse(str(get_locale()))
    territories = {code: name for code, name in locale.territories.items()
                   if len(code) == 2 and code.isalpha()}
    first = [(c, territories.get(c, str(COUNTRIES.get(c, c)))) for c in BALKANS]
    rest = sorted(((c, n) for c, n in territories.items() if c not in BALKANS),
                  key=lambda pair: pair[1])
    return choices([("", _l("Choose a country")), *first, *rest])


def return_country_choices() -> list[Any]:
    return choices([("", _l("Choose a country")),
                    *((c, COUNTRIES[c]) for c in RETURN_COUNTRIES)])


class PersonFields(Form):
    """One person of the household: identity, asylum stage, vulnerabilities, one document."""

    role = SelectField(_l("Role in the household"), choices=choices(
        HOUSEHOLD_ROLE_LABELS.items()), validators=[DataRequired(REQUIRED)])
    given_names = StringField(_l("Given names"), validators=[
        DataRequired(_l("Enter the given names.")), Length(max=120)],
        description=_l("As in the identity document."))
    family_name = StringField(_l("Family name"), validators=[
        DataRequired(_l("Enter the family name.")), Length(max=120)])
    name_original = StringField(_l("Name in original script"), validators=[
        Optional(), Length(max=240)], description=_l("E.g. Cyrillic: Ђорђе Петровић."))
    sex = SelectField(_l("Sex"), choices=choices(SEX_LABELS.items()),
                      validators=[DataRequired(REQUIRED)])
    date_of_birth = DateField(_l("Date of birth"), validators=[
        InputRequired(_l("Enter the date of birth."))])
    nationality = SelectField(_l("Nationality"), validators=[
        DataRequired(_l("Choose a nationality."))])
    place_of_birth = StringField(_l("Place of birth"), validators=[Optional(), Length(max=120)])
    languages = StringField(_l("Languages spoken"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    oe_number = StringField(_l("Immigration Office number"), validators=[
        Optional(), Length(max=20)], description=_l("OE / DVZ file number."))
    reception_centre = StringField(_l("Reception centre"),
                                   validators=[Optional(), Length(max=160)])
    asylum_applied_on = DateField(_l("Asylum application date"), validators=[Optional()])
    procedure_status = SelectField(_l("Asylum procedure"), choices=choices(
        [("", _l("Not known")), *PROCEDURE_LABELS.items()]), validators=[Optional()])
    vulnerabilities = MultiCheckboxField(_l("Vulnerabilities"),
                                         choices=choices(VULNERABILITY_LABELS.items()))
    vulnerability_note = TextAreaField(_l("Note on vulnerabilities"), validators=[
        Optional(), Length(max=2000)],
        description=_l("Medical details are sensitive: write only what the return needs."))


class DocumentFields(Form):
    document_kind = SelectField(_l("Travel or identity document"), choices=choices(
        [("", _l("None yet")), *DOCUMENT_KIND_LABELS.items()]), validators=[Optional()])
    document_number = StringField(_l("Document number"), validators=[
        Optional(), Length(max=40)])
    document_country = SelectField(_l("Issued by"), validators=[Optional()])
    document_expires_on = DateField(_l("Expires on"), validators=[Optional()])


class HouseholdMemberForm(PersonFields, DocumentFields):
    pass


def _set_person_choices(form: Form) -> None:
    nationalities = nationality_choices()
    form.nationality.choices = nationalities
    if hasattr(form, "document_country"):
        form.document_country.choices = nationalities


def person_data(form: Form) -> PersonData:
    documents = []
    kind = getattr(form, "document_kind", None)
    if kind is not None and kind.data:
        documents.append(TravelDocumentData(
            kind=DocumentKind(kind.data), number=form.document_number.data or "",
            issuing_country=form.document_country.data or form.nationality.data,
            expires_on=form.document_expires_on.data))
    return PersonData(
        role=HouseholdRole(form.role.data), given_names=form.given_names.data or "",
        family_name=form.family_name.data or "", sex=Sex(form.sex.data),
        date_of_birth=form.date_of_birth.data, nationality=form.nationality.data,
        name_original=form.name_original.data, place_of_birth=form.place_of_birth.data,
        languages=form.languages.data, phone=form.phone.data, oe_number=form.oe_number.data,
        reception_centre=form.reception_centre.data,
        asylum_applied_on=form.asylum_applied_on.data,
        procedure_status=ProcedureStatus(form.procedure_status.data)
        if form.procedure_status.data else None,
        vulnerabilities=[Vulnerability(v) for v in form.vulnerabilities.data or []],
        vulnerability_note=form.vulnerability_note.data, documents=documents)


class RegistrationForm(FlaskForm):
    country_of_return = SelectField(_l("Country of return"), validators=[
        DataRequired(_l("Choose the country of return."))])
    municipality = StringField(_l("Municipality of return"), validators=[
        DataRequired(_l("Enter the municipality of return.")), Length(max=120)])
    consent_on = DateField(_l("Consent given on"), default=date.today, validators=[
        InputRequired(_l("Enter the date consent was given."))])
    consent_purposes = MultiCheckboxField(
        _l("The principal applicant consents to"), choices=choices(CONSENT_LABELS.items()),
        default=[ConsentPurpose.case_processing.value])
    household = FieldList(FormField(HouseholdMemberForm), min_entries=1,
                          max_entries=20)
    duplicate_reason = TextAreaField(_l("Why register anyway?"), validators=[
        Optional(), Length(max=1000)],
        description=_l("E.g. a different person with a similar name; checked by phone."))

    def prepare(self) -> None:
        self.country_of_return.choices = return_country_choices()
        for entry in self.household:
            _set_person_choices(entry.form)
            if entry.form.role.data is None:
                entry.form.role.data = "principal" if entry is self.household[0] else "child"

    def details(self) -> CaseDetails:
        return CaseDetails(country_of_return=self.country_of_return.data or "",
                           municipality=self.municipality.data or "")


class CaseDetailsForm(FlaskForm):
    version = HiddenField()
    country_of_return = SelectField(_l("Country of return"), validators=[
        DataRequired(_l("Choose the country of return."))])
    municipality = StringField(_l("Municipality of return"), validators=[
        DataRequired(_l("Enter the municipality of return.")), Length(max=120)])
    assignee_id = SelectField(_l("Assigned to"), coerce=int, validators=[
        DataRequired(_l("Choose who is assigned."))])

    def details(self) -> CaseDetails:
        return CaseDetails(country_of_return=self.country_of_return.data or "",
                           municipality=self.municipality.data or "",
                           assignee_id=self.assignee_id.data)


class EditPersonForm(PersonFields, FlaskForm):
    version = HiddenField()


class NewPersonForm(HouseholdMemberForm, FlaskForm):
    version = HiddenField()


def prepare_person_form(form: Form) -> Form:
    _set_person_choices(form)
    return form


class IdentityDocumentForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(DOCUMENT_KIND_LABELS.items()),
                       validators=[DataRequired(REQUIRED)])
    number = StringField(_l("Number"), validators=[
        DataRequired(_l("Enter the document number.")), Length(max=40)])
    issuing_country = SelectField(_l("Issued by"), validators=[DataRequired(REQUIRED)])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])

    def data_object(self) -> TravelDocumentData:
        return TravelDocumentData(kind=DocumentKind(self.kind.data), number=self.number.data,
                                  issuing_country=self.issuing_country.data,
                                  expires_on=self.expires_on.data)


class SchoolRecordForm(FlaskForm):
    school = StringField(_l("School"), validators=[
        DataRequired(_l("Enter the school's name.")), Length(max=160)])
    town = StringField(_l("Town"), validators=[DataRequired(_l("Enter the town.")),
                                               Length(max=120)])
    year_from = IntegerField(_l("First school year (starting year)"), validators=[
        InputRequired(REQUIRED), NumberRange(1950, 2100)],
        description=_l("2023 means the school year 2023-2024."))
    year_to = IntegerField(_l("Last school year (starting year)"), validators=[
        InputRequired(REQUIRED), NumberRange(1950, 2100)])
    level = SelectField(_l("Level"), choices=choices(SCHOOL_LEVEL_LABELS.items()),
                        validators=[DataRequired(REQUIRED)])
    grade = StringField(_l("Class or grade"), validators=[Optional(), Length(max=80)],
                        description=_l("E.g. 3e primaire, 2de leerjaar."))

    def data_object(self) -> SchoolData:
        return SchoolData(school=self.school.data or "", town=self.town.data or "",
                          year_from=self.year_from.data, year_to=self.year_to.data,
                          level=SchoolLevel(self.level.data), grade=self.grade.data)


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date"), default=date.today,
                        validators=[InputRequired(_l("Enter the date of the session."))])
    language = StringField(_l("Language"), validators=[
        DataRequired(_l("Enter the language of the session.")), Length(max=40)])
    interpreter = StringField(_l("Interpreter"), validators=[Optional(), Length(max=120)],
                              description=_l("Name, if an interpreter took part."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])

    def data_object(self) -> SessionData:
        return SessionData(held_on=self.held_on.data, language=self.language.data or "",
                           interpreter=self.interpreter.data, notes=self.notes.data or "")


class DocumentUploadForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the document a title.")), Length(max=160)],
        description=_l("E.g. Passport of Arben Hoxha, page 1."))
    beneficiary_id = SelectField(_l("Concerns"), coerce=int, validators=[Optional()])
    # Type and size are checked from the content by documents.storage, not here.
    file = FileField(_l("Scan"), description=_l("PDF, JPEG or PNG, up to 10 MB."))


def move_form(move: Move, partners: list[tuple[int, str]]) -> FlaskForm:
    """A form built from the stage data a move asks for."""

    class MoveForm(FlaskForm):
        pass

    for spec in field_specs(move):
        setattr(MoveForm, spec.name, _stage_field(spec, partners))
    return MoveForm()


def _stage_field(spec: StageField, partners: list[tuple[int, str]]) -> Any:
    validators: list[Any] = [InputRequired(REQUIRED)] if spec.required else [Optional()]
    if spec.kind == "date":
        return DateField(spec.label, validators=validators,
                         default=date.today if spec.when == "past" else None)
    if spec.kind == "bool":
        return BooleanField(spec.label)
    if spec.kind == "partner":
        return SelectField(spec.label, coerce=int, validators=validators,
                           choices=choices([(0, _l("Choose a partner")), *partners]))
    if spec.kind == "closure_reason":
        return SelectField(spec.label, validators=validators, choices=choices(
            [("", _l("Choose a reason")), *CLOSURE_LABELS.items()]))
    if spec.name in ("note", "optional_note", "rejection_reason"):
        return TextAreaField(spec.label, validators=[*validators,
                                                     Length(max=spec.max_length)])
    return StringField(spec.label, validators=[*validators, Length(max=spec.max_length)])
