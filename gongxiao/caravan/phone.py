"""What the crew's phone keeps for a day without signal: the day's trips with their stops, the truck's
stock, the pre-orders it carries, the members of the villages it visits, and the produce it buys.

The phone stores this bundle in IndexedDB when it has signal and works from it offline; the texts of
its screens come from `phone_texts()` (translated here, on the server, like every other page).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongxiao.caravan.actions import preorders_for_trip, visible_trips_for_phone
from gongxiao.caravan.models import JIN_KG, ServiceRecord, Trip, TripStop
from gongxiao.commerce.models import Business, Payment, Product, StockBalance
from gongxiao.core import clock
from gongxiao.core.models import Region, User
from gongxiao.core.numbers import plain
from gongxiao.members.models import Member


def _town_names(paths: set[str]) -> dict[str, str]:
    towns = {path[: 2 * Region.steplen] for path in paths}
    return dict(Region.objects.filter(path__in=towns).values_list("path", "name"))


def _stop(stop: TripStop, towns: dict[str, str]) -> dict[str, Any]:
    region = stop.place_region
    return {
        "id": stop.pk,
        "position": stop.position,
        "name": stop.place_name,
        "village_id": stop.village_id,
        "town": towns.get(region.path[: 2 * Region.steplen], "") if region else "",
        "planned_arrival": stop.planned_arrival.strftime("%H:%M") if stop.planned_arrival else "",
        "status": stop.status,
        "arrived_at": stop.arrived_at.isoformat() if stop.arrived_at else None,
        "closed_at": stop.closed_at.isoformat() if stop.closed_at else None,
        "people_served": stop.people_served,
    }


def _stock(trip: Trip) -> list[dict[str, Any]]:
    balances = (
        StockBalance.objects.filter(location=trip.vehicle.location, quantity__gt=0)
        .select_related("product")
        .order_by("product__business", "product__code")
    )
    return [
        {
            "product_id": b.product_id,
            "code": b.product.code,
            "name": b.product.name,
            "spec": b.product.specification,
            "unit": str(b.product.get_base_unit_display()),
            "price": plain(b.product.price),
            "on_hand": plain(b.quantity),
            "business": b.product.business,
            "weight_kg": plain(b.product.unit_weight_kg) if b.product.unit_weight_kg else None,
        }
        for b in balances
        if b.product.is_active and not b.product.is_banned
    ]


def _members(trip: Trip, village_ids: set[int]) -> list[dict[str, Any]]:
    members = (
        Member.objects.filter(county=trip.organization.county, village_id__in=village_ids, is_active=True)
        .select_related("village")
        .order_by("village__code", "pinyin")
    )
    return [
        {
            "id": m.pk,
            "name": m.name,
            "pinyin": m.pinyin,
            "village_id": m.village_id,
            "village": m.village.name,
            "id_tail": m.id_number[-4:],
            "phone_tail": m.phone[-4:],
        }
        for m in members
    ]


def _trip(trip: Trip) -> dict[str, Any]:
    stops = list(trip.stops.all())
    regions = [s.place_region for s in stops]
    towns = _town_names({r.path for r in regions if r is not None})
    village_ids = {s.village_id for s in stops if s.village_id}
    village_ids |= {
        s.outlet.region_id
        for s in stops
        if s.outlet is not None and s.outlet.region.level == Region.Level.VILLAGE
    }
    stop_of_village = {s.village_id: s.pk for s in stops if s.village_id}
    vehicle = trip.vehicle
    return {
        "id": trip.pk,
        "date": trip.date.isoformat(),
        "status": trip.status,
        "route": trip.route.name if trip.route else "",
        "odometer_start": plain(trip.odometer_start) if trip.odometer_start is not None else None,
        "odometer_end": plain(trip.odometer_end) if trip.odometer_end is not None else None,
        "vehicle": {
            "id": vehicle.pk,
            "plate": vehicle.display_plate,
            "name": vehicle.name,
            "kind": vehicle.kind,
            "kind_label": str(vehicle.get_kind_display()),
            "depot": vehicle.depot.name,
        },
        "stops": [_stop(s, towns) for s in stops],
        "stock": _stock(trip),
        "preorders": [
            {
                "id": order.pk,
                "village_id": order.village_id,
                "village": order.village.name,
                "stop_id": stop_of_village.get(order.village_id),
                "customer": order.customer_name,
                "phone": order.phone,
                "member_id": order.member_id,
                "product_id": order.product_id,
                "product": str(order.product),
                "quantity": plain(order.quantity),
                "unit": str(order.product.get_base_unit_display()),
                "note": order.note,
            }
            for order in preorders_for_trip(trip)
        ],
        "members": _members(trip, village_ids),
        "villages": sorted(
            [{"id": s.village_id, "name": s.village.name} for s in stops if s.village is not None],
            key=lambda v: v["name"],
        ),
    }


def bundle(user: User, day: dt.date | None = None) -> dict[str, Any]:
    day = day or clock.today()
    trips = (
        visible_trips_for_phone(user, day)
        .select_related("vehicle__location", "vehicle__depot", "route", "organization")
        .prefetch_related(
            Prefetch(
                "stops",
                queryset=TripStop.objects.select_related("village", "outlet__region").order_by("position"),
            )
        )
        .order_by("vehicle__plate", "pk")
    )
    produce = Product.objects.visible_to(user).filter(
        business=Business.FARM_PRODUCE, is_active=True, base_unit="kg"
    )
    return {
        "user": {"id": user.pk, "name": user.display_name()},
        "date": day.isoformat(),
        "generated_at": clock.now().isoformat(),
        "trips": [_trip(trip) for trip in trips],
        "produce": [
            {
                "product_id": p.pk,
                "name": p.name,
                "spec": p.specification,
                "price_per_jin": plain((p.price * JIN_KG).quantize(Decimal("0.01"))),
            }
            for p in produce.order_by("code")
        ],
        "payment_methods": [[value, str(label)] for value, label in Payment.Method.choices],
        "service_kinds": [[value, str(label)] for value, label in ServiceRecord.Kind.choices],
    }


def phone_texts() -> dict[str, str]:
    """Every text the phone's screens show, in the user's language."""
    return {
        "title": _("Crew's phone"),
        "today": _("Today's trip"),
        "no_trip": _("No trip for you today. Ask the dispatcher to schedule one."),
        "load": _("Load today's trips"),
        "loaded_at": _("Data of"),
        "offline": _("No signal: entries are kept on the phone and sent later."),
        "online": _("Online"),
        "waiting": _("Waiting to be sent"),
        "sent": _("Sent"),
        "refused": _("Refused"),
        "send_now": _("Send now"),
        "retry": _("Send again"),
        "discard": _("Discard"),
        "discard_confirm": _("Discard this entry? It will not be sent."),
        "nothing_waiting": _("Nothing waiting to be sent."),
        "login_again": _("Your login has expired: log in again, then the entries are sent."),
        "start_trip": _("Start the trip"),
        "end_trip": _("End the trip"),
        "odometer_start": _("Odometer at start (km)"),
        "odometer_end": _("Odometer at end (km)"),
        "next_stop": _("Next stop"),
        "stops": _("Stops"),
        "arrive": _("Arrived"),
        "sell": _("Sell"),
        "buy": _("Buy produce"),
        "deliver": _("Deliver inputs"),
        "service": _("Record a service"),
        "close_stop": _("Close the stop"),
        "people_served": _("People served"),
        "product": _("Product"),
        "quantity": _("Quantity"),
        "price": _("Price"),
        "amount": _("Amount (yuan)"),
        "on_hand": _("On the truck"),
        "paid_by": _("Paid by"),
        "member": _("Member"),
        "no_member": _("Not a member yet: register"),
        "search_member": _("Name, pinyin initials or last 4 ID digits"),
        "name": _("Name"),
        "id_number": _("Resident ID number"),
        "phone": _("Phone"),
        "village": _("Village"),
        "produce": _("Produce"),
        "weight_jin": _("Weight (jin)"),
        "price_per_jin": _("Price (yuan per jin)"),
        "paid_amount": _("Amount paid (yuan)"),
        "preorder": _("Pre-order"),
        "preorders": _("Pre-orders for this stop"),
        "no_preorder": _("Without a pre-order"),
        "kind": _("Service"),
        "topic": _("Topic or item"),
        "people": _("People attending"),
        "credit_amount": _("Credit applied for (yuan)"),
        "bank": _("Passed to bank"),
        "count_given": _("Count given"),
        "households": _("Households"),
        "note": _("Note"),
        "save": _("Save"),
        "back": _("Back"),
        "saved_offline": _("Saved on the phone; it is sent when there is signal."),
        "add_line": _("Add a line"),
        "total": _("Total"),
        "receipt": pgettext("printed slip", "Receipt"),
        "receipt_later": _("The receipt can be printed once the entry is sent."),
        "status_planned": _("Not yet reached"),
        "status_made": _("Made"),
        "status_skipped": _("Skipped"),
        "trip_planned": _("Planned"),
        "trip_underway": _("On the road"),
        "trip_done": _("Completed"),
        "required": _("This field is required."),
        "too_much": _("More than is on the truck."),
        "entry_start_trip": _("Trip started"),
        "entry_arrive": _("Arrival"),
        "entry_sale": _("Sale"),
        "entry_purchase": _("Produce bought"),
        "entry_delivery": _("Inputs delivered"),
        "entry_service": _("Service"),
        "entry_close_stop": _("Stop closed"),
        "entry_end_trip": _("Trip ended"),
        "jin": _("jin"),
        "yuan": _("yuan"),
    }
