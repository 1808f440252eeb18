from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from tracker.calendar import CADENCES, WEEKDAYS
from tracker.concurrency import VersionedForm
from tracker.forms import TrackerForm, WholeNumberField

WEEKDAY_CHOICES = [(i, name) for i, name in enumerate(WEEKDAYS)]


class SettingsForm(VersionedForm, TrackerForm):
    timezone = StringField("Organisation timezone", validators=[DataRequired(), Length(max=64)])
    default_cadence = SelectField("Default check-in cadence", choices=list(CADENCES.items()))
    default_weekday = SelectField("Check-ins are due on", choices=WEEKDAY_CHOICES, coerce=int)
    grace_days = WholeNumberField("Grace period (days) before a check-in counts as missed",
                                  validators=[NumberRange(0, 14)])
    reminder_hour = WholeNumberField("Reminder hour (0–23, organisation time)",
                                     validators=[NumberRange(0, 23)])
    digest_weekday = SelectField("Weekly digest goes out on", choices=WEEKDAY_CHOICES, coerce=int)
    digest_hour = WholeNumberField("Digest hour (0–23, organisation time)",
                                   validators=[NumberRange(0, 23)])
