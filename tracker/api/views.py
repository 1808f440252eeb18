"""The API's operations: parse JSON, ask the policy, call the same services
as the pages and the CSV import, answer JSON or a problem.

Each request shows a token (`Authorization: Bearer …`); the session cookie
is never read here, so a page in another site cannot make a signed-in
browser write through the API (which is why the API needs no CSRF token).
"""

import base64
import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import Response, current_app, g, request, url_for

from tracker import clock, transaction
from tracker.api import bp, problems, services
from tracker.api import schemas as s
from tracker.api.problems import Problem
from tracker.auth.policy import may
from tracker.checkins import saydo
from tracker.checkins import services as checkins
from tracker.checkins.models import CheckIn
from tracker.concurrency import EditConflict
from tracker.ids import parse_id
from tracker.initiatives import services as initiatives
from tracker.initiatives.models import Initiative
from tracker.metrics import services as metrics
from tracker.metrics.models import Metric
from tracker.organisation import services as organisation
from tracker.tokens import services as tokens
from tracker.validation import FieldError

MAX_KEY = 200


# --- every request: a token, within its rate ---------------------------------------------------

@bp.before_request
def authenticate() -> None:
    now = clock.now()
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = tokens.authenticate(secret.strip(), now=now) if scheme.lower() == "bearer" else None
    if token is None:
        raise Problem(401, "Send a valid token: Authorization: Bearer <token>. Tokens are created on "
                           "your account's tokens page; a revoked or expired token, or one whose "
                           "person was deactivated, no longer works.",
                      headers={"WWW-Authenticate": 'Bearer realm="api"'}, kind="unauthenticated")
    wait = tokens.count_request(token, limit=current_app.config["API_REQUESTS_PER_MINUTE"], now=now)
    # The count and the last use are kept whatever becomes of the request
    # (a refused write rolls back only its own work).
    transaction.commit()
    if wait:
        raise Problem(429, f"This token made more than {current_app.config['API_REQUESTS_PER_MINUTE']} "
                           f"requests this minute; try again in {wait} seconds.",
                      headers={"Retry-After": str(wait)}, kind="rate-limited")
    g.api_token = token


@bp.errorhandler(Problem)
def problem_answer(problem: Problem) -> Response:
    return problems.of(problem)


@bp.after_request
def conditional_get(response: Response) -> Response:
    """Every successful GET carries an ETag; a request whose If-None-Match holds it gets 304."""
    if request.method == "GET" and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


def _actor():
    return g.api_token.user


