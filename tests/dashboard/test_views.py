"""The landing page: who acts, who talks, is behaviour changing."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import count_queries, sign_in_session
from tracker.accounts.models import Department
from tracker.checkins import services as checkins
from tracker.extensions import db
from tracker.initiatives import services as initiatives
from tracker.metrics.models import Reading
from tracker.people import decisions

# The dashboard looks back from the organisation's today (UTC unless set).
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.fixed_now(NOW)


def seed(app, n_initiatives: int = 3):
    """Initiatives with a week of check-ins each, a gap metric pair, one people decision."""
    with app.app_context():
        today = NOW.date()
        monday = today - timedelta(days=today.weekday() + 7)
        hr = factories.make_user("hr")
        sales = factories.make_department("Sales")
        owner = factories.make_user("member", name="Ava Actor", department=sales)
        talker = factories.make_user("member", name="Tim Talker")
        behaviour = factories.make_behaviour("Quality judged by customers", actor=hr)
        believed = factories.make_metric("Managers rate our service", owner=owner, source="self",
                                         baseline=50, target=90, behaviours=[behaviour])
        perceived = factories.make_metric("Customers rate our service", owner=owner, source="customer",
                                          baseline=50, target=90, behaviours=[behaviour])
        for metric, values in ((believed, (50, 86)), (perceived, (50, 54))):
            for i, value in enumerate(values):
                db.session.add(Reading(metric_id=metric.id, observed_on=today - timedelta(days=60 - 30 * i),
                                       value=value))
        for i in range(n_initiatives):
            who = owner if i % 2 == 0 else talker
            initiative = factories.make_initiative(f"Move {i}", owner=who, status="in_progress",
                                                   department=sales if who is owner else None,
                                                   start_date=today - timedelta(days=90))
            if who is owner:
                initiatives.link_metric(initiative, actor=owner, metric_id=perceived.id,
                                        expected_direction="increase", expected_amount=5,
                                        expected_by=today + timedelta(days=90), now=NOW)
            checkin = factories.make_checkin(initiative, period_start=monday)
            entries = ([factories.action(on=monday)] if who is owner
                       else [factories.talk(), factories.talk("Held a strategy offsite")])
            checkins.submit_checkin(checkin, actor=who, entries=entries,
                                    now=datetime.combine(monday, datetime.min.time()).astimezone(),
                                    today=monday + timedelta(days=1))
        decisions.create_decision(actor=hr, today=today, data=decisions.DecisionInput(
            person_name="Pam Promoted", employee_ref="P-1", kind="promotion",
            effective_date=today, department_id=sales.id, decided_by="Board",
            rationale="Top seller", role_from="Rep", role_to="Lead"), now=NOW)
        db.session.commit()


@pytest.mark.parametrize("role", ["admin", "executive", "hr", "member"])
def test_dashboard_renders_for_every_role_and_people_figures_only_for_hr_and_leaders(
        app, login_as, client, role):
    seed(app)
    login_as(role)
    page = client.get("/").get_data(as_text=True)
    assert "Are we acting, or only talking?" in page
    assert "Actions against talk, week by week" in page and "<svg" in page
    if role == "member":
        assert "People decisions" not in page and "Pam Promoted" not in page
        assert "people decisions aligned" not in page
    else:
        assert "People decisions," in page and "Pam Promoted" in page
        assert "promotion with no behaviour evidence" in page


def test_attention_list_says_why(app, login_as, client):
    seed(app)
    login_as("executive")
    page = client.get("/").get_data(as_text=True)
    assert "Needs attention first" in page
    assert "Unmeasured" in page and "no metric is linked" in page


def test_leaders_are_ranked_by_what_they_did(app, login_as, client):
    seed(app)
    login_as("executive")
    ranking = client.get("/").get_data(as_text=True).split("Who carries the change")[1]
    assert ranking.index("Ava Actor") < ranking.index("Tim Talker")


def test_perception_gap_holds_belief_against_customers(app, login_as, client):
    seed(app)
    login_as("executive")
    page = client.get("/").get_data(as_text=True)
    assert "Quality judged by customers" in page
    assert "We believe 80 points more than customers see" in page


def test_perception_gap_obeys_the_department_filter(app, login_as, client):
    """Issue 15, item 6: the gap panel shows one department's metrics when the
    rest of the dashboard does."""
    seed(app)
    with app.app_context():
        support = factories.make_department("Support")
        hr = factories.make_user("hr")
        behaviour = factories.make_behaviour("Calls answered by a person", actor=hr)
        for name, source, value in (("Support rates its phones", "self", 90),
                                    ("Callers rate the phones", "customer", 30)):
            metric = factories.make_metric(name, source=source, baseline=10, target=90,
                                           behaviours=[behaviour], department=support)
            for i, v in enumerate((10, value)):
                db.session.add(Reading(metric_id=metric.id, value=v,
                                       observed_on=NOW.date() - timedelta(days=20 - 10 * i)))
        db.session.commit()
        support_id = support.id
    login_as("executive")
    everyone = client.get("/").get_data(as_text=True).split("What we believe against")[1]
    assert "Quality judged by customers" in everyone and "Calls answered by a person" in everyone
    support_only = client.get(f"/?department_id={support_id}").get_data(as_text=True)
    gap = support_only.split("What we believe against")[1]
    assert "Calls answered by a person" in gap and "We believe 75 points more than customers see" in gap
    assert "Quality judged by customers" not in gap and "Managers rate our service" not in gap
    # The points are the difference of the two bars shown beside them.
    bars = [int(n) for n in re.findall(r'class="progress-percent">(\d+)%<', gap)]
    assert bars[:2] == [100, 25]


def test_department_filter_and_bad_filters(app, login_as, client):
    seed(app)
    login_as("executive")
    with app.app_context():
        from sqlalchemy import select

        from tracker.accounts.models import Department

        sales_id = db.session.scalar(select(Department.id).where(Department.name == "Sales"))
    filtered = client.get(f"/?department_id={sales_id}&weeks=4").get_data(as_text=True)
    assert "Last 4 weeks · Sales" in filtered and "Tim Talker" not in filtered
    for query in ("weeks=abc", "weeks=-1", "department_id=99999999", "department_id=x", "weeks=9" * 500):
        assert client.get(f"/?{query}").status_code == 200


def test_dashboard_costs_the_same_queries_with_3_or_60_initiatives(tmp_path, request):
    from tests.conftest import make_app

    counts = []
    for n in (3, 60):
        (tmp_path / str(n)).mkdir()
        app = make_app(tmp_path / str(n), "sqlite", request)
        seed(app, n)
        client = app.test_client()
        with app.app_context():
            from sqlalchemy import select

            from tracker.accounts.models import User

            user_id = db.session.scalar(select(User.id).where(User.role == "hr"))
        sign_in_session(client, user_id)
        with count_queries(app) as cold:
            assert client.get("/").status_code == 200
        with count_queries(app) as warm:
            assert client.get("/").status_code == 200
        counts.append((cold(), warm()))
    assert counts[0] == counts[1]
    (cold, warm), _ = counts
    assert warm < cold, "a second view reads the cached figures"


def test_healthz_is_one_query(app, client):
    with count_queries(app) as n:
        assert client.get("/healthz").json == {"status": "ok"}
    assert n() == 1


def test_empty_organisation_dashboard_explains_itself(app, login_as, client):
    login_as("executive")
    page = client.get("/").get_data(as_text=True)
    assert "Nothing flagged" in page and "No metric has moved yet" in page
    assert "No target behaviour has both" in page



def test_cached_dashboard_follows_every_change(app, ctx):
    """The dashboard's figures are cached per data version: a submit, a
    verdict, a check-in marked missed and a new reading each show at once."""
    from tracker.checkins import jobs
    from tracker.dashboard import services as dashboard

    today = NOW.date()
    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner, status="in_progress",
                                           start_date=today - timedelta(days=60))
    metric = factories.make_metric("Customers rate us", owner=owner, baseline=50, target=90)
    monday = today - timedelta(days=today.weekday() + 7)
    checkin = factories.make_checkin(initiative, period_start=monday)
    db.session.commit()

    def record():
        (_, mine), = dashboard.build(owner, today=today).mine
        return mine

    assert record().entries == 0
    checkins.submit_checkin(checkin, actor=owner, entries=[checkins.EntryInput(
        kind="action", text="We will cancel the contract", happened_on=monday, done_by="Me")],
        now=NOW, today=today)
    db.session.commit()
    assert record().actions == 1
    assert dashboard.build(owner, today=today).actions == 1
    checkins.review_entry(checkin.entries[0], actor=factories.make_user("executive"), verdict="talk",
                          now=NOW)
    db.session.commit()
    assert (record().actions, record().talk) == (0, 1)
    older = factories.make_checkin(initiative, period_start=monday - timedelta(days=7))
    db.session.commit()
    assert record().missed == 0
    older.state = "open"
    db.session.commit()
    jobs.mark_missed(NOW)
    db.session.commit()
    assert record().missed == 1
    assert dashboard.build(owner, today=today).movers == []
    for days_ago, value in ((20, 50), (10, 70)):
        db.session.add(Reading(metric_id=metric.id, observed_on=today - timedelta(days=days_ago),
                               value=value))
        db.session.commit()
    (mover,) = dashboard.build(owner, today=today).movers
    assert mover.metric.id == metric.id and mover.values == [50, 70]


def test_marking_check_ins_missed_moves_the_data_version_which_counts_no_check_ins(ctx, engine_name):
    """Kept figures notice the scheduler marking check-ins missed (a change
    that records no history event) by its numbered marking: the version
    moves when a run marks some and stays when a run marks none, and the
    version's query reads each id from an index instead of counting."""
    from tests.conftest import query_plan
    from tracker.cache import data_version, version_query
    from tracker.checkins import jobs
    from tracker.checkins.models import MissedMarking

    owner = factories.make_user("member")
    initiative = factories.make_initiative("Quiet one", owner=owner, status="in_progress")
    monday = NOW.date() - timedelta(days=NOW.date().weekday() + 14)
    factories.make_checkin(initiative, period_start=monday)
    db.session.commit()
    before = data_version()
    assert jobs.mark_missed(NOW) == {"missed": 1}
    db.session.commit()
    after = data_version()
    assert after != before
    assert db.session.scalars(select(MissedMarking.checkins)).all() == [1]
    assert jobs.mark_missed(NOW) == {"missed": 0}
    db.session.commit()
    assert data_version() == after
    sql = str(version_query(engine_name).compile(dialect=db.session.get_bind().dialect,
                                                 compile_kwargs={"literal_binds": True}))
    plan = query_plan(sql)
    assert "checkin.state" not in sql and "count(" not in sql.lower()
    if engine_name == "sqlite":
        assert set(re.findall(r"SCAN (\w+)", plan)) <= {"CONSTANT"}, plan  # each table searched
    else:
        assert "Seq Scan" not in plan, plan


