"""Account forms: shape only. Rules live in `tracker.accounts.services`."""

from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from tracker.accounts.models import Role
from tracker.accounts.services import MAX_DEPARTMENT_NAME, MAX_DISPLAY_NAME, MAX_EMAIL
from tracker.concurrency import VersionedForm
from tracker.forms import TrackerForm
from tracker.ids import form_id
from tracker.validators import too_long

ROLE_CHOICES = [(role.value, role.label) for role in Role]


def department_choices(departments) -> list[tuple[int, str]]:
    return [(0, "— none —")] + [(d.id, d.name) for d in departments]


class UserCreateForm(TrackerForm):
    email = StringField("Email", validators=[DataRequired(), Email(), Length(max=MAX_EMAIL)])
    display_name = StringField("Display name",
                               validators=[DataRequired(), too_long("The display name", MAX_DISPLAY_NAME)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MEMBER.value)
    department_id = SelectField("Department", coerce=form_id, validate_choice=True)
    password = PasswordField(
        "Password",
        validators=[Optional(), Length(max=1024)],
        description="Leave empty to generate a one-time password that is shown once.",
    )


class UserEditForm(VersionedForm, TrackerForm):
    display_name = StringField("Display name",
                               validators=[DataRequired(), too_long("The display name", MAX_DISPLAY_NAME)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    department_id = SelectField("Department", coerce=form_id, validate_choice=True)


class DepartmentForm(TrackerForm):
    name = StringField("Name",
                       validators=[DataRequired(), too_long("The department's name", MAX_DEPARTMENT_NAME)])


class PasswordChangeForm(TrackerForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=1024)]
    )


class TimezoneForm(TrackerForm):
    timezone = StringField("Timezone", validators=[DataRequired(), Length(max=64)])


class EmptyForm(TrackerForm):
    """A button that posts: only the CSRF token."""


class LiftPauseForm(TrackerForm):
    """Let an account whose sign-ins are paused try again."""

    email = HiddenField(validators=[DataRequired(), Length(max=MAX_EMAIL)])
