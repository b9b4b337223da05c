"""Vehicles with checked plates and their truck stock location, routes with stops and schedules, trips
made from them, and pre-orders on the next trip's run sheet."""

import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from python_calamine import CalamineWorkbook

from gongxiao.caravan import actions
from gongxiao.caravan.models import PreOrder, Route, RouteStop, Trip, Vehicle
from gongxiao.caravan.plates import check_plate, display_plate
from gongxiao.caravan.testing import TRIP_DAY, fleet
from gongxiao.commerce.models import Location
from gongxiao.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def trucks(county):
    return fleet(county)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "text,stored",
    [
        ("浙C12345", "浙C12345"),
        ("浙c·1234a", "浙C1234A"),
        (" 浙C 12345 ", "浙C12345"),
        ("浙CD12345", "浙CD12345"),  # new energy, small
        ("浙C12345F", "浙C12345F"),  # new energy, large
        ("浙C1234挂", "浙C1234挂"),
    ],
)
def test_plates_in_every_valid_form_are_stored_plainly(text, stored):
    assert check_plate(text) == stored


@pytest.mark.parametrize(
    "text",
    ["", "C12345", "浙12345", "浙C1234", "浙C123456", "浙CI2345", "浙CO2345", "浙CA12345", "沪C1234D5"],
)
def test_wrong_plates_are_refused(text):
    with pytest.raises(ValidationError):
        check_plate(text)


def test_plates_show_with_the_dot():
    assert display_plate("浙C12345") == "浙C·12345"


def test_a_new_vehicle_gets_its_truck_location_in_the_same_transaction(trucks, county, client_a):
    # when
    response = client_a.post(
        "/caravan/vehicles/new/",
        {
            "organization": county.coop_a.pk,
            "kind": "inputs_to_mountain",
            "plate": "浙c 5678 9",
            "name": "助农服务车",
            "capacity_kg": "5000",
            "depot": trucks.centre_a.pk,
            "crew": [trucks.crew_a.pk],
            "status": "in_service",
        },
    )
    # then
    vehicle = Vehicle.objects.get(plate="浙C56789")
    assert response.status_code == 302 and response["Location"] == f"/caravan/vehicles/{vehicle.pk}/"
    assert vehicle.location.kind == Location.Kind.TRUCK
    assert vehicle.location.organization == county.coop_a
    assert vehicle.location.code == "CV-浙C56789"
    assert list(vehicle.crew.all()) == [trucks.crew_a]


def test_a_refused_vehicle_leaves_no_location_behind(trucks, county, client_a):
    locations = Location.objects.count()
    response = client_a.post(
        "/caravan/vehicles/new/",
        {
            "organization": county.coop_a.pk,
            "kind": "goods_to_village",
            "plate": "浙C12345",  # taken
            "capacity_kg": "1000",
            "depot": trucks.centre_a.pk,
            "status": "in_service",
        },
    )
    assert response.status_code == 200 and "plate" in response.context["form"].errors
    assert Location.objects.count() == locations


def test_crew_must_hold_the_crew_role_and_work_for_the_operator(trucks, county):
    vehicle = Vehicle(
        organization=county.coop_a,
        kind="goods_to_village",
        plate="浙C77777",
        capacity_kg=1000,
        depot=trucks.centre_a,
    )
    with pytest.raises(ValidationError) as refused:
        actions.save_vehicle(vehicle, [county.clerk_a, trucks.crew_b])
    assert len(refused.value.message_dict["crew"]) == 2
    assert not Vehicle.objects.filter(plate="浙C77777").exists()
    assert not Location.objects.filter(code="CV-浙C77777").exists()


def test_the_home_depot_is_a_collection_centre(trucks, county):
    from gongxiao.network.models import Outlet

    shop = Outlet.objects.create(
        organization=county.coop_a,
        code="DS-1",
        name="直营店",
        kind=Outlet.Kind.DIRECT_STORE,
        region=county.town,
    )
    vehicle = Vehicle(
        organization=county.coop_a, kind="goods_to_village", plate="浙C77777", capacity_kg=1, depot=shop
    )
    with pytest.raises(ValidationError) as refused:
        actions.save_vehicle(vehicle)
    assert "depot" in refused.value.message_dict


def test_a_routes_month_follows_its_weekdays_and_runs(trucks):
    route = trucks.route_a  # Tuesdays and Fridays, 4 runs a month
    dates = route.dates_in_month(2022, 7)
    assert len(dates) == 4
    assert all(day.isoweekday() in (2, 5) for day in dates)
    assert dates == sorted(dates)
    assert all((later - earlier).days >= 4 for earlier, later in itertools.pairwise(dates))
    assert {day.isoweekday() for day in dates} == {2, 5}  # both weekdays get runs
    route.runs_per_month = 12
    assert len(route.dates_in_month(2022, 7)) == 9  # July 2022 has 5 Fridays and 4 Tuesdays


def test_scheduling_a_month_makes_the_trips_with_the_routes_stops_once(trucks, county, client_a):
    # when
    response = client_a.post(f"/caravan/routes/{trucks.route_a.pk}/", {"month": "2022-07"})
    client_a.post(f"/caravan/routes/{trucks.route_a.pk}/", {"month": "2022-07"})  # again: nothing new
    # then
    assert response.status_code == 302
    trips = Trip.objects.filter(route=trucks.route_a, date__month=7).order_by("date")
    assert trips.count() == 4
    first = trips[0]
    assert first.vehicle == trucks.goods_a and list(first.crew.all()) == [trucks.crew_a]
    assert [(s.position, s.village, s.planned_arrival) for s in first.stops.all()] == [
        (1, county.village_a, dt.time(8, 40)),
        (2, county.village_b, dt.time(10, 0)),
    ]


