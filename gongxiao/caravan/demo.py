"""Demo caravan trucks (供富大篷车) of 2022: nine trucks of 惠农公司 on twelve mountain routes, a year of trips.

Everything goes through the actions under the demo clock, as the crews' phones and the dispatchers
would have recorded it: the depots buy in, each truck is loaded before its run, and on the road the
crew sells daily goods, buys produce by the jin from the village's member farmers (now and then
registering a farmer on the spot), hands over fertilizer pre-ordered by phone, holds agronomy advice
sessions, passes credit applications to the bank and gives chicks away in spring. Produce is unloaded
at the depot after the run. The trucks start in March 2022; the runs of March 2023 are scheduled and
still to come (open the crew's phone with ?date=2023-03-07 to record one).

Depots are the collection and distribution centres of the mountain districts the network step made;
the ones missing (when the network demo has none there) are created here.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from gongxiao.caravan import actions
from gongxiao.caravan.models import (
    JIN_KG,
    PlanningRun,
    PreOrder,
    Route,
    RouteStop,
    Trip,
    TripStop,
    Vehicle,
    VehicleKind,
    VillagePoint,
)
from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.errors import InsufficientStock
from gongxiao.commerce.models import Business, Category, Document, Location, Product, StockBalance, Unit
from gongxiao.core import clock, roles
from gongxiao.core.demo import COUNTY_NAME, DemoContext, step
from gongxiao.core.models import Region
from gongxiao.members.models import Member
from gongxiao.network.models import Outlet

try:  # the network step's map, so that the villages lie where its outlets are
    from gongxiao.network.demo import TOWN_CENTRES
except ImportError:  # pragma: no cover
    TOWN_CENTRES = {}

FIRST_MONTH = dt.date(2022, 3, 1)
LAST_MONTH = dt.date(2022, 12, 1)
COMING_MONTH = dt.date(2023, 3, 1)
PLATES: dict[str, list[str]] = {
    VehicleKind.GOODS_TO_VILLAGE: ["浙C5G101", "浙C5G102", "浙C5G103"],
    VehicleKind.PRODUCE_TO_CITY: ["浙C5N201", "浙C5N202", "浙CD52203"],
    VehicleKind.INPUTS_TO_MOUNTAIN: ["浙C5Z301", "浙C5Z302", "浙C5Z303"],
}
CAPACITY: dict[str, int] = {
    VehicleKind.GOODS_TO_VILLAGE: 1500,
    VehicleKind.PRODUCE_TO_CITY: 2500,
    VehicleKind.INPUTS_TO_MOUNTAIN: 5000,
}
SHORT: dict[str, str] = {
    VehicleKind.GOODS_TO_VILLAGE: "日用品",
    VehicleKind.PRODUCE_TO_CITY: "农产品",
    VehicleKind.INPUTS_TO_MOUNTAIN: "农资农技",
}
# code, name, specification, unit, cost, price (daily goods of the goods trucks)
DAILY = [
    ("D101", "食盐", "500克", Unit.PIECE, "2.20", "3.00"),
    ("D102", "酱油", "500毫升", Unit.PIECE, "5.50", "7.50"),
    ("D103", "毛巾", "纯棉", Unit.PIECE, "6.00", "9.90"),
    ("D104", "卫生纸", "10卷", Unit.PIECE, "13.00", "18.80"),
    ("D105", "牙膏", "120克", Unit.PIECE, "6.50", "9.50"),
    ("D106", "肥皂", "4块装", Unit.PIECE, "7.00", "9.90"),
    ("D107", "挂面", "1千克", Unit.PIECE, "5.00", "7.00"),
    ("D108", "食用油", "5升", Unit.PIECE, "58.00", "69.00"),
]
# code, name, price per jin: the produce of the seed's paragraph
PRODUCE = [
    ("N101", "土鸡蛋", "9.00"),
    ("N102", "地瓜粉", "12.00"),
    ("N103", "土豆", "1.80"),
    ("N104", "芋头", "2.50"),
    ("N105", "饭糍", "10.00"),
    ("N106", "茶青", "22.00"),
    ("N107", "水稻", "1.60"),
    ("N108", "高山大米", "4.50"),
    ("N109", "果冻橙", "3.80"),
]
# what sells in which months: tea leaves in spring, oranges in winter, rice after the harvest
PRODUCE_MONTHS = {
    "N106": {3, 4, 5},
    "N109": {11, 12, 1},
    "N107": {9, 10},
    "N108": {10, 11, 12},
    "N104": {8, 9, 10, 11},
}
FERTILIZERS = ["F001", "F002", "F003", "F005"]
TOPICS = [
    "茶园春季施肥",
    "水稻病虫害绿色防控",
    "柑橘冬季清园",
    "测土配方施肥",
    "高山蔬菜栽培",
    "土鸡散养防疫",
]
BANKS = ["县农商银行", "县农业银行", "县邮储银行"]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, day = [], first
    while day <= last:
        months.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


class Caravan:
    """What the step builds, step by step; each method does one part."""

    def __init__(self, ctx: DemoContext) -> None:
        assert ctx.head_company is not None and ctx.federation is not None and ctx.enterprises
        self.ctx = ctx
        self.rng = ctx.rng
        self.operator = ctx.enterprises[-1]  # 惠农公司 runs the trucks and the centres
        self.catalog_owner = ctx.head_company
        self.staff = ctx.users.get("staff") or ctx.add_user(
            "caravan_staff", ctx.federation, roles.DEPARTMENT_STAFF
        )
        self.dispatcher = ctx.add_user("caravan01", self.operator, roles.DEPARTMENT_STAFF)
        self.counts: dict[str, int] = {"sales": 0, "purchases": 0, "deliveries": 0, "services": 0, "new": 0}
        self.points: dict[int, tuple[float, float]] = {}

    # ---------------------------------------------------------------- places

    def village_points(self) -> int:
        """Coordinates of every village, on the network step's map (same generator, same order)."""
        place = random.Random(f"{COUNTY_NAME}:network")
        rows = []
        for town in self.ctx.towns:
            lon, lat = TOWN_CENTRES.get(town.code[6:9], (120.45, 27.45))
            spread = 0.035 if town.is_mountain else 0.025
            for village in self.ctx.villages_by_town[town.pk]:
                at = (
                    round(min(max(lon + place.uniform(-spread, spread), 120.20), 120.70), 6),
                    round(min(max(lat + place.uniform(-spread, spread) * 0.85, 27.25), 27.65), 6),
                )
                self.points[village.pk] = at
                rows.append(
                    VillagePoint(village=village, longitude=Decimal(str(at[0])), latitude=Decimal(str(at[1])))
                )
        VillagePoint.objects.bulk_create(rows)
        return len(rows)

    def depots(self) -> list[Outlet]:
        """The collection centres of the mountain districts: the network step's, or made here."""
        depots: list[Outlet] = []
        for number, (district, towns) in enumerate(sorted(self.ctx.mountain_districts.items()), start=1):
            town_paths = [t.path for t in towns]
            centre = (
                Outlet.objects.filter(kind=Outlet.Kind.COLLECTION_CENTRE, region__path__in=town_paths)
                .order_by("code")
                .first()
            )
            if centre is None:
                town = towns[0]
                lon, lat = TOWN_CENTRES.get(town.code[6:9], (120.45, 27.45))
                centre = Outlet.objects.create(
                    organization=self.operator,
                    code=f"CC-CV{number}",
                    name=f"{district}农产品集采集配中心",
                    kind=Outlet.Kind.COLLECTION_CENTRE,
                    region=town,
                    address=f"{town.name}物流园区",
                    longitude=Decimal(str(lon)),
                    latitude=Decimal(str(lat)),
                    opened_year=2022,
                )
            depots.append(centre)
        # a third centre when the county has only two mountain districts: the next mountain town's, or any
        for centre in Outlet.objects.filter(
            kind=Outlet.Kind.COLLECTION_CENTRE, region__is_mountain=True
        ).order_by("code"):
            if len(depots) >= 3:
                break
            if centre not in depots:
                depots.append(centre)
        while len(depots) < 3:
            town = next(t for ts in self.ctx.mountain_districts.values() for t in ts)
            depots.append(
                Outlet.objects.create(
                    organization=self.operator,
                    code=f"CC-CV{len(depots) + 1}",
                    name=f"{town.name}农产品集采集配中心",
                    kind=Outlet.Kind.COLLECTION_CENTRE,
                    region=town,
                    opened_year=2022,
                )
            )
        for centre in depots:
            if centre.location_id is None:
                centre.location = Location.objects.create(
                    organization=self.operator,
                    code=f"WH-{centre.code}",
                    name=f"{centre.name}仓库",
                    kind=Location.Kind.WAREHOUSE,
                )
                centre.save(update_fields=["location"])
        return depots

    # ---------------------------------------------------------------- catalog and fleet

    def products(self) -> None:
        owner = self.catalog_owner
        for code, name, spec, unit, _cost, price in DAILY:
            Product.objects.get_or_create(
                code=code,
                organization=owner,
                defaults={
                    "name": name,
                    "specification": spec,
                    "business": Business.CONSUMER_GOODS,
                    "category": Category.GRAIN_OIL if code in ("D107", "D108") else Category.DAILY,
                    "base_unit": unit,
                    "price": Decimal(price),
                },
            )
        for code, name, per_jin in PRODUCE:
            Product.objects.get_or_create(
                code=code,
                organization=owner,
                defaults={
                    "name": name,
                    "business": Business.FARM_PRODUCE,
                    "category": Category.PROCESSED if name in ("地瓜粉", "饭糍") else Category.PRODUCE,
                    "base_unit": Unit.KG,
                    "price": Decimal(per_jin) / JIN_KG,
                },
            )
        self.daily = list(
            Product.objects.filter(organization=owner, code__in=[d[0] for d in DAILY]).order_by("code")
        )
        self.costs = {d[0]: Decimal(d[4]) for d in DAILY}
        self.produce = list(
            Product.objects.filter(organization=owner, code__in=[p[0] for p in PRODUCE]).order_by("code")
        )
        self.fertilizers = list(
            Product.objects.filter(organization=owner, code__in=FERTILIZERS).order_by("code")
        )
        if not self.fertilizers:  # without the supply step: a compound fertilizer of its own
            self.fertilizers = [
                Product.objects.create(
                    organization=owner,
                    code="F002",
                    name="复合肥",
                    specification="15-15-15",
                    business=Business.AGRI_INPUT,
                    category=Category.COMPOUND,
                    price=Decimal("3.60"),
                )
            ]

    def fleet(self, depots: list[Outlet]) -> list[Vehicle]:
        crews = [self.ctx.users["truck01"]] if "truck01" in self.ctx.users else []
        for number in range(len(crews) + 1, 13):
            crews.append(self.ctx.add_user(f"truck{number:02d}", self.operator, roles.TRUCK_CREW))
        vehicles = []
        for index, (kind, plates) in enumerate(PLATES.items()):
            for number, plate in enumerate(plates):
                depot = depots[number % len(depots)]
                crew = [crews[index * 3 + number]] + (
                    [crews[9 + number]] if kind == VehicleKind.INPUTS_TO_MOUNTAIN else []
                )
                vehicles.append(
                    actions.save_vehicle(
                        Vehicle(
                            organization=self.operator,
                            kind=kind,
                            plate=plate,
                            name=f"{SHORT[kind]}大篷车{number + 1}号",
                            capacity_kg=CAPACITY[kind],
                            depot=depot,
                            in_service_since=dt.date(2022, 3, 1) if number < 2 else dt.date(2022, 6, 1),
                        ),
                        crew,
                    )
                )
        return vehicles

    def routes(self, vehicles: list[Vehicle], depots: list[Outlet]) -> list[Route]:
        """Four routes per kind over the mountain towns; the first truck of a kind runs two of them."""
        districts = sorted(self.ctx.mountain_districts.items())
        towns = [(district, town) for district, ts in districts for town in ts]
        points = list(
            Outlet.objects.filter(kind=Outlet.Kind.PRODUCE_POINT, region__is_mountain=True).order_by("code")
        )
        routes = []
        weekdays = ["2,5", "1,4", "3,6", "1,4"]  # the fourth route is the first truck's second: other days
        for kind_index, kind in enumerate(VehicleKind.values):
            trucks = [v for v in vehicles if v.kind == kind]
            for number in range(4):
                district, town = towns[(kind_index * 4 + number) % len(towns)]
                villages = list(self.ctx.villages_by_town[town.pk])
                self.rng.shuffle(villages)
                chosen = villages[: self.rng.randint(5, 7)]
                truck = trucks[0] if number == 3 else trucks[number]
                depot_at = (float(truck.depot.longitude or 0), float(truck.depot.latitude or 0))
                chosen.sort(key=lambda v: math.dist(self.points.get(v.pk, depot_at), depot_at))
                route = Route.objects.create(
                    organization=self.operator,
                    code=f"DPC-{kind_index + 1}{number + 1:02d}",
                    name=f"{town.name}{SHORT[kind]}线{number + 1}",
                    kind=kind,
                    vehicle=truck,
                    area=district,
                    weekdays=weekdays[number],
                    runs_per_month=4,
                    departs_at=dt.time(7, 30) if kind == VehicleKind.INPUTS_TO_MOUNTAIN else dt.time(8, 0),
                )
                minutes = 40
                stops = []
                for position, village in enumerate(chosen, start=1):
                    stops.append(
                        RouteStop(
                            route=route,
                            position=position,
                            village=village,
                            minutes_from_start=minutes,
                            service_minutes=40,
                        )
                    )
                    minutes += 40 + self.rng.randint(15, 35)
                point = next((p for p in points if p.region.path.startswith(town.path)), None)
                if kind == VehicleKind.PRODUCE_TO_CITY and point is not None:
                    stops.append(
                        RouteStop(
                            route=route, position=len(stops) + 1, outlet=point, minutes_from_start=minutes
                        )
                    )
                RouteStop.objects.bulk_create(stops)
                routes.append(route)
        return routes

    # ---------------------------------------------------------------- stock

    def stock_depots(self, depots: list[Outlet], day: dt.date) -> None:
        """The monthly purchase of each depot: daily goods and fertilizer for the trucks it loads."""
        for depot in depots:
            assert depot.location is not None
            lines = [
                LineSpec(p, Decimal(self.rng.randrange(60, 120)), unit_price=self.costs[p.code])
                for p in self.daily
            ]
            lines += [
                LineSpec(
                    p,
                    Decimal(self.rng.randrange(80, 140) * 50),
                    unit_price=(p.price * Decimal("0.85")).quantize(Decimal("0.01")),
                )
                for p in self.fertilizers
            ]
            with clock.travel(_at(day, 9)):
                create_and_confirm(
                    self.dispatcher,
                    DocumentSpec(
                        kind=Document.Kind.PURCHASE,
                        organization=self.operator,
                        location=depot.location,
                        partner_name="县供销惠农商贸配送中心",
                        lines=lines,
                    ),
                )

    def load(self, vehicle: Vehicle, wanted: dict[Product, Decimal], day: dt.date) -> None:
        """Top the truck up from its depot before a run (a transfer; only what the depot has)."""
        depot_location = vehicle.depot.location
        assert depot_location is not None
        have = dict(
            StockBalance.objects.filter(location=depot_location, batch_key=0).values_list(
                "product_id", "quantity"
            )
        )
        on_truck = dict(
            StockBalance.objects.filter(location=vehicle.location, batch_key=0).values_list(
                "product_id", "quantity"
            )
        )
        lines = []
        for product, quantity in wanted.items():
            missing = quantity - on_truck.get(product.pk, Decimal(0))
            take = min(missing, have.get(product.pk, Decimal(0)))
            if take > 0:
                lines.append(LineSpec(product, take))
        if lines:
            with clock.travel(_at(day, 7)):
                create_and_confirm(
                    self.dispatcher,
                    DocumentSpec(
                        kind=Document.Kind.TRANSFER,
                        organization=self.operator,
                        location=depot_location,
                        to_location=vehicle.location,
                        channel=Document.Channel.DISTRIBUTION,
                        lines=lines,
                    ),
                )

    # ---------------------------------------------------------------- pre-orders and trips

    def preorders(self, trip: Trip, members: dict[int, list[Member]]) -> None:
        """Villagers phone their fertilizer orders in during the days before an inputs run."""
        entered = _at(trip.date - dt.timedelta(days=self.rng.randint(1, 4)), 10)
        orders = []
        for stop in trip.stops.all():
            if stop.village_id is None:
                continue
            people = members.get(stop.village_id) or []
            for _ in range(self.rng.choice([0, 1, 1, 2, 3])):
                member = self.rng.choice(people) if people and self.rng.random() < 0.85 else None
                orders.append(
                    PreOrder(
                        organization=self.operator,
                        village_id=stop.village_id,
                        member=member,
                        customer_name=member.name if member else self.ctx.person_name(),
                        phone=member.phone if member else self.ctx.mobile(),
                        product=self.rng.choice(self.fertilizers),
                        quantity=Decimal(self.rng.choice([50, 100, 100, 150, 200, 300, 500])),
                        channel=self.rng.choice(["phone", "phone", "messaging"]),
                        created_by=self.staff,
                        created_at=timezone.make_aware(entered),
                    )
                )
        PreOrder.objects.bulk_create(orders)

    def run(self, trip: Trip, members: dict[int, list[Member]], odometer: dict[int, Decimal]) -> None:
        """One day on the road, entry by entry as the phone records it."""
        rng, vehicle = self.rng, trip.vehicle
        crew = vehicle.crew.all()[0]
        kind = vehicle.kind
        start = odometer[vehicle.pk]
        day = trip.date
        minute = 7 * 60 + 40
        with clock.travel(_at(day, 7, 40)):
            actions.start_trip(crew, trip, start)
        orders: dict[int, list[PreOrder]] = {}
        for order in actions.preorders_for_trip(trip):
            orders.setdefault(order.village_id, []).append(order)
        season = day.month
        for stop in trip.stops.select_related(
            "village", "outlet", "trip__vehicle__location", "trip__organization"
        ):
            minute += rng.randint(25, 55)
            arrive = _at(day, minute // 60, minute % 60)
            with clock.travel(arrive):
                actions.arrive(crew, stop, arrive)
            people = members.get(stop.village_id or 0) or []
            served = 0
            if kind == VehicleKind.GOODS_TO_VILLAGE:
                for _ in range(rng.randint(2, 5)):
                    minute += rng.randint(2, 6)
                    lines = [
                        actions.SaleLine(p.pk, Decimal(rng.choice([1, 1, 1, 2, 2, 3])))
                        for p in rng.sample(self.daily, rng.randint(1, 3))
                    ]
                    member = rng.choice(people) if people and rng.random() < 0.4 else None
                    try:
                        with clock.travel(_at(day, minute // 60, minute % 60)):
                            actions.record_sale(
                                crew,
                                stop,
                                lines,
                                rng.choice(["cash", "mobile", "mobile"]),
                                member_id=member.pk if member else None,
                            )
                        self.counts["sales"] += 1
                        served += 1
                    except InsufficientStock:
                        pass  # sold out on the truck; the crew says so and moves on
            if kind == VehicleKind.PRODUCE_TO_CITY and stop.village_id:
                in_season = [
                    p for p in self.produce if season in PRODUCE_MONTHS.get(p.code, set(range(1, 13)))
                ]
                for _ in range(rng.randint(2, 4)):
                    minute += rng.randint(3, 8)
                    product = rng.choice(in_season)
                    per_jin = (product.price * JIN_KG * Decimal(str(rng.uniform(0.9, 1.15)))).quantize(
                        Decimal("0.1")
                    )
                    weight = (
                        Decimal(rng.randrange(80, 1200)) / 10
                        if per_jin < 5
                        else Decimal(rng.randrange(30, 400)) / 10
                    )
                    kwargs: dict[str, Any] = {}
                    if not people:
                        continue  # nobody of the village sells today
                    if rng.random() < 0.98:
                        kwargs["member_id"] = rng.choice(people).pk
                    else:  # a neighbour who has not joined yet: registered on the spot
                        kwargs["new_farmer"] = self.new_farmer(stop.village)
                    try:
                        with clock.travel(_at(day, minute // 60, minute % 60)):
                            purchase = actions.record_purchase(
                                crew,
                                stop,
                                product_id=product.pk,
                                weight_jin=weight,
                                price_per_jin=per_jin,
                                payment_method=rng.choice(["cash", "mobile", "mobile", "bank_card"]),
                                **kwargs,
                            )
                    except ValidationError:
                        continue  # e.g. the ID number given belongs to someone else: no purchase
                    if purchase.member_created:
                        people.append(purchase.member)
                        self.counts["new"] += 1
                    self.counts["purchases"] += 1
                    served += 1
            if kind == VehicleKind.INPUTS_TO_MOUNTAIN:
                for order in orders.get(stop.village_id or 0, []):
                    minute += rng.randint(3, 8)
                    try:
                        with clock.travel(_at(day, minute // 60, minute % 60)):
                            actions.record_delivery(
                                crew,
                                stop,
                                product_id=order.product_id,
                                quantity=order.quantity,
                                payment_method=rng.choice(["cash", "mobile", "credit"]),
                                preorder_id=order.pk,
                            )
                        self.counts["deliveries"] += 1
                        served += 1
                    except InsufficientStock:
                        pass
                if rng.random() < 0.6:
                    with clock.travel(_at(day, minute // 60, minute % 60)):
                        actions.record_service(
                            crew, stop, "advice", topic=rng.choice(TOPICS), people=rng.randint(6, 30)
                        )
                    self.counts["services"] += 1
                if people and rng.random() < 0.12:
                    with clock.travel(_at(day, minute // 60, minute % 60)):
                        actions.record_service(
                            crew,
                            stop,
                            "finance",
                            topic="农合通信用贷",
                            member_id=rng.choice(people).pk,
                            amount=Decimal(rng.choice([30000, 50000, 100000, 200000])),
                            bank=rng.choice(BANKS),
                        )
                    self.counts["services"] += 1
            if kind != VehicleKind.GOODS_TO_VILLAGE and season in (3, 4, 5) and rng.random() < 0.15:
                households = rng.randint(2, 8)
                with clock.travel(_at(day, minute // 60, minute % 60)):
                    actions.record_service(
                        crew,
                        stop,
                        "gift",
                        topic="土鸡苗",
                        quantity=households * rng.choice([10, 20, 30]),
                        households=households,
                    )
                self.counts["services"] += 1
            minute += rng.randint(10, 25)
            with clock.travel(_at(day, minute // 60, minute % 60)):
                actions.close_stop(
                    crew, stop, max(served, rng.randint(8, 30)), _at(day, minute // 60, minute % 60)
                )
        distance = Decimal(rng.randint(60, 140)) + Decimal(rng.randint(0, 9)) / 10
        end = _at(day, min(minute // 60 + 1, 18), rng.randint(0, 59))
        with clock.travel(end):
            actions.end_trip(crew, Trip.objects.get(pk=trip.pk), start + distance, end)
        odometer[vehicle.pk] = start + distance + Decimal(rng.randint(5, 40))

    def new_farmer(self, village: Region | None) -> actions.NewFarmer:
        from gongxiao.core.testing import make_ric

        birth = dt.date(1981, 1, 1) + dt.timedelta(days=self.rng.randrange(7000))
        return actions.NewFarmer(
            name=self.ctx.person_name(),
            id_number=make_ric(birth, self.rng.randrange(1, 999)),
            phone=self.ctx.mobile(),
            village_id=village.pk if village else None,
        )

    def wanted(self, vehicle: Vehicle) -> dict[Product, Decimal]:
        if vehicle.kind == VehicleKind.GOODS_TO_VILLAGE:
            return {p: Decimal(40) for p in self.daily}
        if vehicle.kind == VehicleKind.INPUTS_TO_MOUNTAIN:
            return {p: Decimal(1500) for p in self.fertilizers}
        return {}


@step("供富大篷车（9 辆车、12 条山区线路、2022 年的出车记录）")
def caravan(ctx: DemoContext) -> str:
    work = Caravan(ctx)
    points = work.village_points()
    depots = work.depots()
    work.products()
    vehicles = work.fleet(depots)
    routes = work.routes(vehicles, depots)
    mountain = [v for t in ctx.towns if t.is_mountain for v in ctx.villages_by_town[t.pk]]
    members: dict[int, list[Member]] = {}
    for member in Member.objects.filter(village__in=mountain, is_active=True, kind=Member.Kind.HOUSEHOLD):
        members.setdefault(member.village_id, []).append(member)
    months = _months(FIRST_MONTH, LAST_MONTH)
    keep = max(1, round(len(months) * min(1.0, ctx.scale)))
    months = months[-keep:]  # a smaller demo keeps the last months of the year
    odometer = {v.pk: Decimal(ctx.rng.randint(8000, 30000)) for v in vehicles}
    trips = 0
    for month in months:
        work.stock_depots(depots, month)
        scheduled: list[Trip] = []
        for route in routes:
            assert route.vehicle is not None
            if route.vehicle.in_service_since and route.vehicle.in_service_since > month:
                continue
            with clock.travel(_at(month, 8)):
                scheduled += actions.schedule_month(work.dispatcher, route, month.year, month.month)
        scheduled.sort(key=lambda t: (t.date, t.pk))
        for trip in scheduled:
            trip = Trip.objects.select_related(
                "vehicle__location", "vehicle__depot__location", "organization"
            ).get(pk=trip.pk)
            if trip.vehicle.kind == VehicleKind.INPUTS_TO_MOUNTAIN:
                with clock.travel(_at(trip.date - dt.timedelta(days=1), 16)):
                    work.preorders(trip, members)
            work.load(trip.vehicle, work.wanted(trip.vehicle), trip.date)
            work.run(trip, members, odometer)
            trips += 1
    with clock.travel(_at(COMING_MONTH - dt.timedelta(days=3), 9)):
        coming = sum(
            len(actions.schedule_month(work.dispatcher, route, COMING_MONTH.year, COMING_MONTH.month))
            for route in routes
        )
    plan = _demo_plan(work, vehicles)
    farmers = len(
        set(Member.objects.filter(caravan_purchases__isnull=False).values_list("pk", flat=True).distinct())
    )
    c = work.counts
    stops = TripStop.objects.filter(status=TripStop.Status.MADE).count()
    return (
        f"{len(vehicles)} 辆车（3 个集采集配中心）、{len(routes)} 条线路、{points} 个村的坐标；{trips} 趟出车、{stops} 个停靠点；"
        f"销售 {c['sales']} 单，向 {farmers} 户农户收购 {c['purchases']} 笔（车上登记新会员 {c['new']} 人），"
        f"农资交付 {c['deliveries']} 笔，服务 {c['services']} 次；2023 年 3 月已排 {coming} 趟；{plan}"
    )


def _demo_plan(work: Caravan, vehicles: list[Vehicle]) -> str:
    """A route plan for the inputs trucks on 2023-03-08 over the villages that phoned in orders, not yet accepted."""
    from gongxiao.caravan import planning

    trucks = [v for v in vehicles if v.kind == VehicleKind.INPUTS_TO_MOUNTAIN]
    day = dt.date(2023, 3, 8)
    depot_towns = {t.path for ts in work.ctx.mountain_districts.values() for t in ts}
    villages = [v for t in work.ctx.towns if t.path in depot_towns for v in work.ctx.villages_by_town[t.pk]]
    with clock.travel(_at(day - dt.timedelta(days=2), 10)):
        entered = timezone.make_aware(_at(day - dt.timedelta(days=2), 10))
        for village in work.rng.sample(villages, min(8, len(villages))):
            PreOrder.objects.create(
                organization=work.operator,
                village=village,
                customer_name=work.ctx.person_name(),
                phone=work.ctx.mobile(),
                product=work.rng.choice(work.fertilizers),
                quantity=Decimal(work.rng.choice([200, 300, 500, 800])),
                created_by=work.staff,
                created_at=entered,
            )
        inputs = planning.build_inputs(
            work.dispatcher,
            vehicles=trucks,
            villages=work.rng.sample(villages, min(10, len(villages))),
            start_date=day,
            days=1,
            shift_start=dt.time(7, 30),
            shift_end=dt.time(17, 30),
            service_minutes=30,
            road_factor=1.4,
            speed_kmh=30,
        )
        run = PlanningRun.objects.create(
            organization=work.operator,
            name="2023年3月8日农资农技车线路",
            start_date=day,
            inputs=inputs,
            time_limit=10,
            created_by=work.dispatcher,
        )
        PlanningRun.objects.filter(pk=run.pk).update(created_at=clock.now())
        run = planning.solve_run(run.pk, max_iterations=400, seed=1)
    result = planning.plan_of(run)
    served = len(result.served()) if result else 0
    return f"线路规划 1 次（{len(inputs['stops'])} 个村，服务 {served} 个）"
