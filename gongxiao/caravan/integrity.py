"""Consistency checks of the caravan records for `gongxiao check-integrity`."""

from __future__ import annotations

from django.db.models import F

from gongxiao.caravan.models import InputDelivery, ProducePurchase, StopSale, Trip
from gongxiao.core.integrity import Problems, register


@register("大篷车出车里程等于里程表读数之差")
def trip_mileage_matches_odometer() -> Problems:
    # compared in Python: SQLite would subtract the NUMERIC columns in floating point
    problems: Problems = []
    for trip in Trip.objects.filter(status=Trip.Status.DONE).select_related("vehicle").iterator():
        start, end = trip.odometer_start, trip.odometer_end
        if trip.distance_km is None or start is None or end is None or trip.distance_km != end - start:
            problems.append(f"出车 {trip}：里程 {trip.distance_km} 与里程表 {start}→{end} 不符")
    return problems[:50]


@register("大篷车的销售、收购、农资交付单据都在本车库位")
def records_sit_on_their_truck() -> Problems:
    problems: Problems = []
    for model, noun in ((StopSale, "销售"), (ProducePurchase, "收购"), (InputDelivery, "农资交付")):
        wrong = model.objects.exclude(document__location=F("stop__trip__vehicle__location")).select_related(
            "document"
        )  # type: ignore[attr-defined]
        problems += [f"{noun}单据 {record.document}：不在所属车辆的库位上" for record in wrong[:50]]
    return problems
