"""Initiative forms: shape only. Rules live in `tracker.initiatives.services`."""

from collections.abc import Iterable, Mapping

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from tracker.accounts.picker import account_shown, resolve_account
from tracker.accounts.services import MAX_DISPLAY_NAME
from tracker.calendar import CADENCES, WEEKDAYS
from tracker.concurrency import VersionedForm
from tracker.forms import CheckboxesField, LongSelectField, PickerField, TrackerForm
from tracker.ids import MAX_ID, form_id, parse_id
from tracker.initiatives.models import EXPECTED_DIRECTIONS, INITIATIVE_KINDS, STATUSES
from tracker.initiatives.services import (
    MAX_TEXT,
    MAX_TITLE,
    SORTS,
    START_STATUSES,
    InitiativeFilters,
    InitiativeInput,
    MetricLinkInput,
)
from tracker.options import Options
from tracker.validators import too_long

SORT_LABELS = {"updated": "Recently updated", "title": "Title", "due": "Due date",
               "start": "Start date (newest)", "status": "Status"}
NONE_CHOICE = (0, "— none —")


class InitiativeForm(VersionedForm, TrackerForm):
    title = StringField("Title", validators=[DataRequired(), too_long("The title", MAX_TITLE)])
    # Not limited to the choices: the service says what is wrong with a missing kind.
    kind = SelectField("Kind of move", choices=[("", "— choose —"), *INITIATIVE_KINDS.items()],
                       validate_choice=False)
    burning_platform = TextAreaField(
        "Burning platform",
        validators=[DataRequired(message="Say why now, and what happens if we don't."),
                    too_long("The burning-platform statement", MAX_TEXT)],
        description="Why now? What happens if we don't?",
    )
    description = TextAreaField(
        "Description",
        validators=[Optional(), too_long("The description", MAX_TEXT)],
        description="What will be done, concretely: contracts, offices, people, rules.",
    )
    # Typed, with suggestions: a select of every person grows with the organisation.
    owner_id = PickerField("Owner", resolve=resolve_account, shown=account_shown,
                           search_endpoint="accounts.people_search",
                           description="Type a name or email, then choose from the suggestions.")
    sponsor_id = SelectField("Sponsor", coerce=form_id,
                             description="An executive who backs the move. Optional.")
    department_id = SelectField("Department", coerce=form_id)
    # InputRequired, not DataRequired: an unreadable date keeps its "Not a valid date" message.
    start_date = DateField("Start date", validators=[InputRequired(message="Give a start date.")])
    due_date = DateField("Due date", validators=[Optional()])
    behaviour_ids = CheckboxesField(
        "Behaviours it targets", coerce=form_id,
        description="Target behaviours it should grow, or no-nos it should remove.",
    )

    # Not limited to the choices: left out of a post it keeps the stored value,
    # and the service refuses anything that is not a cadence or a weekday.
    checkin_cadence = SelectField(
        "Check-ins", choices=[("", "Organisation default"), *CADENCES.items()], default="",
        validate_choice=False, description="How often the owner reports on it.")
    checkin_weekday = SelectField(
        "Due on", coerce=int, default=-1, validate_choice=False,
        choices=[(-1, "Organisation default"), *((i, name) for i, name in enumerate(WEEKDAYS))])

    def set_choices(self, leaders, departments, behaviours) -> None:
        # Sponsors stay a select: only leaders may sponsor, and they are few.
        self.sponsor_id.choices = [NONE_CHOICE] + [(u.id, u.display_name) for u in leaders]
        self.department_id.choices = [NONE_CHOICE] + [(d.id, d.name) for d in departments]
        targets = [(b.id, b.name) for b in behaviours if not b.is_no_no]
        no_nos = [(b.id, b.name) for b in behaviours if b.is_no_no]
        # Groups keep target behaviours and no-nos apart.
        self.behaviour_ids.choices = {"Target behaviours": targets, "No-nos (to remove)": no_nos}

    def to_input(self) -> InitiativeInput:
        return InitiativeInput(
            title=self.title.data or "",
            kind=self.kind.data,
            burning_platform=self.burning_platform.data or "",
            description=self.description.data or "",
            owner_id=self.owner_id.data or 0,
            sponsor_id=self.sponsor_id.data or None,
            department_id=self.department_id.data or None,
            start_date=self.start_date.data,
            due_date=self.due_date.data,
            behaviour_ids=tuple(self.behaviour_ids.data or ()),
            checkin_cadence=self.checkin_cadence.data or None,
            checkin_weekday=None if self.checkin_weekday.data in (None, -1) else self.checkin_weekday.data,
        )


