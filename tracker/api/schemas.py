"""The API's request and response shapes (marshmallow): the OpenAPI document
is generated from them. Shape only; every rule is the services'."""

import math

import marshmallow as ma
from marshmallow import fields, validate

from tracker.checkins.models import ENTRY_KINDS
from tracker.ids import MAX_ID
from tracker.initiatives.models import INITIATIVE_KINDS, STATUSES
from tracker.metrics.models import CADENCES

MAX_BULK_READINGS = 1000


def Id(**kwargs) -> fields.Integer:  # noqa: N802 (reads as a field type)
    """A row id: a whole number from 1 to MAX_ID (anything else names no row)."""
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)


def Text(max_length: int, **kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class FiniteNumber(fields.Float):
    """A JSON number that is finite (a 400-digit integer is refused, not overflowed)."""

    def _validated(self, value):
        try:
            number = super()._validated(value)
        except OverflowError:
            raise self.make_error("invalid") from None
        if number is not None and not math.isfinite(number):
            raise self.make_error("special")
        return number


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


# --- lists ------------------------------------------------------------------------------------

class PageArgs(Strict):
    cursor = fields.String(validate=validate.Length(max=100), metadata={
        "description": "The next_cursor of the page before; omit for the first page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200),
                           metadata={"description": "Items per page (1 to 200)."})


class InitiativeListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(sorted(STATUSES)))
    owner_id = Id()


class CheckInListArgs(PageArgs):
    initiative_id = Id()
    state = fields.String(validate=validate.OneOf(["open", "submitted", "missed"]))


def page_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(allow_none=True, required=True, metadata={
            "description": "Pass as ?cursor= for the next page; null on the last page."}),
    }, name=name)


# --- resources --------------------------------------------------------------------------------

class SayDoSchema(ma.Schema):
    evidenced = fields.Integer(required=True)
    unevidenced = fields.Integer(required=True)
    talk = fields.Integer(required=True)
    missed = fields.Integer(required=True)
    submitted = fields.Integer(required=True)
    ratio = fields.Float(allow_none=True, required=True, metadata={
        "description": "Share of what was reported that was done; null when nothing was reported."})
    flags = fields.List(fields.String(), required=True, metadata={
        "description": "talk_only, gone_quiet, unmeasured, off_track"})


class MetricLinkSchema(ma.Schema):
    metric_id = fields.Integer(required=True)
    expected_direction = fields.String(required=True)
    expected_amount = fields.Float(required=True)
    expected_by = fields.Date(required=True)


class InitiativeSchema(ma.Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "Send it back with an update to refuse it if someone saved since."})
    title = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    description = fields.String(required=True)
    burning_platform = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    sponsor_id = fields.Integer(allow_none=True, required=True)
    department_id = fields.Integer(allow_none=True, required=True)
    start_date = fields.Date(required=True)
    due_date = fields.Date(allow_none=True, required=True)
    checkin_cadence = fields.String(allow_none=True, required=True)
    checkin_weekday = fields.Integer(allow_none=True, required=True)
    behaviour_ids = fields.List(fields.Integer(), required=True)
    metrics = fields.List(fields.Nested(MetricLinkSchema), required=True)
    saydo = fields.Nested(SayDoSchema, required=True)
    updated_at = fields.DateTime(required=True)


class InitiativeInputSchema(Strict):
    title = Text(200, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(sorted(INITIATIVE_KINDS)))
    burning_platform = Text(10_000, required=True)
    owner_id = Id(required=True)
    start_date = fields.Date(required=True)
    description = Text(10_000, load_default="")
    sponsor_id = Id(allow_none=True, load_default=None)
    department_id = Id(allow_none=True, load_default=None)
    due_date = fields.Date(allow_none=True, load_default=None)
    behaviour_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    checkin_cadence = fields.String(allow_none=True, load_default=None,
                                    validate=validate.OneOf(sorted(CADENCES)))
    checkin_weekday = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 6))


class InitiativePatchSchema(Strict):
    """Any fields of an initiative; those left out keep their value."""

    title = Text(200)
    kind = fields.String(validate=validate.OneOf(sorted(INITIATIVE_KINDS)))
    burning_platform = Text(10_000)
    owner_id = Id()
    start_date = fields.Date()
    description = Text(10_000)
    sponsor_id = Id(allow_none=True)
    department_id = Id(allow_none=True)
    due_date = fields.Date(allow_none=True)
    behaviour_ids = fields.List(Id(), validate=validate.Length(max=100))
    checkin_cadence = fields.String(allow_none=True, validate=validate.OneOf(sorted(CADENCES)))
    checkin_weekday = fields.Integer(allow_none=True, validate=validate.Range(0, 6))
    version = fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), metadata={
        "description": "The version you read; refused with 409 if someone saved since."})


class BehaviourSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "target or no_no"})
    from_behaviour = fields.String(required=True)
    to_behaviour = fields.String(required=True)


class ReadingSchema(ma.Schema):
    id = fields.Integer(required=True)
    metric_id = fields.Integer(required=True)
    observed_on = fields.Date(required=True)
    value = fields.Float(required=True)
    note = fields.String(required=True)
    recorded_by_id = fields.Integer(allow_none=True, required=True)
    recorded_at = fields.DateTime(required=True)
    is_current = fields.Boolean(required=True, metadata={
        "description": "False once corrected or voided; only current readings count in any figure."})
    voided = fields.Boolean(required=True)
    supersedes_id = fields.Integer(allow_none=True, required=True)
    reason = fields.String(required=True)


class MetricSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    direction = fields.String(required=True)
    baseline = fields.Float(required=True)
    target = fields.Float(required=True)
    target_date = fields.Date(required=True)
    cadence = fields.String(required=True)
    source = fields.String(required=True)
    standard = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    department_id = fields.Integer(allow_none=True, required=True)
    min_value = fields.Float(allow_none=True, required=True)
    max_value = fields.Float(allow_none=True, required=True)
    behaviour_ids = fields.List(fields.Integer(), required=True)


class MetricDetailSchema(MetricSchema):
    latest_readings = fields.List(fields.Nested(ReadingSchema), required=True, metadata={
        "description": "The newest 10 current readings, newest first; page through all of them at "
                       "/metrics/{metric_id}/readings."})


class ReadingInputSchema(Strict):
    observed_on = fields.Date(required=True)
    value = FiniteNumber(required=True)
    note = Text(2000, load_default="")


class BulkRowSchema(Strict):
    metric = fields.Raw(required=True, metadata={
        "description": "The metric's id or its exact name", "type": ["integer", "string"]})
    observed_on = fields.Date(required=True)
    value = FiniteNumber(required=True)
    note = Text(2000, load_default="")

    @ma.validates("metric")
    def _metric(self, value, **kwargs) -> None:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ma.ValidationError("Give the metric's id or its exact name.")
        if isinstance(value, str) and len(value) > 200:
            raise ma.ValidationError("A metric's name is at most 200 characters.")


class BulkReadingsSchema(Strict):
    readings = fields.List(fields.Nested(BulkRowSchema), required=True,
                           validate=validate.Length(1, MAX_BULK_READINGS))


class BulkResultSchema(ma.Schema):
    created = fields.Integer(required=True, metadata={"description": "How many readings were stored"})


class CorrectionInputSchema(Strict):
    value = FiniteNumber(required=True)
    reason = Text(2000, required=True)


class EntrySchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    text = fields.String(required=True)
    happened_on = fields.Date(allow_none=True, required=True)
    done_by = fields.String(required=True)
    evidence = fields.String(required=True)
    behaviour_id = fields.Integer(allow_none=True, required=True)
    suggested_kind = fields.String(required=True, metadata={"description": "The classifier's suggestion"})
    reasons = fields.List(fields.String(), required=True, metadata={"description": "Why it suggested that"})
    review_state = fields.String(required=True)
    reviewed_kind = fields.String(allow_none=True, required=True)
    amends_id = fields.Integer(allow_none=True, required=True)
    is_amendment = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class CheckInSchema(ma.Schema):
    id = fields.Integer(required=True)
    initiative_id = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    due_on = fields.Date(required=True)
    state = fields.String(required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    submitted_by_id = fields.Integer(allow_none=True, required=True)
    evidenced_count = fields.Integer(required=True)
    unevidenced_count = fields.Integer(required=True)
    talk_count = fields.Integer(required=True)


class CheckInDetailSchema(CheckInSchema):
    entries = fields.List(fields.Nested(EntrySchema), required=True)


class EntryInputSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(ENTRY_KINDS)))
    text = Text(5000, required=True)
    happened_on = fields.Date(allow_none=True, load_default=None)
    done_by = Text(200, load_default="")
    evidence = Text(500, load_default="")
    behaviour_id = Id(allow_none=True, load_default=None)


class CheckInReadingInputSchema(Strict):
    metric_id = Id(required=True)
    value = FiniteNumber(required=True)
    observed_on = fields.Date(required=True)
    note = Text(2000, load_default="")


class SubmissionSchema(Strict):
    entries = fields.List(fields.Nested(EntryInputSchema), required=True, validate=validate.Length(1, 100))
    readings = fields.List(fields.Nested(CheckInReadingInputSchema), load_default=list,
                           validate=validate.Length(max=100))


class GroupRecordSchema(ma.Schema):
    id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The owner's or department's id; null for initiatives without a department"})
    name = fields.String(required=True)
    initiatives = fields.Integer(required=True)
    record = fields.Nested(SayDoSchema, required=True)


class SayDoOverviewSchema(ma.Schema):
    owners = fields.List(fields.Nested(GroupRecordSchema), required=True)
    departments = fields.List(fields.Nested(GroupRecordSchema), required=True)


class EvidenceSchema(ma.Schema):
    behaviour_id = fields.Integer(required=True)
    what = fields.String(required=True)
    observed_on = fields.Date(required=True)
    where_recorded = fields.String(required=True)


class PeopleDecisionSchema(ma.Schema):
    id = fields.Integer(required=True)
    person_name = fields.String(required=True)
    employee_ref = fields.String(required=True)
    user_id = fields.Integer(allow_none=True, required=True)
    kind = fields.String(required=True)
    effective_date = fields.Date(required=True)
    role_from = fields.String(required=True)
    role_to = fields.String(required=True)
    department_id = fields.Integer(required=True)
    decided_by = fields.String(required=True)
    rationale = fields.String(required=True)
    initiative_id = fields.Integer(allow_none=True, required=True)
    aligned = fields.Boolean(required=True)
    alignment_reasons = fields.List(fields.String(), required=True)
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)


InitiativePage = page_of(InitiativeSchema, "InitiativePage")
BehaviourPage = page_of(BehaviourSchema, "BehaviourPage")
MetricPage = page_of(MetricSchema, "MetricPage")
ReadingPage = page_of(ReadingSchema, "ReadingPage")
CheckInPage = page_of(CheckInSchema, "CheckInPage")
PeopleDecisionPage = page_of(PeopleDecisionSchema, "PeopleDecisionPage")