def test_names_on_the_dashboard_are_never_stale(app, login_as, client):
    """Renaming a person is not a say/do change, so it does not reset the
    cache; the names shown are still read fresh on every view."""
    seed(app)
    login_as("executive")
    assert "Ava Actor" in client.get("/").get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import update

        from tracker.accounts.models import Department, User

        db.session.execute(update(User).where(User.display_name == "Ava Actor")
                           .values(display_name="Ava Renamed"))
        db.session.execute(update(Department).where(Department.name == "Sales").values(name="Revenue"))
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Ava Renamed" in page and "Ava Actor" not in page
    assert "Revenue" in page.split("Departments")[1]


def test_perception_gap_names_a_few_metrics_and_counts_the_rest(app, login_as, client):
    with app.app_context():
        today = NOW.date()
        owner = factories.make_user("member")
        behaviour = factories.make_behaviour("Customers first", actor=factories.make_user("hr"))
        metrics = [factories.make_metric(f"Self view {i}", owner=owner, source="self", baseline=0,
                                         target=100, behaviours=[behaviour]) for i in range(5)]
        metrics.append(factories.make_metric("Customer view", owner=owner, source="customer", baseline=0,
                                             target=100, behaviours=[behaviour]))
        for metric in metrics:
            db.session.add(Reading(metric_id=metric.id, observed_on=today, value=50))
        db.session.commit()
    login_as("executive")
    gap = client.get("/").get_data(as_text=True).split("What we believe against")[1]
    assert [f"Self view {i}" in gap for i in range(5)] == [True, True, True, False, False]
    assert "and 2 more" in gap and "Customer view" in gap