def test_a_route_is_saved_with_its_stops_in_order(trucks, county, client_a):
    response = client_a.post(
        "/caravan/routes/new/",
        {
            "organization": county.coop_a.pk,
            "code": "R-A2",
            "name": "下村上村线",
            "kind": "goods_to_village",
            "vehicle": trucks.goods_a.pk,
            "weekday_list": ["3"],
            "runs_per_month": "4",
            "departs_at": "07:30",
            "is_active": "on",
            "stops-TOTAL_FORMS": "3",
            "stops-INITIAL_FORMS": "0",
            "stops-0-village": county.village_b.pk,
            "stops-0-service_minutes": "30",
            "stops-1-village": "",
            "stops-1-service_minutes": "30",
            "stops-2-village": county.village_a.pk,
            "stops-2-minutes_from_start": "90",
            "stops-2-service_minutes": "45",
        },
    )
    route = Route.objects.get(code="R-A2")
    assert response.status_code == 302
    assert route.weekdays == "3"
    assert [(s.position, s.village_id, s.service_minutes) for s in route.stops.all()] == [
        (1, county.village_b.pk, 30),
        (2, county.village_a.pk, 45),
    ]


def test_a_stop_with_a_village_and_an_outlet_is_refused(trucks, county, client_a):
    response = client_a.post(
        "/caravan/routes/new/",
        {
            "organization": county.coop_a.pk,
            "code": "R-A3",
            "name": "错线",
            "kind": "goods_to_village",
            "weekday_list": ["3"],
            "runs_per_month": "4",
            "departs_at": "07:30",
            "stops-TOTAL_FORMS": "1",
            "stops-INITIAL_FORMS": "0",
            "stops-0-village": county.village_b.pk,
            "stops-0-outlet": trucks.centre_a.pk,
            "stops-0-service_minutes": "30",
        },
    )
    assert response.status_code == 200
    assert not Route.objects.filter(code="R-A3").exists()
    assert not RouteStop.objects.filter(route__code="R-A3").exists()


def test_pre_orders_appear_on_the_next_trip_to_their_village_only(trucks, county, client_a):
    # given: two trips of A's goods truck to the same villages, 7 and 10 June; an order of soap for 下村
    later = actions.create_trip(county.clerk_a, trucks.goods_a, dt.date(2022, 6, 10), route=trucks.route_a)
    order = PreOrder.objects.create(
        organization=county.coop_a,
        village=county.village_b,
        customer_name="李秀英",
        phone="13900000002",
        product=trucks.soap,
        quantity=Decimal("10"),
        created_by=county.clerk_a,
    )
    fertilizer = PreOrder.objects.create(
        organization=county.coop_a,
        village=county.village_b,
        customer_name="李秀英",
        product=trucks.trade.fertilizer,
        quantity=Decimal("100"),
        created_by=county.clerk_a,
    )
    with clock.travel(dt.datetime(2022, 6, 6, 18, 0)):
        # then: it goes on the 7th, not on the 10th; fertilizer goes on no goods truck
        assert actions.preorders_for_trip(trucks.trip_a) == [order]
        assert actions.preorders_for_trip(later) == []
        sheet = client_a.get(f"/caravan/trips/{trucks.trip_a.pk}/run-sheet/").content.decode()
        assert "李秀英" in sheet and "13900000002" in sheet
        xlsx = client_a.get(f"/caravan/trips/{trucks.trip_a.pk}/run-sheet/?format=xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert [row[2] for row in rows[1:]] == ["上村", "下村"]
    assert rows[2][5] == "李秀英" and rows[2][8] == 10
    # once the 7th is done, the order (if still open) goes on the 10th
    with clock.travel(dt.datetime(2022, 6, 8, 8, 0)):
        Trip.objects.filter(pk=trucks.trip_a.pk).update(status=Trip.Status.DONE)
        assert actions.preorders_for_trip(later) == [order]
    assert fertilizer.status == PreOrder.Status.OPEN


def test_a_pre_order_page_fills_the_name_from_the_member(trucks, county, client_a):
    response = client_a.post(
        "/caravan/preorders/new/",
        {
            "organization": county.coop_a.pk,
            "village": county.village_a.pk,
            "member": trucks.farmer_a.pk,
            "product": trucks.soap.pk,
            "quantity": "5",
            "channel": "messaging",
        },
    )
    assert response.status_code == 302
    order = PreOrder.objects.get()
    assert order.customer_name == "张建国" and order.phone == "13800000000"
    assert order.created_by == county.clerk_a


def test_a_trip_is_cancelled_only_while_planned(trucks, client_a):
    assert client_a.post(f"/caravan/trips/{trucks.trip_a.pk}/cancel/").status_code == 302
    assert Trip.objects.get(pk=trucks.trip_a.pk).status == Trip.Status.CANCELLED
    Trip.objects.filter(pk=trucks.trip_b.pk).update(status=Trip.Status.DONE)


def test_a_cancelled_trip_takes_no_records(trucks):
    Trip.objects.filter(pk=trucks.trip_a.pk).update(status=Trip.Status.CANCELLED)
    trip = Trip.objects.get(pk=trucks.trip_a.pk)
    with pytest.raises(ValidationError):
        actions.start_trip(trucks.crew_a, trip, Decimal("100"))
    assert trip.date == TRIP_DAY
