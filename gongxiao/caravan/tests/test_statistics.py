"""The statistics per vehicle kind add up a trip's records, on a case counted by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from gongxiao.caravan import actions, stats
from gongxiao.caravan.models import Trip, TripStop
from gongxiao.caravan.testing import TRIP_DAY, fleet
from gongxiao.commerce.actions import reverse_document
from gongxiao.core import clock

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(dt.datetime(2022, 6, 7, 9, 0))
YEAR = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))


@pytest.fixture
def counted(county):
    """Two trips of 7 June 2022 with everything counted by hand (see the test below)."""
    trucks = fleet(county)
    soap, rice, eggs, tea = trucks.soap.pk, trucks.rice.pk, trucks.eggs.pk, trucks.tea.pk
    with clock.travel(AT):
        # the goods truck: 80 km, two villages, 35 people, three sales standing (one more reversed)
        trip = trucks.trip_a
        first, second = TripStop.objects.filter(trip=trip).order_by("position")
        actions.start_trip(trucks.crew_a, trip, Decimal("1000"))
        actions.record_sale(trucks.crew_a, first, [actions.SaleLine(soap, Decimal("4"))], "cash")  # 14.00
        actions.record_sale(trucks.crew_a, first, [actions.SaleLine(rice, Decimal("1"))], "mobile")  # 29.90
        wrong = actions.record_sale(trucks.crew_a, first, [actions.SaleLine(rice, Decimal("2"))], "cash")
        reverse_document(wrong.document, county.clerk_a, "录错")
        actions.record_delivery(
            trucks.crew_a,
            first,
            product_id=trucks.trade.fertilizer.pk,
            quantity=Decimal("150"),
            payment_method="cash",
        )
        actions.close_stop(trucks.crew_a, first, 20)
        actions.record_sale(trucks.crew_a, second, [actions.SaleLine(soap, Decimal("2"))], "cash")  # 7.00
        actions.record_service(trucks.crew_a, second, "advice", topic="茶园春季管理", people=15)
        actions.close_stop(trucks.crew_a, second, 15)
        actions.end_trip(trucks.crew_a, Trip.objects.get(pk=trip.pk), Decimal("1080"))
        # the produce truck: 60.5 km, 19.5 jin for 216 yuan from two households, 100 chicks to 5 households
        trip2 = trucks.trip_a2
        one, two = TripStop.objects.filter(trip=trip2).order_by("position")
        buy = {"payment_method": "cash"}
        actions.start_trip(trucks.crew_a2, trip2, Decimal("500"))
        actions.record_purchase(
            trucks.crew_a2,
            one,
            product_id=eggs,
            weight_jin=Decimal("10"),
            price_per_jin=Decimal("8"),
            member_id=trucks.farmer_b.pk,
            **buy,
        )
        actions.record_purchase(
            trucks.crew_a2,
            one,
            product_id=tea,
            weight_jin=Decimal("5"),
            price_per_jin=Decimal("20"),
            member_id=trucks.farmer_b.pk,
            **buy,
        )
        actions.close_stop(trucks.crew_a2, one, 12)
        actions.record_purchase(
            trucks.crew_a2,
            two,
            product_id=eggs,
            weight_jin=Decimal("4.5"),
            price_per_jin=Decimal("8"),
            member_id=trucks.farmer_a.pk,
            **buy,
        )
        actions.record_service(trucks.crew_a2, two, "gift", topic="土鸡苗", quantity=100, households=5)
        actions.close_stop(trucks.crew_a2, two, 8)
        actions.end_trip(trucks.crew_a2, Trip.objects.get(pk=trip2.pk), Decimal("560.5"))
    # not counted: B's trip never ran; a trip of the year before
    actions.create_trip(county.clerk_a, trucks.goods_a, dt.date(2021, 12, 30), route=trucks.route_a)
    return trucks


def test_a_trips_records_add_up_to_the_statistics(counted, county):
    # when
    result = stats.statistics(county.leader, *YEAR)
    goods, produce, inputs = (
        result.by_kind[k] for k in ("goods_to_village", "produce_to_city", "inputs_to_mountain")
    )
    # then
    assert goods.as_dict() == {
        "vehicles": 1,
        "trips": 1,
        "mileage_km": Decimal("80"),
        "towns": 1,
        "villages": 2,
        "people": 35,
        "sales_orders": 3,
        "sales_amount": Decimal("50.90"),
        "produce_jin": 0,
        "produce_yuan": 0,
        "households_paid": 0,
        "inputs_t": Decimal("0.150"),
        "advice_sessions": 1,
        "finance_services": 0,
        "gifts": 0,
        "gift_households": 0,
    }
    assert produce.as_dict() | {} == {
        "vehicles": 1,
        "trips": 1,
        "mileage_km": Decimal("60.5"),
        "towns": 1,
        "villages": 2,
        "people": 20,
        "sales_orders": 0,
        "sales_amount": 0,
        "produce_jin": Decimal("19.5"),
        "produce_yuan": Decimal("216.00"),
        "households_paid": 2,
        "inputs_t": 0,
        "advice_sessions": 0,
        "finance_services": 0,
        "gifts": 100,
        "gift_households": 5,
    }
    assert inputs.trips == 0 and inputs.vehicles == 0
    total = result.total
    assert (total.vehicles, total.trips, total.mileage_km) == (2, 2, Decimal("140.5"))
    assert (total.towns, total.villages, total.people) == (1, 2, 55)  # the same two villages, counted once
    assert (total.sales_orders, total.sales_amount, total.produce_yuan) == (
        3,
        Decimal("50.90"),
        Decimal("216.00"),
    )
    assert result.produce_names == ["土鸡蛋", "茶青"]  # by weight
    assert result.months[5] == "2022-06" and result.monthly["produce_to_city"]["produce_jin"][5] == 19.5


def test_the_crew_counts_only_their_own_vehicle(counted):
    result = stats.statistics(counted.crew_a2, *YEAR)
    assert result.total.trips == 1 and result.total.sales_orders == 0
    assert result.total.produce_jin == Decimal("19.5")


def test_another_coop_sees_none_of_it(counted, county):
    assert stats.statistics(county.clerk_b, *YEAR).total.trips == 0


def test_the_paragraph_is_made_of_the_figures(counted, county):
    result = stats.statistics(county.leader, *YEAR)
    text = stats.report_paragraph(county.leader, result)
    assert "南部山区" in text  # the goods route's area
    assert "土鸡蛋、茶青" in text
    assert "土鸡苗" in text and "100" in text
    assert "50.90" not in text and "0.01" in text  # sales in 万元: 50.90 yuan = 0.01 万


def test_the_api_gives_the_same_figures(counted, county):
    client = Client()
    client.force_login(county.leader)
    data = client.get("/api/caravan/statistics", {"start": "2022-01-01", "end": "2022-12-31"}).json()
    assert data["total"]["trips"] == 2
    assert Decimal(data["by_kind"]["goods_to_village"]["sales_amount"]) == Decimal("50.90")
    assert Decimal(data["by_kind"]["produce_to_city"]["produce_jin"]) == Decimal("19.5")
    assert data["paragraph"] == stats.report_paragraph(county.leader, stats.statistics(county.leader, *YEAR))


def test_the_page_shows_the_year_with_trips_and_its_change_on_the_year_before(counted, county):
    client = Client()
    client.force_login(county.leader)
    response = client.get("/caravan/")
    assert response.status_code == 200
    assert response.context["start"] == dt.date(2022, 1, 1)
    headline = {h["key"]: h for h in response.context["headlines"]}
    assert headline["trips"]["value"] == 2 and headline["trips"]["change"] is None  # nothing ran in 2021
    export = client.get("/caravan/", {"year": "2022", "export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    "value,expected",
    [(87, "87"), (100, "100"), (3456, "3,400"), (23456, "2.3 "), (30000, "3 ")],
)
def test_figures_are_written_as_the_report_writes_them(value, expected):
    assert stats.about(value).startswith(expected)
    assert (stats.about(value) != expected) is (value in (3456, 23456, 30000))


def test_a_trip_of_the_period_counts_by_its_date(counted, county):
    june = stats.statistics(county.leader, TRIP_DAY, TRIP_DAY)
    july = stats.statistics(county.leader, dt.date(2022, 7, 1), dt.date(2022, 7, 31))
    assert june.total.trips == 2 and july.total.trips == 0
