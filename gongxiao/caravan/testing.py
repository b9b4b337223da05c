"""A small fleet for tests: coop A runs a goods truck and a produce truck, coop B a goods truck.

`fleet(county)` gives the trucks with their crews (crew_a on A's goods truck, crew_a2 on A's produce
truck, crew_b on B's truck), a collection centre per coop, daily goods on A's goods truck, produce
and a route over the town's two villages, a member farmer in each village, and one planned trip per
truck on 2022-06-07.

`plannable(county, trucks)` readies them for route planning: coordinates for coop A's centre and
both villages, and an open pre-order of 50 kg of rice in the lower village (下村).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from gongxiao.caravan import actions
from gongxiao.caravan.models import PreOrder, Route, RouteStop, Trip, Vehicle, VehicleKind, VillagePoint
from gongxiao.commerce.models import Business, Category, Location, Package, Product
from gongxiao.commerce.testing import Trade, receive, trade_setup
from gongxiao.core import roles
from gongxiao.core.models import User
from gongxiao.core.testing import County, make_user
from gongxiao.members.models import Member
from gongxiao.members.tests.factories import member
from gongxiao.network.models import Outlet

TRIP_DAY = dt.date(2022, 6, 7)


@dataclass
class Fleet:
    county: County
    trade: Trade
    crew_a: User
    crew_a2: User
    crew_b: User
    centre_a: Outlet
    centre_b: Outlet
    goods_a: Vehicle
    produce_a: Vehicle
    goods_b: Vehicle
    soap: Product
    rice: Product
    eggs: Product
    tea: Product
    route_a: Route
    farmer_a: Member
    farmer_b: Member
    trip_a: Trip
    trip_a2: Trip
    trip_b: Trip


def _product(
    county: County, code: str, name: str, business: str, category: str, unit: str, price: str
) -> Product:
    return Product.objects.create(
        organization=county.federation,
        code=code,
        name=name,
        business=business,
        category=category,
        base_unit=unit,
        price=Decimal(price),
    )


def fleet(county: County) -> Fleet:
    trade = trade_setup(county)
    crew_a = make_user("crew_a", county.coop_a, roles.TRUCK_CREW, first_name="陈师傅")
    crew_a2 = make_user("crew_a2", county.coop_a, roles.TRUCK_CREW, first_name="林师傅")
    crew_b = make_user("crew_b", county.coop_b, roles.TRUCK_CREW, first_name="王师傅")
    depot_a = Location.objects.create(
        organization=county.coop_a, code="A-CC", name="桥头集配仓", kind="warehouse"
    )
    centre_a = Outlet.objects.create(
        organization=county.coop_a,
        code="CC-A",
        name="桥头山区农产品集采集配中心",
        kind=Outlet.Kind.COLLECTION_CENTRE,
        region=county.town,
        location=depot_a,
    )
    centre_b = Outlet.objects.create(
        organization=county.coop_b,
        code="CC-B",
        name="溪口山区农产品集采集配中心",
        kind=Outlet.Kind.COLLECTION_CENTRE,
        region=county.town,
    )
    goods_a = actions.save_vehicle(
        Vehicle(
            organization=county.coop_a,
            kind=VehicleKind.GOODS_TO_VILLAGE,
            plate="浙C12345",
            name="大篷车1号",
            capacity_kg=2000,
            depot=centre_a,
        ),
        [crew_a],
    )
    produce_a = actions.save_vehicle(
        Vehicle(
            organization=county.coop_a,
            kind=VehicleKind.PRODUCE_TO_CITY,
            plate="浙C23456",
            name="大篷车2号",
            capacity_kg=3000,
            depot=centre_a,
        ),
        [crew_a2],
    )
    goods_b = actions.save_vehicle(
        Vehicle(
            organization=county.coop_b,
            kind=VehicleKind.GOODS_TO_VILLAGE,
            plate="浙CD12345",
            name="溪口大篷车",
            capacity_kg=1500,
            depot=centre_b,
        ),
        [crew_b],
    )
    soap = _product(county, "D101", "肥皂", Business.CONSUMER_GOODS, Category.DAILY, "piece", "3.50")
    rice = _product(county, "D102", "大米", Business.CONSUMER_GOODS, Category.GRAIN_OIL, "piece", "29.90")
    Package.objects.create(product=rice, name="箱", factor=Decimal("4"))
    eggs = _product(county, "N001", "土鸡蛋", Business.FARM_PRODUCE, Category.PRODUCE, "kg", "16.00")
    tea = _product(county, "N002", "茶青", Business.FARM_PRODUCE, Category.PRODUCE, "kg", "40.00")
    receive(trade, goods_a.location, soap, "100", "2.50")
    receive(trade, goods_a.location, rice, "20", "24.00")
    receive(trade, goods_a.location, trade.fertilizer, "500", "3.00")
    receive(trade, goods_b.location, soap, "50", "2.50", user=county.clerk_b)
    route_a = Route.objects.create(
        organization=county.coop_a,
        code="R-A1",
        name="桥头山区线",
        kind=VehicleKind.GOODS_TO_VILLAGE,
        vehicle=goods_a,
        area="南部山区",
        weekdays="2,5",
        runs_per_month=4,
    )
    RouteStop.objects.create(route=route_a, position=1, village=county.village_a, minutes_from_start=40)
    RouteStop.objects.create(route=route_a, position=2, village=county.village_b, minutes_from_start=120)
    farmer_a = member(county, county.coop_a, "张建国", 1)
    farmer_b = member(county, county.coop_b, "李秀英", 2, village=county.village_b)
    trip_a = actions.create_trip(county.clerk_a, goods_a, TRIP_DAY, route=route_a)
    trip_a2 = actions.create_trip(
        county.clerk_a,
        produce_a,
        TRIP_DAY,
        places=[{"village": county.village_b}, {"village": county.village_a}],
    )
    trip_b = actions.create_trip(county.clerk_b, goods_b, TRIP_DAY, places=[{"village": county.village_b}])
    return Fleet(
        county=county,
        trade=trade,
        crew_a=crew_a,
        crew_a2=crew_a2,
        crew_b=crew_b,
        centre_a=centre_a,
        centre_b=centre_b,
        goods_a=goods_a,
        produce_a=produce_a,
        goods_b=goods_b,
        soap=soap,
        rice=rice,
        eggs=eggs,
        tea=tea,
        route_a=route_a,
        farmer_a=farmer_a,
        farmer_b=farmer_b,
        trip_a=trip_a,
        trip_a2=trip_a2,
        trip_b=trip_b,
    )


def plannable(county: County, trucks: Fleet) -> Fleet:
    trucks.centre_a.longitude, trucks.centre_a.latitude = Decimal("120.5500"), Decimal("27.5900")
    trucks.centre_a.save()
    VillagePoint.objects.create(
        village=county.village_a, longitude=Decimal("120.5800"), latitude=Decimal("27.6100")
    )
    VillagePoint.objects.create(
        village=county.village_b, longitude=Decimal("120.5200"), latitude=Decimal("27.6300")
    )
    trucks.rice.unit_weight_kg = Decimal("5")
    trucks.rice.save()
    PreOrder.objects.create(
        organization=county.coop_a,
        village=county.village_b,
        customer_name="李秀英",
        product=trucks.rice,
        quantity=Decimal("10"),
        created_by=county.clerk_a,
    )
    return trucks
