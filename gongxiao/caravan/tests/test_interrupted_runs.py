"""A run cut off by a server stop: its heartbeat stops, and once it is older than the time limit and
a safe margin the run is shown as failed with a message, on the pages and in the API; a run still
solving is left alone; the same inputs can be run again."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override

from gongxiao.caravan import planning
from gongxiao.caravan.models import PlanningRun
from gongxiao.caravan.testing import fleet, plannable

pytestmark = pytest.mark.django_db

DAY = dt.date(2022, 6, 14)


def _interrupted_message():
    with override("zh-hans"):
        return gettext("The planning was interrupted (the server restarted); run it again.")


@pytest.fixture
def planned(county):
    return plannable(county, fleet(county))


def _inputs(county, trucks):
    return planning.build_inputs(
        county.clerk_a,
        vehicles=[trucks.goods_a],
        villages=[county.village_a],
        start_date=DAY,
        days=1,
        shift_start=dt.time(8),
        shift_end=dt.time(17),
        service_minutes=30,
        road_factor=1.4,
        speed_kmh=30,
    )


def _run(county, trucks, status, silent_for, time_limit=10):
    run = PlanningRun.objects.create(
        organization=county.coop_a,
        name="中断",
        start_date=DAY,
        inputs=_inputs(county, trucks),
        time_limit=time_limit,
        status=status,
        progress=40,
        created_by=county.clerk_a,
    )
    then = timezone.now() - silent_for
    PlanningRun.objects.filter(pk=run.pk).update(heartbeat_at=then, created_at=then)
    return run


def test_a_run_whose_heartbeat_stopped_is_shown_as_interrupted(planned, county, client_a):
    # given: solving with a 10 s limit, last heard of 6 minutes ago
    run = _run(county, planned, PlanningRun.Status.RUNNING, dt.timedelta(minutes=6))
    # when
    page = client_a.get(f"/caravan/plans/{run.pk}/")
    # then
    run.refresh_from_db()
    assert run.status == PlanningRun.Status.FAILED and run.finished_at is not None
    assert run.message == _interrupted_message()
    html = page.content.decode()
    assert 'data-testid="plan-message"' in html and run.message in html
    assert 'data-testid="plan-status"' not in html  # no progress bar polling forever
    assert 'data-testid="run-again"' in html


def test_the_list_page_and_the_api_mark_it_too(planned, county, client_a):
    waiting = _run(county, planned, PlanningRun.Status.WAITING, dt.timedelta(minutes=30))
    client_a.get("/caravan/plans/")
    assert PlanningRun.objects.get(pk=waiting.pk).status == PlanningRun.Status.FAILED
    solving = _run(county, planned, PlanningRun.Status.RUNNING, dt.timedelta(minutes=30))
    body = client_a.get(f"/api/caravan/plans/{solving.pk}").json()
    assert body["status"] == "failed" and body["message"] == _interrupted_message()
    listed = {r["id"]: r["status"] for r in client_a.get("/api/caravan/plans").json()["items"]}
    assert listed == {waiting.pk: "failed", solving.pk: "failed"}


@pytest.mark.parametrize(
    "silent_for,time_limit",
    [
        (dt.timedelta(seconds=5), 10),  # heard of just now
        (dt.timedelta(minutes=4), 10),  # within the margin
        (dt.timedelta(minutes=9), 600),  # a long search: time limit + margin not over yet
    ],
)
def test_a_run_still_solving_is_left_alone(planned, county, client_a, silent_for, time_limit):
    run = _run(county, planned, PlanningRun.Status.RUNNING, silent_for, time_limit)
    assert client_a.get(f"/caravan/plans/{run.pk}/").status_code == 200
    assert client_a.get(f"/api/caravan/plans/{run.pk}").json()["status"] == "running"
    run.refresh_from_db()
    assert run.status == PlanningRun.Status.RUNNING and run.message == ""


def test_a_run_heard_of_again_since_is_left_alone(planned, county):
    run = _run(county, planned, PlanningRun.Status.RUNNING, dt.timedelta(minutes=6))
    # the solving thread reported again before anyone read the runs
    PlanningRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    assert planning.fail_interrupted() == 0
    assert PlanningRun.objects.get(pk=run.pk).status == PlanningRun.Status.RUNNING


def test_a_failed_run_is_not_overwritten_by_its_late_thread(planned, county):
    run = _run(county, planned, PlanningRun.Status.WAITING, dt.timedelta(minutes=6))
    assert planning.fail_interrupted() == 1
    # when: the thread that was to solve it starts after all
    planning.solve_run(run.pk, max_iterations=10)
    # then
    run.refresh_from_db()
    assert run.status == PlanningRun.Status.FAILED and run.result == {}


def test_solving_writes_the_heartbeat(planned, county):
    run = _run(county, planned, PlanningRun.Status.WAITING, dt.timedelta(seconds=1))
    before = timezone.now()
    run = planning.solve_run(run.pk, max_iterations=50)
    assert run.status == PlanningRun.Status.DONE
    assert run.heartbeat_at >= before


def test_run_again_from_the_page_copies_the_inputs(planned, county, client_a, leader_client):
    run = _run(county, planned, PlanningRun.Status.RUNNING, dt.timedelta(minutes=6))
    client_a.get(f"/caravan/plans/{run.pk}/")
    assert leader_client.post(f"/caravan/plans/{run.pk}/run-again/").status_code == 403
    # when
    response = client_a.post(f"/caravan/plans/{run.pk}/run-again/")
    # then
    again = PlanningRun.objects.exclude(pk=run.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/caravan/plans/{again.pk}/"
    assert again.inputs == PlanningRun.objects.get(pk=run.pk).inputs
    assert again.status == PlanningRun.Status.DONE and again.name == run.name
