"""Incentive forms: shape only. Rules live in `tracker.incentives.services`."""

from wtforms import DateField, FloatField, HiddenField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from tracker.accounts.picker import account_shown, resolve_account
from tracker.forms import LongSelectField, PickerField, TrackerForm
from tracker.ids import form_id
from tracker.incentives.models import SOURCES, VERDICTS
from tracker.incentives.services import (
    MAX_GROUP,
    MAX_REASON,
    MAX_REWARDS,
    MAX_ROLE,
    IncentiveInput,
)
from tracker.options import Options
from tracker.validators import too_long

NONE_CHOICE = (0, "— none —")


class IncentiveForm(TrackerForm):
    # Not limited to the choices: the service names what is wrong.
    department_id = SelectField("Department paid on it", coerce=form_id, validate_choice=False)
    role_name = StringField("Role", validators=[Optional(), too_long("The role", MAX_ROLE)],
                            description="The job role measured on it, if not the whole "
                                        "department: 'Account executives'. Everyone sees it.")
    named_group = StringField(
        "Named group", validators=[Optional(), too_long("The named group", MAX_GROUP)],
        description="A named group paid on it ('2026 President's Club'). Only HR, executives "
                    "and admins see it.")
    rewards = StringField("What it rewards", validators=[too_long("What it rewards", MAX_REWARDS)],
                          description="In words: 'new customers signed', 'cost per order'.")
    metric_id = LongSelectField("Linked metric", first=[NONE_CHOICE],
                                description="Optional: the metric it pays on. The app suggests "
                                            "judgements from it.")
    rewarded_direction = SelectField(
        "It pays for the metric to", validate_choice=False,
        choices=[SelectChoice("", "— choose —"), SelectChoice("increase", "go up"),
                 SelectChoice("decrease", "go down")])
    weight_percent = FloatField("Weight (% of bonus or commission)", validators=[Optional()],
                                description="If known. Only HR, executives and admins see it.")
    source = SelectField("Source", choices=[SelectChoice("", "— choose —"),
                                  *(SelectChoice(k, v) for k, v in SOURCES.items())],
                         validate_choice=False)
    status = SelectField("Status", choices=[SelectChoice("in_effect", "In effect"),
                                  SelectChoice("proposed", "Proposed")],
                         validate_choice=False,
                         description="Proposed: not paid yet; an incentive-change initiative "
                                     "can bring it in.")
    effective_from = DateField("In effect from", validators=[Optional()])
    # Typed, with suggestions: a select of every person grows with the organisation.
    owner_id = PickerField("Owner", resolve=resolve_account, shown=account_shown,
                           search_endpoint="accounts.people_search",
                           description="Type a name or email, then choose from the suggestions.")

    def set_choices(self, departments, metrics: Options) -> None:
        self.department_id.choices = [(0, "— choose —")] + [(d.id, d.name) for d in departments]
        self.metric_id.offer(metrics)

    def to_input(self) -> IncentiveInput:
        return IncentiveInput(
            department_id=self.department_id.data or None, rewards=self.rewards.data or "",
            source=self.source.data or "", owner_id=self.owner_id.data or None,
            status=self.status.data or "", effective_from=self.effective_from.data,
            role_name=self.role_name.data or "", named_group=self.named_group.data or "",
            metric_id=self.metric_id.data or None,
            rewarded_direction=self.rewarded_direction.data or None,
            weight_percent=self.weight_percent.data,
        )


class JudgementForm(TrackerForm):
    behaviour_id = HiddenField()
    verdict = SelectField("Judgement", choices=[SelectChoice(k, v) for k, v in VERDICTS.items()],
                          validate_choice=False,
                          description="About the change: for a no-no, 'supports' means it "
                                      "helps the no-no go away.")
    reason = StringField("Reason, in one line", validators=[too_long("The reason", MAX_REASON)])


class ChangeForm(TrackerForm):
    incentive_id = LongSelectField("Incentive it changes", first=[(0, "— choose —")])
    replacement_id = LongSelectField("Replaced by", first=[NONE_CHOICE],
                                     description="A proposed incentive that takes effect when the "
                                                 "change happens. Optional.")

    def set_choices(self, in_effect: Options, proposed: Options) -> None:
        self.incentive_id.offer(in_effect)
        self.replacement_id.offer(proposed)