def needs(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the operation run only for a token given `scope`."""
    assert scope in tokens.SCOPES

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not tokens.allows(g.api_token, scope):
                raise Problem(403, f"This token was not given the {scope} scope.", kind="scope")
            return view(*args, **kwargs)

        return wrapped

    return decorator


CONDITIONAL = {
    "parameters": [{"in": "header", "name": "If-None-Match", "required": False,
                    "schema": {"type": "string"},
                    "description": "The ETag of a copy you hold: answered 304 if it is still current."}],
    "responses": {"304": {"description": "Not modified: the copy you hold is current."}},
}
IDEMPOTENT = {
    "parameters": [{"in": "header", "name": "Idempotency-Key", "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
                    "description": "Any unique string (a UUID). A retry with the same key gets the "
                                   "first answer and writes nothing twice (kept 24 hours)."}],
}


def _found(model: type, ident: int) -> Any:
    found = services.get(model, ident)
    if found is None:
        raise Problem(404, f"There is no {model.__name__.lower()} {ident}.")
    return found


# --- cursors ----------------------------------------------------------------------------------

def _after(args: dict[str, Any]) -> int:
    cursor = args.get("cursor")
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        text = ""
    prefix, _, ident = text.partition(":")
    after = parse_id(ident) if prefix == "after" else None
    if after is None:
        raise Problem(400, "The cursor is not one this API gave.",
                      errors=[{"field": "cursor", "message": "Pass the next_cursor of the page before."}])
    return after


def _page(page: services.Slice[Any], items: list[Any], args: dict[str, Any]) -> Response:
    cursor = None
    headers = {}
    if page.next_after is not None:
        cursor = base64.urlsafe_b64encode(f"after:{page.next_after}".encode()).decode().rstrip("=")
        following: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {}), "cursor": cursor}
        headers["Link"] = f'<{url_for(str(request.endpoint), **following)}>; rel="next"'
    return _json({"items": items, "next_cursor": cursor}, 200, headers)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    answer = Response(json.dumps(body), status=status, mimetype="application/json")
    answer.headers.update(headers or {})
    return answer


# --- writes: one commit, the answer stored with it ------------------------------------------------

def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """A write that honours Idempotency-Key: a stored answer for the key is
    given again without running the write; otherwise the write's answer is
    stored in the write's own transaction (see `_finish`)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        g.idempotency = None
        if key is not None:
            if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
                raise Problem(400, "An Idempotency-Key is 1 to 200 printable ASCII characters.",
                              errors=[{"field": "Idempotency-Key", "message": "1 to 200 printable "
                                       "ASCII characters, such as a UUID."}])
            fingerprint = hashlib.sha256(b"\n".join((
                request.method.encode(), request.full_path.encode(), request.get_data()))).hexdigest()
            now = clock.now()
            stored = services.stored_answer(_actor(), key, now=now)
            if stored is not None:
                return _replay(stored, fingerprint)
            g.idempotency = (key, fingerprint, now)
        return view(*args, **kwargs)

    return wrapped


def _replay(stored, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise Problem(422, "This Idempotency-Key was used for a different request; use a new key.",
                      errors=[{"field": "Idempotency-Key", "message": "Already used for another request."}])
    answer = Response(stored.body, status=stored.status,
                      mimetype=problems.MEDIA_TYPE if stored.status >= 400 else "application/json")
    if stored.location:
        answer.headers["Location"] = stored.location
    answer.headers["Idempotent-Replayed"] = "true"
    return answer


def _finish(answer: Response) -> Response:
    """Commit the request's one unit of work, with its answer when a key was sent."""
    if g.get("idempotency"):
        key, fingerprint, now = g.idempotency
        if not services.remember_answer(_actor(), key=key, fingerprint=fingerprint,
                                        status=answer.status_code, body=answer.get_data(as_text=True),
                                        location=answer.headers.get("Location", ""), now=now):
            # The same key, sent again while this one ran, finished first: its
            # write stands and this one is thrown away.
            transaction.rollback()
            stored = services.stored_answer(_actor(), key, now=now)
            if stored is None:
                raise
            return _replay(stored, fingerprint)
    transaction.commit()
    return answer


def _refusal(error: FieldError, *, allowed: bool) -> Response:
    """A service's refusal: 403 when the policy says no, 409 when the record's
    state stands in the way (no field named), else 422 naming each field."""
    transaction.rollback()
    if not allowed:
        status = 403
    elif isinstance(error, EditConflict | checkins.AlreadySubmitted) or all(
            p.field is None for p in error.errors):
        status = 409
    else:
        status = 422
    return _finish(problems.of(problems.refused(error, status)))


# --- dumping ----------------------------------------------------------------------------------

def _record(record: saydo.SayDo) -> dict[str, Any]:
    return {"evidenced": record.evidenced, "unevidenced": record.unevidenced, "talk": record.talk,
            "missed": record.missed, "submitted": record.submitted, "ratio": record.ratio,
            "flags": list(record.flags)}


def _initiatives(found: list[Initiative]) -> list[dict[str, Any]]:
    records = saydo.records_for(found, today=organisation.today(clock.now()))
    out = []
    for initiative in found:
        item = s.InitiativeSchema().dump({
            **{name: getattr(initiative, name) for name in (
                "id", "version", "title", "kind", "status", "description", "burning_platform", "owner_id",
                "sponsor_id", "department_id", "start_date", "due_date", "checkin_cadence",
                "checkin_weekday", "updated_at")},
            "behaviour_ids": sorted(b.id for b in initiative.behaviours),
            "metrics": [{"metric_id": link.metric_id, "expected_direction": link.expected_direction,
                         "expected_amount": link.expected_amount, "expected_by": link.expected_by}
                        for link in initiative.metric_links],
            "saydo": {}})
        item["saydo"] = _record(records.get(initiative.id, saydo.SayDo()))
        out.append(item)
    return out


def _metric(metric: Metric, schema: ma.Schema | None = None, **extra: Any) -> dict[str, Any]:
    values = {name: getattr(metric, name) for name in s.MetricSchema().fields if name != "behaviour_ids"}
    behaviour_ids = sorted(b.id for b in metric.behaviours)
    return (schema or s.MetricSchema()).dump({**values, "behaviour_ids": behaviour_ids, **extra})


# --- read ---------------------------------------------------------------------------------------

@bp.route("/initiatives", methods=["GET"])
@needs("read")
@bp.arguments(s.InitiativeListArgs, location="query", as_kwargs=True)
@bp.response(200, s.InitiativePage)
@bp.doc(**CONDITIONAL, summary="Initiatives, with their behaviours, metrics and say/do record")
def initiative_list(**args: Any) -> Response:
    page = services.initiatives(after=_after(args), limit=args["limit"], status=args.get("status"),
                                owner_id=args.get("owner_id"))
    return _page(page, _initiatives(page.items), args)


@bp.route("/initiatives/<id:initiative_id>", methods=["GET"])
@needs("read")
@bp.response(200, s.InitiativeSchema)
@bp.doc(**CONDITIONAL, summary="One initiative")
def initiative_detail(initiative_id: int) -> Response:
    return _json(_initiatives([_found(Initiative, initiative_id)])[0])


@bp.route("/behaviours", methods=["GET"])
@needs("read")
@bp.arguments(s.PageArgs, location="query", as_kwargs=True)
@bp.response(200, s.BehaviourPage)
@bp.doc(**CONDITIONAL, summary="Target behaviours and no-nos")
def behaviour_list(**args: Any) -> Response:
    page = services.behaviours(after=_after(args), limit=args["limit"])
    return _page(page, s.BehaviourSchema(many=True).dump(page.items), args)


@bp.route("/metrics", methods=["GET"])
@needs("read")
@bp.arguments(s.PageArgs, location="query", as_kwargs=True)
@bp.response(200, s.MetricPage)
@bp.doc(**CONDITIONAL, summary="Metrics")
def metric_list(**args: Any) -> Response:
    page = services.metrics(after=_after(args), limit=args["limit"])
    return _page(page, [_metric(metric) for metric in page.items], args)


@bp.route("/metrics/<id:metric_id>", methods=["GET"])
@needs("read")
@bp.response(200, s.MetricDetailSchema)
@bp.doc(**CONDITIONAL, summary="One metric, with its newest readings")
def metric_detail(metric_id: int) -> Response:
    metric = _found(Metric, metric_id)
    latest = metrics.latest_readings(metric, 10)
    return _json(_metric(metric, s.MetricDetailSchema(), latest_readings=latest))


@bp.route("/metrics/<id:metric_id>/readings", methods=["GET"])
@needs("read")
@bp.arguments(s.PageArgs, location="query", as_kwargs=True)
@bp.response(200, s.ReadingPage)
@bp.doc(**CONDITIONAL, summary="Every reading of a metric, corrections and voids included")
def reading_list(metric_id: int, **args: Any) -> Response:
    metric = _found(Metric, metric_id)
    page = services.readings(metric, after=_after(args), limit=args["limit"])
    return _page(page, s.ReadingSchema(many=True).dump(page.items), args)


@bp.route("/checkins", methods=["GET"])
@needs("read")
@bp.arguments(s.CheckInListArgs, location="query", as_kwargs=True)
@bp.response(200, s.CheckInPage)
@bp.doc(**CONDITIONAL, summary="Check-ins")
def checkin_list(**args: Any) -> Response:
    page = services.checkins(after=_after(args), limit=args["limit"], initiative_id=args.get("initiative_id"),
                             state=args.get("state"))
    return _page(page, s.CheckInSchema(many=True).dump(page.items), args)


@bp.route("/checkins/<id:checkin_id>", methods=["GET"])
@needs("read")
@bp.response(200, s.CheckInDetailSchema)
@bp.doc(**CONDITIONAL, summary="One check-in with its entries and amendments")
def checkin_detail(checkin_id: int) -> Response:
    return _json(s.CheckInDetailSchema().dump(_found(CheckIn, checkin_id)))


@bp.route("/saydo", methods=["GET"])
@needs("read")
@bp.response(200, s.SayDoOverviewSchema)
@bp.doc(**CONDITIONAL,
        summary="Say/do records per owner and per department (per initiative: on each initiative)")
def saydo_overview() -> Response:
    overview = saydo.overview(today=organisation.today(clock.now()))

    def groups(found: list[saydo.GroupRecord]) -> list[dict[str, Any]]:
        return [{"id": group.key, "name": group.name, "initiatives": group.initiatives,
                 "record": _record(group.record)} for group in found]

    return _json({"owners": groups(overview.owners), "departments": groups(overview.departments)})


@bp.route("/people/decisions", methods=["GET"])
@needs("people:read")
@bp.arguments(s.PageArgs, location="query", as_kwargs=True)
@bp.response(200, s.PeopleDecisionPage)
@bp.doc(**CONDITIONAL, summary="People decisions with their evidence (HR, executives and admins)")
def decision_list(**args: Any) -> Response:
    if not may(_actor(), "read_people"):
        raise Problem(403, "Only HR, executives and admins read people decisions.")
    page = services.people_decisions(after=_after(args), limit=args["limit"])
    return _page(page, s.PeopleDecisionSchema(many=True).dump(page.items), args)


# --- write --------------------------------------------------------------------------------------

@bp.route("/metrics/<id:metric_id>/readings", methods=["POST"])
@needs("readings:write")
@idempotent
@bp.arguments(s.ReadingInputSchema)
@bp.response(201, s.ReadingSchema)
@bp.doc(**IDEMPOTENT, summary="Record one reading (the rules of the reading form)")
def reading_create(data: dict[str, Any], metric_id: int) -> Response:
    metric = _found(Metric, metric_id)
    actor, now = _actor(), clock.now()
    try:
        reading = metrics.record_reading(metric, actor=actor, observed_on=data["observed_on"],
                                         value=data["value"], note=data["note"], now=now,
                                         today=organisation.today(now))
    except metrics.MetricError as e:
        return _refusal(e, allowed=may(actor, "record_reading", metric))
    return _finish(_json(s.ReadingSchema().dump(reading), 201, {
        "Location": url_for("api.reading_list", metric_id=metric.id)}))


@bp.route("/readings/bulk", methods=["POST"])
@needs("readings:write")
@idempotent
@bp.arguments(s.BulkReadingsSchema)
@bp.response(201, s.BulkResultSchema)
@bp.doc(**IDEMPOTENT, summary="Record up to 1,000 readings, all or nothing (the rules of the CSV import)")
def reading_bulk(data: dict[str, Any]) -> Response:
    rows = [metrics.ReadingRow(metric=str(row["metric"]), observed_on=row["observed_on"].isoformat(),
                               value=repr(float(row["value"])), note=row["note"])
            for row in data["readings"]]
    now = clock.now()
    result = metrics.store_reading_rows(rows, actor=_actor(), now=now, today=organisation.today(now))
    if result.errors:
        transaction.rollback()
        errors = [{"field": f"/readings/{error.line - 1}/{error.column}" if error.line and error.column
                   else f"/readings/{error.line - 1}" if error.line else None,
                   "row": error.line - 1 if error.line else None, "message": error.message}
                  for error in result.errors]
        more = f" ({result.more_errors} more not listed)" if result.more_errors else ""
        return _finish(problems.response(422, f"Nothing was stored: {len(result.errors)} problem"
                                              f"{'s' if len(result.errors) != 1 else ''} in the rows{more}. "
                                              "Rows are counted from 0.", errors=errors))
    return _finish(_json({"created": len(result.readings)}, 201))


@bp.route("/readings/<id:reading_id>/corrections", methods=["POST"])
@needs("write")
@idempotent
@bp.arguments(s.CorrectionInputSchema)
@bp.response(201, s.ReadingSchema)
@bp.doc(**IDEMPOTENT, summary="Correct a reading: a new reading supersedes it, the original is kept")
def reading_correct(data: dict[str, Any], reading_id: int) -> Response:
    reading = metrics.get_reading(reading_id)
    if reading is None:
        raise Problem(404, f"There is no reading {reading_id}.")
    actor = _actor()
    try:
        correction = metrics.correct_reading(reading, actor=actor, value=data["value"], reason=data["reason"],
                                             now=clock.now())
    except metrics.MetricError as e:
        return _refusal(e, allowed=may(actor, "correct_reading", reading))
    return _finish(_json(s.ReadingSchema().dump(correction), 201))


@bp.route("/checkins/<id:checkin_id>/submission", methods=["POST"])
@needs("write")
@idempotent
@bp.arguments(s.SubmissionSchema)
@bp.response(201, s.CheckInDetailSchema)
@bp.doc(**IDEMPOTENT, summary="Submit your own check-in, classified exactly as on the page")
def checkin_submit(data: dict[str, Any], checkin_id: int) -> Response:
    checkin = _found(CheckIn, checkin_id)
    actor, now = _actor(), clock.now()
    entries = [checkins.EntryInput(**entry) for entry in data["entries"]]
    readings = [checkins.ReadingInput(**reading) for reading in data["readings"]]
    try:
        checkins.submit_checkin(checkin, actor=actor, entries=entries, readings=readings, now=now,
                                today=organisation.today(now))
    except checkins.CheckInError as e:
        return _refusal(e, allowed=may(actor, "report_checkin", checkin))
    return _finish(_json(s.CheckInDetailSchema().dump(checkin), 201))


@bp.route("/initiatives", methods=["POST"])
@needs("write")
@idempotent
@bp.arguments(s.InitiativeInputSchema)
@bp.response(201, s.InitiativeSchema)
@bp.doc(**IDEMPOTENT, summary="Log an initiative (the rules of the form)")
def initiative_create(data: dict[str, Any]) -> Response:
    actor = _actor()
    data["behaviour_ids"] = tuple(data["behaviour_ids"])
    now = clock.now()
    try:
        initiative = initiatives.create_initiative(actor=actor, data=initiatives.InitiativeInput(**data),
                                                   now=now, today=organisation.today(now))
    except initiatives.InitiativeError as e:
        return _refusal(e, allowed=True)
    return _finish(_json(_initiatives([initiative])[0], 201, {
        "Location": url_for("api.initiative_detail", initiative_id=initiative.id)}))


@bp.route("/initiatives/<id:initiative_id>", methods=["PATCH"])
@needs("write")
@idempotent
@bp.arguments(s.InitiativePatchSchema)
@bp.response(200, s.InitiativeSchema)
@bp.doc(**IDEMPOTENT, summary="Change an initiative's fields; those left out keep their value")
def initiative_update(data: dict[str, Any], initiative_id: int) -> Response:
    initiative = _found(Initiative, initiative_id)
    actor = _actor()
    version = data.pop("version", None)
    current = {name: getattr(initiative, name) for name in (
        "title", "kind", "burning_platform", "owner_id", "start_date", "description", "sponsor_id",
        "department_id", "due_date", "checkin_cadence", "checkin_weekday")}
    current["behaviour_ids"] = tuple(b.id for b in initiative.behaviours)
    merged = {**current, **data}
    merged["behaviour_ids"] = tuple(merged["behaviour_ids"])
    try:
        initiatives.update_initiative(initiative, actor=actor, data=initiatives.InitiativeInput(**merged),
                                      now=clock.now(), version=version)
    except (initiatives.InitiativeError, EditConflict) as e:
        return _refusal(e, allowed=may(actor, "edit_initiative", initiative))
    return _finish(_json(_initiatives([initiative])[0], 200))
