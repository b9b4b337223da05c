"""The demo's caravan: nine trucks on twelve mountain routes with a year of trips whose records add up."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from gongxiao.caravan import stats
from gongxiao.caravan.models import PlanningRun, ProducePurchase, Route, StopSale, Trip, Vehicle, VillagePoint
from gongxiao.core import integrity
from gongxiao.core.models import User
from gongxiao.network.models import Outlet

pytestmark = pytest.mark.django_db


def test_the_demo_runs_nine_trucks_on_twelve_mountain_routes():
    # when
    call_command("demo", "--scale", "0.05", "--seed", "7", stdout=io.StringIO())
    # then
    assert dict(Vehicle.objects.values_list("kind").annotate(n=Count("pk"))) == {
        "goods_to_village": 3,
        "produce_to_city": 3,
        "inputs_to_mountain": 3,
    }
    depots = Outlet.objects.filter(vehicles__isnull=False).distinct()
    assert depots.count() == 3 and all(d.kind == Outlet.Kind.COLLECTION_CENTRE for d in depots)
    assert all(d.location_id for d in depots)
    assert Route.objects.count() == 12
    assert not Route.objects.exclude(stops__village__is_mountain=True).exists()
    assert VillagePoint.objects.count() == 250
    done = Trip.objects.filter(status=Trip.Status.DONE)
    assert done.exists() and not done.filter(distance_km__isnull=True).exists()
    assert {t.year for t in done.dates("date", "year")} == {2022}
    assert Trip.objects.filter(status=Trip.Status.PLANNED, date__gte=dt.date(2023, 3, 1)).count() >= 12
    assert not Trip.objects.values("vehicle", "date").annotate(n=Count("pk")).filter(n__gt=1).exists()
    plan = PlanningRun.objects.get()
    assert plan.status == PlanningRun.Status.DONE and plan.result["feasible"]
    for vehicle in Vehicle.objects.all():
        assert vehicle.crew.filter(groups__name="大篷车司乘").exists()
    leader = User.objects.get(username="leader")
    result = stats.statistics(leader, dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    assert result.total.sales_orders == StopSale.objects.filter(document__status="confirmed").count() > 0
    assert result.total.households_paid == ProducePurchase.objects.values("member").distinct().count() > 0
    assert result.total.inputs_t > 0 and result.total.advice_sessions > 0
    # every stock balance is what its moves say; trips and records are consistent
    integrity.discover()
    mine = [c for c in integrity.CHECKS if c.label.startswith(("库存余额", "大篷车"))]
    assert len(mine) == 3
    assert [(r.label, r.problems, r.error) for r in integrity.run_checks(mine) if not r.ok] == []