def _expected_direction_field() -> SelectField:
    # Blank is the metric's better direction, the only one the service accepts
    # (an initiative moves a metric toward its target); the choice stays visible.
    return SelectField("Expected change", default="", validate_choice=False,
                       choices=[("", "Toward its target"), *EXPECTED_DIRECTIONS.items()])


class NewInitiativeForm(InitiativeForm):
    """Logging an initiative: its starting status, and optionally the metric it
    should move, in the same step."""

    status = SelectField(
        "Starts as", choices=[(s, STATUSES[s]) for s in START_STATUSES], default="proposed",
        validate_choice=False,
        description="Proposed: still being decided. Announced or in progress: check-ins start now.")
    metric_id = LongSelectField("Metric", first=[(0, "— none yet —")],
                                description="Optional, and more can be linked later; until one "
                                            "is, the initiative is still talk.")
    expected_direction = _expected_direction_field()
    expected_amount = StringField("By how much", validators=[Optional(), Length(max=40)],
                                  description="In the metric's unit.")
    expected_by = DateField("By when", validators=[Optional()])

    def set_metrics(self, metrics: Options) -> None:
        self.metric_id.offer(metrics)

    def metric_link(self) -> MetricLinkInput | None:
        """The metric to link as the initiative is logged, or None for none."""
        if not self.metric_id.data:
            return None
        return MetricLinkInput(metric_id=self.metric_id.data,
                               expected_direction=self.expected_direction.data or "",
                               expected_amount=(self.expected_amount.data or "").strip(),
                               expected_by=self.expected_by.data)


class StatusForm(TrackerForm):
    # Any status is accepted here: the service says why a transition is impossible.
    status = SelectField("New status", choices=list(STATUSES.items()), validate_choice=False,
                         validators=[DataRequired(message="Choose the new status.")])
    reason = TextAreaField(
        "Reason", validators=[Optional(), too_long("The reason", MAX_TEXT)],
        description="Required when abandoning: say why, so the next attempt learns from it.",
    )

    def offer(self, current_status: str, transitions: Mapping[str, tuple[str, ...]]) -> None:
        allowed = transitions.get(current_status, ())
        # No status preselected: a slip of the finger must not mark an initiative done.
        self.status.choices = [("", "— choose —")] + [(s, STATUSES[s]) for s in allowed] \
            if allowed else []


class LinkMetricForm(TrackerForm):
    # Not limited to the offered choices: the service explains a metric linked twice.
    metric_id = LongSelectField("Metric", validators=[
        NumberRange(min=1, max=MAX_ID, message="Choose a metric.")])
    expected_direction = _expected_direction_field()
    expected_amount = StringField("By how much",
                                  validators=[DataRequired(message="Say by how much."),
                                              Length(max=40)],
                                  description="In the metric's unit.")
    expected_by = DateField("By when", validators=[InputRequired(message="Say by when.")])

    def set_metrics(self, metrics: Options, linked: Iterable[int]) -> None:
        """Offer `metrics` but those `linked` already."""
        self.metric_id.offer(metrics, leave_out=linked)


def filters_from_args(args: Mapping[str, str]) -> InitiativeFilters:
    """The list filters from a query string. Values that mean nothing are
    dropped, never an error: a hand-edited URL still shows a list."""
    status = args.get("status", "")
    kind = args.get("kind", "")
    sort = args.get("sort", "")
    return InitiativeFilters(
        status=status if status in STATUSES else "",
        kind=kind if kind in INITIATIVE_KINDS else "",
        department_id=parse_id(args.get("department_id")),
        owner_id=parse_id(args.get("owner_id")),
        # No name is longer than its column, and no database stores NUL.
        owner=" ".join(args.get("owner", "").replace("\x00", "").split())[:MAX_DISPLAY_NAME],
        unmeasured=args.get("unmeasured", "") in ("1", "on", "true", "y", "yes"),
        sort=sort if sort in SORTS else "updated",
    )
