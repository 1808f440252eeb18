"""People-decision forms: shape only. The rules (which evidence fits which
kind, dates, unknown accounts) live in `tracker.people.decisions`."""

from collections.abc import Mapping

from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.fields import DateField, FieldList, FormField, SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from tracker.accounts.picker import account_shown, resolve_account
from tracker.calendar import Quarter
from tracker.concurrency import VersionedForm
from tracker.forms import LongSelectField, PickerField, TrackerForm
from tracker.ids import form_id, parse_id
from tracker.initiatives.picker import initiative_shown, resolve_initiative
from tracker.options import Options
from tracker.people.decisions import (
    MAX_EVIDENCE,
    MAX_NAME,
    MAX_REF,
    MAX_ROLE,
    MAX_TEXT,
    MAX_WHAT,
    MAX_WHERE,
    DecisionInput,
    EvidenceInput,
)
from tracker.people.models import DECISION_KINDS
from tracker.people.queries import DecisionFilters
from tracker.validators import too_long

DEFAULT_ROWS = 2
NONE_CHOICE = (0, "— none —")


def behaviour_choices(behaviours) -> list[SelectChoice]:
    """Target behaviours and no-nos in their own groups, so HR sees which is which."""
    return (
        [SelectChoice(0, "— choose —")]
        + [SelectChoice(b.id, b.name, optgroup="Target behaviours (rewarded)")
           for b in behaviours if not b.is_no_no]
        + [SelectChoice(b.id, b.name, optgroup="No-nos (removed by a demotion or exit)")
           for b in behaviours if b.is_no_no]
    )


class _EvidenceFields(Form):
    """One piece of evidence. A row left empty is ignored."""

    # Not limited to the offered choices: the service explains an unknown behaviour.
    behaviour_id = SelectField("Behaviour", coerce=form_id, validate_choice=False,
                               validators=[Optional()])
    what = TextAreaField("What the person did", validators=[
        Optional(), too_long("What the person did", MAX_WHAT)])
    observed_on = DateField("When", validators=[Optional()])
    where = StringField("Where it is recorded", validators=[
        Optional(), too_long("Where it is recorded", MAX_WHERE)],
        description="A case number, a file, a link.")
    # Recognition only: the service refuses them on any other kind.
    customer_metric_id = LongSelectField("Customer-perceived metric", first=[NONE_CHOICE],
                                         validators=[Optional()],
                                         description="Recognition only: what customers reported.")
    customer_words = TextAreaField("The customer's words", validators=[
        Optional(), too_long("The customer's words", MAX_WHAT)],
        description="Recognition only: what a customer said about it.")

    def to_input(self) -> EvidenceInput:
        return EvidenceInput(behaviour_id=self.behaviour_id.data or None,
                             what=self.what.data or "", observed_on=self.observed_on.data,
                             where=self.where.data or "",
                             customer_metric_id=self.customer_metric_id.data or None,
                             customer_words=self.customer_words.data or "")


class DecisionForm(VersionedForm, TrackerForm):
    person_name = StringField("Person's name", validators=[
        DataRequired(message="Give the person's name."), too_long("The name", MAX_NAME)])
    employee_ref = StringField("Employee reference", validators=[
        DataRequired(message="Give the employee reference."),
        too_long("The employee reference", MAX_REF)],
        description="Ties this person's decisions together, so a promotion sees an earlier no-no.")
    # Typed, with suggestions: selects of every account and every initiative
    # grow with the organisation.
    user_id = PickerField("User account", resolve=resolve_account, shown=account_shown,
                          search_endpoint="accounts.people_search",
                          description="Only if the person has an account here. Optional: "
                                      "type a name or email, then choose from the suggestions.")
    kind = SelectField("Kind of decision", validate_choice=False, validators=[
        InputRequired(message="Choose what kind of decision this is.")], choices=[
        SelectChoice("", "— choose —"), *(SelectChoice(k, v) for k, v in DECISION_KINDS.items())])
    effective_date = DateField("Effective date", validators=[
        InputRequired(message="Give the date the decision takes effect.")])
    role_from = StringField("Role from", validators=[
        Optional(), too_long("The role they leave", MAX_ROLE)],
        description="Empty for a hire.")
    role_to = StringField("Role to", validators=[
        Optional(), too_long("The role they take", MAX_ROLE)],
        description="Empty for an exit.")
    department_id = SelectField("Department", coerce=form_id, validate_choice=False)
    decided_by = StringField("Decided by", validators=[
        DataRequired(message="Say who made the decision."), too_long("Who decided", MAX_NAME)],
        description="Name and role of whoever made the call.")
    rationale = TextAreaField("Rationale", validators=[
        DataRequired(message="Give the rationale."), too_long("The rationale", MAX_TEXT)],
        description="In HR's words. Nothing here is inferred or added by the app.")
    initiative_id = PickerField("Linked initiative", resolve=resolve_initiative,
                                shown=initiative_shown, search_endpoint="initiatives.search",
                                description="Optional: type part of its title or its number "
                                            "(#12), then choose from the suggestions.")
    evidence = FieldList(FormField(_EvidenceFields), min_entries=1, max_entries=MAX_EVIDENCE)

    def set_choices(self, departments, behaviours, customer_metrics: Options) -> None:
        """Selects: departments, behaviours and, in every evidence row, the
        customer metrics (kept options: there may be hundreds)."""
        self.department_id.choices = [SelectChoice(0, "— choose —")] + [
            SelectChoice(d.id, d.name) for d in departments]
        choices = behaviour_choices(behaviours)
        for row in self.evidence:
            row.form.behaviour_id.choices = choices
            row.form.customer_metric_id.offer(customer_metrics)

    def to_input(self) -> DecisionInput:
        return DecisionInput(
            person_name=self.person_name.data or "",
            employee_ref=self.employee_ref.data or "",
            user_id=self.user_id.data or None,
            kind=self.kind.data or "",
            effective_date=self.effective_date.data,
            role_from=self.role_from.data or "",
            role_to=self.role_to.data or "",
            department_id=self.department_id.data or None,
            decided_by=self.decided_by.data or "",
            rationale=self.rationale.data or "",
            initiative_id=self.initiative_id.data or None,
            evidence=tuple(row.form.to_input() for row in self.evidence),
        )


def filters_from_args(args: Mapping[str, str]) -> DecisionFilters:
    """The list filters from a query string. Values that mean nothing are
    dropped, never an error: a hand-edited URL still shows a list."""
    kind = args.get("kind", "")
    aligned = {"yes": True, "no": False}.get(args.get("aligned", ""))
    return DecisionFilters(
        quarter=Quarter.parse(args.get("quarter")),
        department_id=parse_id(args.get("department_id")),
        kind=kind if kind in DECISION_KINDS else "",
        aligned=aligned,
    )


def department_from_args(args: Mapping[str, str]) -> int | None:
    return parse_id(args.get("department_id"))


def rows_from_args(args: Mapping[str, str], default: int = DEFAULT_ROWS) -> int:
    """`?rows=N` asks for N evidence rows, within 1 and the maximum."""
    value = (args.get("rows") or "").strip()
    rows = int(value) if value.isdecimal() and len(value) < 4 else default
    return max(1, min(rows, MAX_EVIDENCE))