def test_ranking_says_in_words_who_acts_who_only_talks_and_shows_missed_check_ins(app, login_as, client):
    from tracker.checkins.saydo import RANKING_EXPLANATION

    seed(app)
    with app.app_context():
        from sqlalchemy import select

        from tracker.accounts.models import User
        from tracker.initiatives.models import Initiative

        talker = db.session.scalar(select(User).where(User.display_name == "Tim Talker"))
        move = db.session.scalar(select(Initiative).where(Initiative.owner_id == talker.id))
        monday = NOW.date() - timedelta(days=NOW.date().weekday() + 21)
        factories.make_checkin(move, period_start=monday, state="missed")
        db.session.commit()
    login_as("executive")
    page = client.get("/").get_data(as_text=True)
    ranking = page.split('id="leaders-heading"')[1].split("Departments")[0]
    ava = ranking[ranking.index("Ava Actor"):ranking.index("</li>", ranking.index("Ava Actor"))]
    tim = ranking[ranking.index("Tim Talker"):ranking.index("</li>", ranking.index("Tim Talker"))]
    assert "Acts" in ava and "2 actions" in ava and "0 missed check-ins" in ava
    assert "Only talks" in tim and "0 actions" in tim and "1 missed check-in<" in tim
    assert "Evid." not in page and "Unevid." not in page
    assert RANKING_EXPLANATION in page.replace("&#39;", "'")
    # The card's heading names the weekly chart; the drawing does not say it again.
    assert "Actions against talk, week by week" in page
    assert page.count("Actions against talk, per week</text>") == 0


