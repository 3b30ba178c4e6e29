"""Forms for login, passwords and the admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from caseflow.accounts.models import COUNTRIES, OFFICE_KIND_LABELS, ROLE_LABELS
from caseflow.accounts.passwords import MAX_LENGTH
from caseflow.web import choices

LANGUAGE_CHOICES = [("", _l("Browser language")), ("en", "English"), ("fr", "Français"),
                    ("nl", "Nederlands")]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("Enter the code.")), Length(max=40)],
        description=_l("The 6 digits your authenticator app shows, or one of your recovery "
                       "codes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password."))],
        description=_l("At least 12 characters. A sentence you can remember works well."),
        render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(_l("Repeat the new password."))],
        render_kw={"autocomplete": "new-password"})

    def validate_confirm_password(self, field: PasswordField) -> None:
        if field.data != self.new_password.data:
            raise ValidationError(_l("The two new passwords differ."))


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter an e-mail address.")), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter the person's full name.")), Length(max=160)])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS.items()),
                       validators=[DataRequired(_l("Choose a role."))])
    office_id = SelectField(_l("Office"), coerce=int,
                            validators=[DataRequired(_l("Choose an office."))])
    preferred_language = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES),
                                     validators=[Optional()])


class NewUserForm(UserForm):
    password = PasswordField(_l("Initial password"), validators=[
        DataRequired(_l("Enter an initial password."))],
        description=_l("At least 12 characters. Give it to the person through a separate "
                       "channel; they can change it after logging in."),
        render_kw={"autocomplete": "new-password"})


class OfficeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the office's name.")), Length(max=160)])
    kind = SelectField(_l("Kind"), choices=choices(OFFICE_KIND_LABELS.items()),
                       validators=[DataRequired(_l("Choose a kind."))])
    country = SelectField(_l("Country"), choices=choices(COUNTRIES.items()),
                          validators=[DataRequired(_l("Choose a country."))])
    city = StringField(_l("City"), validators=[
        DataRequired(_l("Enter the city.")), Length(max=120)])
    language = SelectField(_l("Language of printed follow-up reports"), choices=choices([
        ("", _l("From the city (Dutch in Flanders, French in Wallonia)")),
        ("fr", "Français"), ("nl", "Nederlands"), ("en", "English")]), default="",
        validators=[Optional()])


class ConfirmForm(FlaskForm):
    """No fields: a POST carrying a CSRF token, sent from a confirmation page."""


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES),
                           validators=[Optional()])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[
        DataRequired(_l("Give the token a name, e.g. the script that uses it.")),
        Length(max=80)],
        description=_l("What will use it, e.g. \u201cmonthly export script\u201d."))
