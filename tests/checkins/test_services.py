"""Check-in rules, without HTTP."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from tests import factories
from tracker.calendar import period_containing
from tracker.checkins import saydo
from tracker.checkins import services as checkins
from tracker.checkins.models import CheckIn, Entry
from tracker.extensions import db
from tracker.metrics.models import Reading

NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def setup(ctx):
    owner = factories.make_user("member", name="Sam Owner")
    initiative = factories.make_initiative(owner=owner, status="in_progress",
                                           start_date=date(2026, 1, 5))
    checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
    db.session.commit()
    return owner, initiative, checkin


def submit(checkin, owner, entries, **kw):
    return checkins.submit_checkin(checkin, actor=owner, entries=entries, now=NOW, today=TODAY, **kw)


def test_open_checkin_is_idempotent_per_period(setup):
    _, initiative, checkin = setup
    again, created = checkins.open_checkin(initiative, period_containing(date(2026, 3, 4), "weekly", 4))
    assert again.id == checkin.id and created is False
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_submit_stores_entries_with_suggestions_and_flags_disagreement(setup):
    owner, _, checkin = setup
    submit(checkin, owner, [factories.action(), factories.talk(),
                            checkins.EntryInput(kind="action",
                                                text="Planning to review contracts next quarter",
                                                happened_on=date(2026, 3, 2), done_by="Sam")])
    db.session.commit()
    entries = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    assert checkin.state == "submitted" and checkin.submitted_at == NOW
    assert [e.suggested_kind for e in entries] == ["action", "talk", "talk"]
    assert [e.review_state for e in entries] == ["none", "none", "pending"]
    assert any("will" in r for r in entries[1].reasons)


def test_submitted_checkin_cannot_be_submitted_again(setup):
    owner, _, checkin = setup
    submit(checkin, owner, [factories.action()])
    db.session.commit()
    with pytest.raises(checkins.AlreadySubmitted):
        submit(checkin, owner, [factories.talk()])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_stale_copy_of_an_open_checkin_cannot_submit_twice(setup):
    """Two tabs: the second still believes the check-in is open when the first has submitted it."""
    owner, _, checkin = setup
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(update(CheckIn).where(CheckIn.id == checkin.id).values(state="submitted"))
    set_committed_value(checkin, "state", "open")
    with pytest.raises(checkins.AlreadySubmitted):
        submit(checkin, owner, [factories.talk()])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


@pytest.mark.parametrize(
    ("entry", "message", "field"),
    [
        (factories.action(on=date(2026, 3, 9)), "cannot be dated in the future", "happened_on"),
        (factories.action(on=date(2025, 1, 1)), "before the initiative existed", "happened_on"),
        (factories.action(evidence="trust me"), "Evidence must be a link", "evidence"),
        (factories.action(done_by=""), "Say who did it", "done_by"),
        (factories.talk("x" * 100_000), "at most 5,000 characters", "text"),
    ],
)
def test_bad_entries_are_refused_naming_the_field_and_nothing_is_stored(setup, entry, message, field):
    owner, _, checkin = setup
    with pytest.raises(checkins.CheckInError, match=message) as refused:
        submit(checkin, owner, [factories.talk(), entry])
    assert refused.value.field == f"entries-1-{field}"  # the second row, counted from 0
    db.session.rollback()
    assert db.session.get(CheckIn, checkin.id).state == "open"
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_every_problem_of_a_submission_is_reported_at_once_each_naming_its_field(setup):
    owner, initiative, checkin = setup
    metric = factories.make_metric(owner=owner)
    from tracker.initiatives import services as initiatives

    initiatives.link_metric(initiative, actor=owner, metric_id=metric.id, expected_direction="increase",
                            expected_amount=5, expected_by=date(2026, 12, 1), now=NOW)
    blank = checkins.EntryInput(kind="", text="")
    with pytest.raises(checkins.CheckInError) as refused:
        submit(checkin, owner, [factories.action(evidence="trust me", done_by=""), blank,
                                factories.action(on=date(2026, 3, 9))],
               readings=[checkins.ReadingInput(metric.id, "", None),
                         checkins.ReadingInput(metric.id, "lots", date(2026, 3, 5))])
    assert [(p.field, p.message) for p in refused.value.errors] == [
        ("entries-0-done_by", "Say who did it."),
        ("entries-0-evidence", "Evidence must be a link (https://…) or a reference such as "
                               "'contract #4471' or 'PO-2291'."),
        ("entries-2-happened_on", "An action cannot be dated in the future; plans are talk."),
        ("readings-1-value", f"{metric.name}: The value must be a number."),
    ]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_every_problem_of_an_amendment_is_reported_at_once_each_naming_its_field(setup):
    owner, _, checkin = setup
    submit(checkin, owner, [factories.talk()])
    with pytest.raises(checkins.CheckInError) as refused:
        checkins.amend(checkin, actor=owner, data=checkins.EntryInput(kind="action", text="Did it",
                                                                      happened_on=date(2026, 3, 9)),
                       note=" ", amends_id=999_999, now=NOW, today=TODAY)
    assert [p.field for p in refused.value.errors] == ["note", "amends_id", "happened_on", "done_by"]


def test_empty_checkin_is_refused(setup):
    owner, _, checkin = setup
    with pytest.raises(checkins.CheckInError, match="at least one entry"):
        submit(checkin, owner, [checkins.EntryInput(kind="talk", text="   ")])


def test_only_the_owner_reports(setup):
    _, _, checkin = setup
    other = factories.make_user("executive")
    with pytest.raises(checkins.CheckInError, match="owner"):
        submit(checkin, other, [factories.action()])


def test_action_without_evidence_is_stored_unevidenced(setup):
    owner, initiative, checkin = setup
    submit(checkin, owner, [factories.action(evidence="")])
    db.session.commit()
    record = saydo.records_for([initiative], today=TODAY)[initiative.id]
    assert (record.evidenced, record.unevidenced) == (0, 1)


def test_evidence_accepts_links_and_references():
    assert checkins.evidence_kind("https://intranet/contracts/4471") == "link"
    assert checkins.evidence_kind("contract #4471") == "reference"
    assert checkins.evidence_kind("PO-2291") == "reference"
    assert checkins.evidence_kind("see above") is None
    assert checkins.evidence_kind("javascript:alert(1)") is None


def test_amendment_keeps_the_original_and_counts_instead(setup):
    owner, initiative, checkin = setup
    submit(checkin, owner, [factories.action(evidence="")])
    db.session.commit()
    original = checkin.entries[0]
    checkins.amend(checkin, actor=owner, data=factories.talk("Only discussed terminating the contract"),
                   note="It was not signed yet", amends_id=original.id, now=NOW, today=TODAY)
    db.session.commit()
    assert db.session.get(Entry, original.id).text == "Terminated the Acme call-centre contract"
    record = saydo.records_for([initiative], today=TODAY)[initiative.id]
    assert (record.actions, record.talk) == (0, 1)
    with pytest.raises(checkins.CheckInError, match="already amended"):
        checkins.amend(checkin, actor=owner, data=factories.talk(), note="again", amends_id=original.id,
                       now=NOW, today=TODAY)


def test_executive_reclassifies_flagged_entry_and_it_counts_as_reclassified(setup):
    owner, initiative, checkin = setup
    submit(checkin, owner, [checkins.EntryInput(kind="action", text="We will terminate the contract soon",
                                                happened_on=date(2026, 3, 2), done_by="Sam")])
    db.session.commit()
    entry = checkin.entries[0]
    assert entry.review_state == "pending"
    member = factories.make_user("member")
    with pytest.raises(checkins.CheckInError):
        checkins.review_entry(entry, actor=member, verdict="talk", now=NOW)
    executive = factories.make_user("executive")
    checkins.review_entry(entry, actor=executive, verdict="talk", now=NOW)
    db.session.commit()
    assert entry.review_state == "reclassified" and entry.effective_kind == "talk"
    record = saydo.records_for([initiative], today=TODAY)[initiative.id]
    assert (record.actions, record.talk) == (0, 1)
    with pytest.raises(checkins.CheckInError, match="not waiting"):
        checkins.review_entry(entry, actor=executive, verdict="action", now=NOW)


def test_readings_in_a_checkin_are_recorded_for_linked_metrics_only(setup):
    owner, initiative, checkin = setup
    linked = factories.make_metric(owner=owner)
    other = factories.make_metric(owner=owner)
    from tracker.initiatives import services as initiatives

    initiatives.link_metric(initiative, actor=owner, metric_id=linked.id, expected_direction="increase",
                            expected_amount=5, expected_by=date(2026, 12, 1), now=NOW)
    db.session.commit()
    with pytest.raises(checkins.CheckInError, match="own metrics"):
        submit(checkin, owner, [factories.action()],
               readings=[checkins.ReadingInput(other.id, 12, date(2026, 3, 5))])
    db.session.rollback()
    submit(checkin, owner, [factories.action()],
           readings=[checkins.ReadingInput(linked.id, 12, date(2026, 3, 5))])
    db.session.commit()
    assert db.session.scalar(select(Reading.value).where(Reading.metric_id == linked.id)) == 12


def test_say_do_flags_talk_only_gone_quiet_and_off_track(ctx):
    owner = factories.make_user("member")
    talker = factories.make_initiative(owner=owner, status="in_progress", start_date=date(2026, 1, 5))
    quiet = factories.make_initiative(owner=owner, status="in_progress", start_date=date(2026, 1, 5))
    for i, monday in enumerate([date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23)]):
        c = factories.make_checkin(talker, period_start=monday)
        checkins.submit_checkin(c, actor=owner, entries=[factories.talk(f"Discussed it again {i}")],
                                now=NOW, today=TODAY)
        factories.make_checkin(quiet, period_start=monday, state="missed")
    metric = factories.make_metric(owner=owner, baseline=10, target=50)
    from tracker.initiatives import services as initiatives

    initiatives.link_metric(quiet, actor=owner, metric_id=metric.id, expected_direction="increase",
                            expected_amount=5, expected_by=date(2026, 12, 1), now=NOW)
    for day, value in [(date(2026, 1, 1), 30), (date(2026, 3, 1), 20)]:
        db.session.add(Reading(metric_id=metric.id, observed_on=day, value=value))
    db.session.commit()
    records = saydo.records_for([talker, quiet], today=TODAY)
    assert records[talker.id].flags == ["talk_only", "unmeasured"]
    assert records[quiet.id].flags == ["gone_quiet", "off_track"]


def test_checkin_tally_follows_submit_amend_and_review(setup):
    """The pre-aggregated counts say/do pages read stay equal to the entries."""
    owner, _, checkin = setup
    submit(checkin, owner, [factories.action(), factories.action(evidence=""), factories.talk(),
                            checkins.EntryInput(kind="action", text="We will sign the contract next week",
                                                happened_on=date(2026, 3, 2), done_by="Sam")])
    db.session.commit()
    assert (checkin.evidenced_count, checkin.unevidenced_count, checkin.talk_count) == (1, 2, 1)
    flagged = next(e for e in checkin.entries if e.review_state == "pending")
    checkins.review_entry(flagged, actor=factories.make_user("executive"), verdict="talk", now=NOW)
    db.session.commit()
    assert (checkin.evidenced_count, checkin.unevidenced_count, checkin.talk_count) == (1, 1, 2)
    evidenced = next(e for e in checkin.entries if e.evidence)
    checkins.amend(checkin, actor=owner, data=factories.talk("Only discussed it"), note="not signed",
                   amends_id=evidenced.id, now=NOW, today=TODAY)
    db.session.commit()
    assert (checkin.evidenced_count, checkin.unevidenced_count, checkin.talk_count) == (0, 1, 3)