def test_a_department_without_check_ins_says_so_instead_of_an_empty_axis(app, login_as, client):
    seed(app)
    with app.app_context():
        quiet = factories.make_department("Legal")
        db.session.commit()
        quiet_id = quiet.id
    login_as("executive")
    page = client.get(f"/?department_id={quiet_id}").get_data(as_text=True)
    assert "No check-ins reported in these weeks yet" in page
    assert "chart-y-tick" not in page


def test_figures_brought_up_to_date_after_each_write_equal_figures_computed_afresh(app, ctx):
    """After a write the kept figures are updated for what it touched, not
    computed again (tracker.cache.changes_between): after each kind of write
    they must equal what a fresh computation gives, for the whole organisation
    and each department."""
    from tracker.cache import data_version
    from tracker.dashboard import services as dashboard
    from tracker.initiatives.models import Initiative

    db.session.remove()
    seed(app, n_initiatives=6)
    today = NOW.date()
    monday = today - timedelta(days=today.weekday())
    executive = factories.make_user("executive")
    ops = factories.make_department("Ops")
    newcomer = factories.make_user("member", name="Nia Newcomer", department=ops)
    db.session.commit()
    departments = [None, ops.id, *db.session.scalars(select(Department.id))]

    def figures() -> dict:
        return {(weeks, d): dashboard.summarise(today=today, weeks=weeks, department_id=d)
                for weeks in (4, 26) for d in departments}

    def assert_kept_figures_are_right(what: str) -> None:
        db.session.commit()
        kept = figures()
        app.extensions.pop("tracker_cache", None)
        fresh = figures()
        for key, summary in kept.items():
            for part in ("bars", "attention", "attention_total", "leaders", "departments", "movers", "gaps",
                         "records"):
                assert getattr(summary, part) == getattr(fresh[key], part), (what, key, part)
        app.extensions.pop("tracker_cache", None)

    figures()  # kept from here on
    first, second, *_ = db.session.scalars(select(Initiative).order_by(Initiative.id)).all()
    checkin = factories.make_checkin(first, period_start=monday)
    db.session.commit()
    figures()
    checkins.submit_checkin(checkin, actor=first.owner, now=NOW, today=today, entries=[
        checkins.EntryInput(kind="action", text="We will cancel the contract", happened_on=monday,
                            done_by="Me"), factories.talk()])
    assert_kept_figures_are_right("a check-in submitted")
    figures()
    checkins.review_entry(checkin.entries[0], actor=executive, verdict="talk", now=NOW)
    assert_kept_figures_are_right("a verdict")
    figures()
    metric_id = first.metric_links[0].metric_id
    db.session.add(Reading(metric_id=metric_id, observed_on=today, value=10))
    assert_kept_figures_are_right("a reading that takes a metric away from its target")
    figures()
    data = initiatives.InitiativeInput(
        title=second.title, kind=second.kind, burning_platform=second.burning_platform,
        owner_id=newcomer.id, start_date=second.start_date, department_id=ops.id)
    initiatives.update_initiative(second, actor=executive, data=data, now=NOW)
    assert_kept_figures_are_right("an initiative handed to another owner and department")
    figures()
    initiatives.change_status(second, actor=executive, status="abandoned", reason="No budget", now=NOW,
                              today=today)
    assert_kept_figures_are_right("an initiative abandoned")
    figures()
    factories.make_initiative("Brand new", owner=newcomer, actor=executive, status="in_progress",
                              department=ops)
    assert_kept_figures_are_right("an initiative started")
    before = data_version()
    figures()
    assert data_version() == before
