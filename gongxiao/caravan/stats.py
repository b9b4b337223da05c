"""Statistics of the caravan trucks per vehicle kind and period, and the seed's paragraph (二) 4 from them.

Everything is counted from the trips of the period (by the trip's date) that the user may see; trips
still planned or cancelled count for nothing. Sales, purchases and deliveries count only while their
document stands (a reversed document drops out). People served are person-visits: the crew counts the
people served at each stop.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from gongxiao.caravan.models import (
    InputDelivery,
    ProducePurchase,
    Route,
    ServiceRecord,
    StopSale,
    Trip,
    TripStop,
    Vehicle,
    VehicleKind,
)
from gongxiao.commerce.models import Document
from gongxiao.core.models import Region
from gongxiao.network.models import Outlet

RUN = (Trip.Status.UNDERWAY, Trip.Status.DONE)
STEP = Region.steplen


@dataclass
class Figures:
    vehicles: int = 0
    trips: int = 0
    mileage_km: Decimal = Decimal(0)
    towns: int = 0
    villages: int = 0
    people: int = 0
    sales_orders: int = 0
    sales_amount: Decimal = Decimal(0)
    produce_jin: Decimal = Decimal(0)
    produce_yuan: Decimal = Decimal(0)
    households_paid: int = 0
    inputs_t: Decimal = Decimal(0)
    advice_sessions: int = 0
    finance_services: int = 0
    gifts: int = 0
    gift_households: int = 0
    # the sets behind the distinct counts, so that totals over kinds count each one once
    _vehicles: set[int] = field(default_factory=set, repr=False)
    _towns: set[str] = field(default_factory=set, repr=False)
    _villages: set[str] = field(default_factory=set, repr=False)
    _members: set[int] = field(default_factory=set, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}


@dataclass
class Statistics:
    start: dt.date
    end: dt.date
    by_kind: dict[str, Figures]
    total: Figures
    months: list[str]
    monthly: dict[str, dict[str, list[float]]]  # kind -> measure -> one value per month
    produce_names: list[str]
    gift_items: list[str]

    def rows(self) -> list[tuple[str, str, Figures]]:
        return [(kind, str(label), self.by_kind[kind]) for kind, label in VehicleKind.choices]


def _month_keys(start: dt.date, end: dt.date) -> list[str]:
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def statistics(user: Any, start: dt.date, end: dt.date) -> Statistics:
    trips = Trip.objects.visible_to(user).filter(date__gte=start, date__lte=end, status__in=RUN)
    trip_ids = trips.values("pk")
    by_kind = {kind: Figures() for kind in VehicleKind.values}
    months = _month_keys(start, end)
    measures = ("trips", "mileage_km", "sales_amount", "produce_jin")
    monthly = {kind: {m: [0.0] * len(months) for m in measures} for kind in VehicleKind.values}
    index = {key: i for i, key in enumerate(months)}

    for kind, vehicle_id, date, km in trips.values_list("vehicle__kind", "vehicle_id", "date", "distance_km"):
        figures = by_kind[kind]
        figures._vehicles.add(vehicle_id)
        figures.trips += 1
        figures.mileage_km += km or 0
        slot = index[f"{date:%Y-%m}"]
        monthly[kind]["trips"][slot] += 1
        monthly[kind]["mileage_km"][slot] += float(km or 0)

    stops = TripStop.objects.filter(trip__in=trip_ids, status=TripStop.Status.MADE).values_list(
        "trip__vehicle__kind", "village__path", "outlet__region__path", "people_served"
    )
    for kind, village_path, outlet_path, people in stops:
        figures = by_kind[kind]
        path = village_path or outlet_path or ""
        if len(path) >= 2 * STEP:
            figures._towns.add(path[: 2 * STEP])
        if len(path) >= 3 * STEP:
            figures._villages.add(path[: 3 * STEP])
        figures.people += people

    standing = Q(document__status=Document.Status.CONFIRMED)
    sales = StopSale.objects.filter(standing, stop__trip__in=trip_ids)
    for kind, date, amount in sales.values_list(
        "stop__trip__vehicle__kind", "stop__trip__date", "document__total_amount"
    ):
        by_kind[kind].sales_orders += 1
        by_kind[kind].sales_amount += amount
        monthly[kind]["sales_amount"][index[f"{date:%Y-%m}"]] += float(amount)

    purchases = ProducePurchase.objects.filter(standing, stop__trip__in=trip_ids)
    produce_weight: dict[str, Decimal] = defaultdict(Decimal)
    for kind, date, member_id, jin, amount, product in purchases.values_list(
        "stop__trip__vehicle__kind", "stop__trip__date", "member_id", "weight_jin", "amount", "product__name"
    ):
        figures = by_kind[kind]
        figures.produce_jin += jin
        figures.produce_yuan += amount
        figures._members.add(member_id)
        produce_weight[product] += jin
        monthly[kind]["produce_jin"][index[f"{date:%Y-%m}"]] += float(jin)

    deliveries = (
        InputDelivery.objects.filter(standing, stop__trip__in=trip_ids)
        .values("stop__trip__vehicle__kind")
        .annotate(kg=Sum("weight_kg"))
    )
    for row in deliveries:
        by_kind[row["stop__trip__vehicle__kind"]].inputs_t += row["kg"] / 1000

    services = (
        ServiceRecord.objects.filter(stop__trip__in=trip_ids)
        .values("stop__trip__vehicle__kind", "kind")
        .annotate(count=Count("pk"), given=Sum("quantity"), households=Sum("households"))
    )
    for service in services:
        figures = by_kind[service["stop__trip__vehicle__kind"]]
        if service["kind"] == ServiceRecord.Kind.ADVICE:
            figures.advice_sessions += service["count"]
        elif service["kind"] == ServiceRecord.Kind.FINANCE:
            figures.finance_services += service["count"]
        elif service["kind"] == ServiceRecord.Kind.GIFT:
            figures.gifts += service["given"] or 0
            figures.gift_households += service["households"] or 0
    gift_items = list(
        ServiceRecord.objects.filter(stop__trip__in=trip_ids, kind=ServiceRecord.Kind.GIFT)
        .values_list("topic", flat=True)
        .distinct()
        .order_by("topic")
    )

    total = Figures()
    for figures in by_kind.values():
        _settle(figures)
        for f in fields(Figures):
            if f.name.startswith("_"):
                getattr(total, f.name).update(getattr(figures, f.name))
            elif f.name not in ("vehicles", "towns", "villages", "households_paid"):
                setattr(total, f.name, getattr(total, f.name) + getattr(figures, f.name))
    _settle(total)
    names = [name for name, _jin in sorted(produce_weight.items(), key=lambda item: -item[1])]
    return Statistics(start, end, by_kind, total, months, monthly, names, gift_items)


def _settle(figures: Figures) -> None:
    figures.vehicles = len(figures._vehicles)
    figures.towns = len(figures._towns)
    figures.villages = len(figures._villages)
    figures.households_paid = len(figures._members)
    figures.inputs_t = figures.inputs_t.quantize(Decimal("0.001"))


def change(current: Decimal | int, previous: Decimal | int) -> Decimal | None:
    """The change on the previous period in %, or None when there is nothing to compare with."""
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(Decimal("0.1"))


# ---------------------------------------------------------------- the report's paragraph


def about(value: Decimal | int) -> str:
    """A count as the report writes it: 23,456 → "2.3 万多", 3,456 → "3,400 多", 87 → "87"."""
    number = Decimal(value)
    if number >= 10000:
        tenth = (number / 10000).quantize(Decimal("0.1"), ROUND_DOWN)
        text = f"{tenth.normalize():f} " + _("ten-thousand")
        return text + (_("-odd") if tenth * 10000 < number else "")
    if number >= 100:
        digits = len(str(int(number)))
        unit = Decimal(10) ** (digits - 2)
        rounded = (number / unit).to_integral_value(ROUND_DOWN) * unit
        return f"{int(rounded):,}" + (_("-odd") if rounded < number else "")
    return f"{int(number)}" if number == number.to_integral_value() else f"{number.normalize():f}"


def wan(value: Decimal) -> str:
    """An amount in 万 with two places: 356,200 → 35.62."""
    return f"{(Decimal(value) / 10000).quantize(Decimal('0.01')):,}"


def report_paragraph(user: Any, stats: Statistics) -> str:
    """Seed (二) 4 in the report's words, every number from the records of the period."""
    vehicles = Vehicle.objects.visible_to(user).exclude(status=Vehicle.Status.RETIRED)
    vehicles = vehicles.filter(Q(in_service_since__isnull=True) | Q(in_service_since__lte=stats.end))
    fleet = dict(vehicles.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    depots = vehicles.values("depot").distinct().count()
    points = (
        Outlet.objects.visible_to(user)
        .filter(kind=Outlet.Kind.PRODUCE_POINT, region__is_mountain=True)
        .exclude(status=Outlet.Status.CLOSED)
        .count()
    )
    areas = list(
        Route.objects.visible_to(user)
        .filter(kind=VehicleKind.GOODS_TO_VILLAGE, is_active=True)
        .exclude(area="")
        .values_list("area", flat=True)
        .distinct()
        .order_by("area")
    )
    goods = stats.by_kind[VehicleKind.GOODS_TO_VILLAGE]
    total = stats.total
    parts = [
        _(
            "So far %(goods)s goods-to-village trucks, %(produce)s produce-to-city trucks and %(inputs)s "
            "inputs-and-advice trucks are running, with %(depots)s mountain collection and distribution "
            "centres and %(points)s mountain produce direct-sale points"
        )
        % {
            "goods": fleet.get(VehicleKind.GOODS_TO_VILLAGE, 0),
            "produce": fleet.get(VehicleKind.PRODUCE_TO_CITY, 0),
            "inputs": fleet.get(VehicleKind.INPUTS_TO_MOUNTAIN, 0),
            "depots": depots,
            "points": points,
        },
        _(
            "%(advice)s agronomy advice sessions held and %(tonnes)s tonnes of reliable fertilizer brought to the villages"
        )
        % {"advice": total.advice_sessions, "tonnes": about(total.inputs_t.to_integral_value(ROUND_DOWN))},
        _(
            "goods trucks run in %(areas)s, serving %(towns)s towns, %(villages)s villages and %(people)s mountain "
            "people; %(km)s km driven in all, %(orders)s sales orders of daily goods, %(amount)s ten-thousand "
            "yuan of daily goods sold at fair prices"
        )
        % {
            "areas": "、".join(areas) or "—",
            "towns": total.towns,
            "villages": total.villages,
            "people": about(total.people),
            "km": about(total.mileage_km.to_integral_value(ROUND_DOWN)),
            "orders": about(goods.sales_orders),
            "amount": wan(goods.sales_amount),
        },
        _(
            "%(produce)s and other mountain produce bought: %(jin)s jin, %(yuan)s ten-thousand yuan of sales "
            "for %(households)s mountain households"
        )
        % {
            "produce": "、".join(stats.produce_names[:9]) or "—",
            "jin": about(total.produce_jin.to_integral_value(ROUND_DOWN)),
            "yuan": wan(total.produce_yuan),
            "households": total.households_paid,
        },
    ]
    if total.gifts:
        parts.append(
            _("%(count)s %(items)s given to %(households)s mountain households")
            % {
                "count": f"{total.gifts:,}",
                "items": "、".join(stats.gift_items),
                "households": total.gift_households,
            }
        )
    return "；".join(parts) + "。"
