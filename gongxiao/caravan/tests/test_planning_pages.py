"""Route plans from the pages: the problem built from pre-orders and chosen villages, wrong input named
before solving, the result with its routes, a cancel, and accepting the plan as scheduled trips."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from gongxiao.caravan import planning
from gongxiao.caravan.models import PlanningRun, PreOrder, Trip, VillagePoint
from gongxiao.caravan.testing import fleet, plannable

pytestmark = pytest.mark.django_db

DAY = dt.date(2022, 6, 14)


@pytest.fixture
def planned(county):
    return plannable(county, fleet(county))


def _form(trucks, county, **extra):
    data = {
        "name": "6月14日日用品车",
        "start_date": DAY.isoformat(),
        "days": "1",
        "vehicles": [trucks.goods_a.pk],
        "villages": [county.village_a.pk],
        "shift_start": "08:00",
        "shift_end": "17:00",
        "service_minutes": "30",
        "road_factor": "1.4",
        "speed_kmh": "30",
        "time_limit": "1",
    }
    data.update(extra)
    return data


def test_a_plan_serves_the_pre_ordered_village_and_weighs_the_optional_one(planned, county, client_a):
    # when
    response = client_a.post("/caravan/plans/new/", _form(planned, county))
    # then
    run = PlanningRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/caravan/plans/{run.pk}/"
    assert run.status == PlanningRun.Status.DONE and run.organization == county.coop_a
    stops = {s["code"]: s for s in run.inputs["stops"]}
    assert stops[county.village_b.code]["required"] and stops[county.village_b.code]["delivery_kg"] == 50
    assert stops[county.village_b.code]["kinds"] == ["goods_to_village"]
    assert not stops[county.village_a.code]["required"]
    assert stops[county.village_a.code]["prize"] == "20"  # one member household
    plan = planning.plan_of(run)
    assert plan.feasible
    visits = [v.stop for r in plan.routes for v in r.visits]
    assert county.village_b.code in visits
    route = plan.routes[0]
    assert route.vehicle == "浙C12345" and route.load_out_kg >= 50
    page = client_a.get(f"/caravan/plans/{run.pk}/")
    assert page.status_code == 200 and "plan-chart" in page.content.decode()


def test_a_village_without_coordinates_is_named_before_solving(planned, county, client_a):
    VillagePoint.objects.filter(village=county.village_b).delete()
    response = client_a.post("/caravan/plans/new/", _form(planned, county))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "下村" in errors
    assert not PlanningRun.objects.exists()


def test_a_demand_larger_than_any_truck_is_named_before_solving(planned, county, client_a):
    PreOrder.objects.filter(product=planned.rice).update(quantity=Decimal("500"))  # 2,500 kg
    response = client_a.post("/caravan/plans/new/", _form(planned, county))
    errors = " ".join(response.context["form"].non_field_errors())
    assert "下村" in errors and "2500" in errors and "2000" in errors
    assert not PlanningRun.objects.exists()


def test_accepting_the_plan_schedules_its_trips_once(planned, county, client_a):
    client_a.post("/caravan/plans/new/", _form(planned, county))
    run = PlanningRun.objects.get()
    plan = planning.plan_of(run)
    # when
    assert client_a.post(f"/caravan/plans/{run.pk}/accept/").status_code == 302
    client_a.post(f"/caravan/plans/{run.pk}/accept/")
    # then
    trips = Trip.objects.filter(plan=run)
    assert trips.count() == len([r for r in plan.routes if r.visits]) == 1
    trip = trips.get()
    assert trip.vehicle == planned.goods_a and trip.date == DAY
    route = plan.routes[0]
    assert [s.village.code for s in trip.stops.order_by("position")] == [v.stop for v in route.visits]
    first = trip.stops.order_by("position").first()
    assert first.planned_arrival is not None and first.planned_load_kg == route.visits[0].load_after_kg
    assert PlanningRun.objects.get().status == PlanningRun.Status.ACCEPTED


def test_the_plans_run_sheet_lists_every_visit(planned, county, client_a):
    client_a.post("/caravan/plans/new/", _form(planned, county))
    run = PlanningRun.objects.get()
    visits = sum(len(r.visits) for r in planning.plan_of(run).routes)
    xlsx = client_a.get(f"/caravan/plans/{run.pk}/run-sheet/?format=xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + visits
    assert rows[1][0] == "浙C12345"
    assert client_a.get(f"/caravan/plans/{run.pk}/run-sheet/").status_code == 200


def test_a_cancelled_run_stops_early_and_keeps_the_best_plan(planned, county):
    inputs = planning.build_inputs(
        county.clerk_a,
        vehicles=[planned.goods_a],
        villages=[county.village_a],
        start_date=DAY,
        days=1,
        shift_start=dt.time(8),
        shift_end=dt.time(17),
        service_minutes=30,
        road_factor=1.4,
        speed_kmh=30,
    )
    run = PlanningRun.objects.create(
        organization=county.coop_a,
        name="取消",
        start_date=DAY,
        inputs=inputs,
        time_limit=60,
        cancel_requested=True,
        created_by=county.clerk_a,
    )
    started = dt.datetime.now()
    run = planning.solve_run(run.pk)
    assert (dt.datetime.now() - started).total_seconds() < 20
    assert run.status == PlanningRun.Status.CANCELLED
    assert planning.plan_of(run) is not None


def test_who_may_see_plan_and_accept(planned, county, client_a, client_b, leader_client):
    from django.test import Client

    client_a.post("/caravan/plans/new/", _form(planned, county))
    run = PlanningRun.objects.get()
    assert client_b.get(f"/caravan/plans/{run.pk}/").status_code == 404
    assert client_b.post(f"/caravan/plans/{run.pk}/accept/").status_code == 404
    assert client_b.get("/caravan/plans/new/").status_code == 200
    assert leader_client.get(f"/caravan/plans/{run.pk}/").status_code == 200
    assert leader_client.post(f"/caravan/plans/{run.pk}/accept/").status_code == 403
    assert leader_client.get("/caravan/plans/new/").status_code == 403
    crew = Client()
    crew.force_login(planned.crew_a)
    assert crew.get("/caravan/plans/").status_code == 403
    assert crew.get(f"/caravan/plans/{run.pk}/").status_code == 403
    assert not Trip.objects.filter(plan=run).exists()
    # clerk B cannot plan coop A's trucks
    response = client_b.post("/caravan/plans/new/", _form(planned, county))
    assert response.status_code == 200 and "vehicles" in response.context["form"].errors
    assert PlanningRun.objects.count() == 1
