"""What changes caravan records: vehicles with their truck stock location, scheduled trips, and
everything the crew records on the road (start, arrival, sale, produce purchase, input delivery,
service, closing a stop, the end of the trip).

Every operation checks that the user may record the trip (the crew's own vehicle, or staff of the
operating organization), runs in one transaction and raises a `ValidationError` whose messages say in
Chinese what is wrong; then nothing was written. Sales and purchases are `commerce` documents on the
truck's stock location, created and confirmed through `commerce.actions`.

Non-members (decision, see docs/features.md): produce is bought only from members. When the seller is
not a member yet, the crew may register them on the spot with name, resident ID number, phone and
village: a household member checked like any member (ID check digit, one ID per county), of the base
coop the village's (else the town's) members belong to, else the truck's operator, in
the same transaction as the purchase; an ID number already registered under another name is refused.
Without these details the purchase is refused with a message saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongxiao.caravan.models import (
    JIN_KG,
    InputDelivery,
    PreOrder,
    ProducePurchase,
    Route,
    ServiceRecord,
    StopSale,
    Trip,
    TripStop,
    Vehicle,
    sees_fleet,
)
from gongxiao.commerce.actions import DocumentSpec, LineSpec, PaymentSpec, create_and_confirm
from gongxiao.commerce.models import Business, Document, Location, Payment, Product, StockBalance
from gongxiao.core import clock, roles
from gongxiao.core.models import Region, User
from gongxiao.core.numbers import plain
from gongxiao.members.models import Member

CENT = Decimal("0.01")


class RecordError(ValidationError):
    """A record of the road cannot be written as it stands; nothing was written."""


def _field_error(label: str, message: str) -> str:
    return _("“%(field)s”: %(message)s") % {"field": label, "message": message}


# ---------------------------------------------------------------- vehicles and schedules


def save_vehicle(vehicle: Vehicle, crew: Iterable[User] | None = None) -> Vehicle:
    """Save the vehicle; a new one gets its truck stock location in the same transaction."""
    vehicle.full_clean(exclude=["location"])
    crew_list = list(crew) if crew is not None else None
    if crew_list is not None:
        check_crew(vehicle, crew_list)
    label = vehicle.get_kind_display()
    with transaction.atomic():
        if vehicle.location_id is None:
            vehicle.location = Location.objects.create(
                organization=vehicle.organization,
                code=f"CV-{vehicle.plate}",
                name=f"{label} {vehicle.display_plate}",
                kind=Location.Kind.TRUCK,
            )
        else:
            Location.objects.filter(pk=vehicle.location_id).update(
                name=f"{label} {vehicle.display_plate}", organization=vehicle.organization
            )
        vehicle.save()
        if crew_list is not None:
            vehicle.crew.set(crew_list)
    return vehicle


def check_crew(vehicle: Vehicle, users: list[User]) -> None:
    problems = []
    for user in users:
        if not user.groups.filter(name=roles.TRUCK_CREW).exists():
            problems.append(_("%(user)s does not have the truck-crew role") % {"user": user.display_name()})
        elif not user.can_manage(vehicle.organization):
            problems.append(
                _("%(user)s works for another organization than the vehicle's operator")
                % {"user": user.display_name()}
            )
    if problems:
        raise RecordError({"crew": problems})


def _stop_time(route: Route, minutes: int | None) -> dt.time | None:
    if minutes is None:
        return None
    start = dt.datetime.combine(dt.date(2000, 1, 1), route.departs_at)
    return (start + dt.timedelta(minutes=minutes)).time()


def create_trip(
    user: User,
    vehicle: Vehicle,
    date: dt.date,
    *,
    route: Route | None = None,
    places: list[dict[str, Any]] | None = None,
    plan: Any = None,
    note: str = "",
) -> Trip:
    """A planned trip with its stops: the route's, or `places` ({village|outlet, planned_arrival, load})."""
    if not user.can_manage(vehicle.organization):
        raise RecordError(_("You may not plan trips for this vehicle."))
    if vehicle.status == Vehicle.Status.RETIRED:
        raise RecordError(_("The vehicle is retired."))
    with transaction.atomic():
        trip = Trip.objects.create(
            organization=vehicle.organization,
            vehicle=vehicle,
            route=route,
            plan=plan,
            date=date,
            note=note,
            created_by=user,
        )
        trip.crew.set(vehicle.crew.all())
        stops = []
        if places is None and route is not None:
            places = [
                {
                    "village": stop.village,
                    "outlet": stop.outlet,
                    "planned_arrival": _stop_time(route, stop.minutes_from_start),
                }
                for stop in route.stops.select_related("village", "outlet")
            ]
        for position, place in enumerate(places or [], start=1):
            stops.append(
                TripStop(
                    trip=trip,
                    position=position,
                    village=place.get("village"),
                    outlet=place.get("outlet"),
                    planned_arrival=place.get("planned_arrival"),
                    planned_load_kg=place.get("load_kg"),
                )
            )
        TripStop.objects.bulk_create(stops)
    return trip


def schedule_month(user: User, route: Route, year: int, month: int) -> list[Trip]:
    """The route's trips of a month from its schedule; dates that already have the route's trip are kept."""
    if route.vehicle is None:
        raise RecordError(_("The route has no vehicle; choose the vehicle that runs it first."))
    if not route.stops.exists():
        raise RecordError(_("The route has no stops yet."))
    existing = set(route.trips.filter(date__year=year, date__month=month).values_list("date", flat=True))
    made = []
    with transaction.atomic():
        for day in route.dates_in_month(year, month):
            if day not in existing:
                made.append(create_trip(user, route.vehicle, day, route=route))
    return made


# ---------------------------------------------------------------- the road


def _recordable_trip(user: User, trip: Trip) -> Trip:
    if not user.has_perm("caravan.record_trip"):
        raise RecordError(_("You may not record trips."), code="forbidden")
    # the organization scope, and for a crew member their own vehicles (Trip.objects.visible_to's rule)
    if not user.can_manage(trip.organization) or not (sees_fleet(user) or trip.vehicle_id in _crewed(user)):
        raise RecordError(_("This trip is not one of your vehicle's trips."), code="forbidden")
    if trip.status == Trip.Status.CANCELLED:
        raise RecordError(_("The trip of %(date)s was cancelled.") % {"date": trip.date}, code="cancelled")
    return trip


def _crewed(user: User) -> set[int]:
    """The vehicles the user is crew of, read once per user object (one request, one demo run)."""
    if not hasattr(user, "_caravan_vehicles"):
        user._caravan_vehicles = set(user.crewed_vehicles.values_list("pk", flat=True))  # type: ignore[attr-defined]
    return user._caravan_vehicles  # type: ignore[attr-defined, no-any-return]


def _moment(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return clock.now()
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def _touch_stop(stop: TripStop, at: dt.datetime) -> None:
    """A record at a stop means the truck was there: mark it made, from the first record's time."""
    changed = []
    if stop.status != TripStop.Status.MADE:
        stop.status = TripStop.Status.MADE
        changed.append("status")
    if stop.arrived_at is None or at < stop.arrived_at:
        stop.arrived_at = at
        changed.append("arrived_at")
    if changed:
        stop.save(update_fields=changed)
    trip = stop.trip
    if trip.status == Trip.Status.PLANNED:
        trip.status = Trip.Status.UNDERWAY
        trip.started_at = trip.started_at or at
        trip.save(update_fields=["status", "started_at"])


def start_trip(user: User, trip: Trip, odometer_start: Decimal, at: dt.datetime | None = None) -> Trip:
    _recordable_trip(user, trip)
    at = _moment(at)
    if odometer_start is None or odometer_start < 0:
        raise RecordError(_field_error(_("odometer at start (km)"), _("enter the odometer reading")))
    with transaction.atomic():
        trip = Trip.objects.select_for_update().get(pk=trip.pk)
        if trip.odometer_start is not None and trip.odometer_start != odometer_start:
            raise RecordError(
                _("The trip was already started with the odometer at %(km)s km.")
                % {"km": plain(trip.odometer_start)}
            )
        if trip.status == Trip.Status.DONE:
            raise RecordError(_("The trip is already completed."))
        trip.odometer_start = odometer_start
        trip.started_at = trip.started_at or at
        trip.status = Trip.Status.UNDERWAY
        trip.save(update_fields=["odometer_start", "started_at", "status"])
    return trip


def arrive(user: User, stop: TripStop, at: dt.datetime | None = None) -> TripStop:
    _recordable_trip(user, stop.trip)
    with transaction.atomic():
        _touch_stop(stop, _moment(at))
    return stop


def close_stop(user: User, stop: TripStop, people_served: int, at: dt.datetime | None = None) -> TripStop:
    _recordable_trip(user, stop.trip)
    if people_served is None or people_served < 0:
        raise RecordError(_field_error(_("people served"), _("enter how many people the truck served here")))
    at = _moment(at)
    with transaction.atomic():
        _touch_stop(stop, at)
        stop.people_served = people_served
        stop.closed_at = at
        stop.save(update_fields=["people_served", "closed_at"])
    return stop


def end_trip(
    user: User,
    trip: Trip,
    odometer_end: Decimal,
    at: dt.datetime | None = None,
    odometer_start: Decimal | None = None,
) -> Trip:
    """Close the trip with the odometer: mileage, stops never reached marked skipped, produce unloaded."""
    _recordable_trip(user, trip)
    at = _moment(at)
    with transaction.atomic():
        trip = (
            Trip.objects.select_for_update(of=("self",))
            .select_related("vehicle__depot__location")
            .get(pk=trip.pk)
        )
        if trip.status == Trip.Status.DONE:
            if trip.odometer_end == odometer_end:
                return trip
            raise RecordError(
                _("The trip was already ended with the odometer at %(km)s km.")
                % {"km": plain(trip.odometer_end or 0)}
            )
        start = trip.odometer_start if trip.odometer_start is not None else odometer_start
        if start is None:
            raise RecordError(
                _field_error(
                    _("odometer at start (km)"),
                    _("the trip was never started; enter the odometer at the start"),
                )
            )
        if odometer_end is None or odometer_end < start:
            raise RecordError(
                _field_error(
                    _("odometer at end (km)"),
                    _("must be at least the odometer at the start (%(km)s km)") % {"km": plain(start)},
                )
            )
        trip.odometer_start = start
        trip.odometer_end = odometer_end
        trip.distance_km = odometer_end - start
        trip.ended_at = at
        trip.started_at = trip.started_at or at
        trip.status = Trip.Status.DONE
        trip.save(
            update_fields=[
                "odometer_start",
                "odometer_end",
                "distance_km",
                "ended_at",
                "started_at",
                "status",
            ]
        )
        trip.stops.filter(status=TripStop.Status.PLANNED).update(status=TripStop.Status.SKIPPED)
        _unload_produce(user, trip)
    return trip


def _unload_produce(user: User, trip: Trip) -> Document | None:
    """Produce bought on this trip goes from the truck into the depot's stock, when the depot keeps stock."""
    depot_location = trip.vehicle.depot.location
    if depot_location is None:
        return None
    bought = (
        ProducePurchase.objects.filter(stop__trip=trip, document__status=Document.Status.CONFIRMED)
        .values("product")
        .annotate(jin=Sum("weight_jin"))
    )
    on_truck = dict(
        StockBalance.objects.filter(location=trip.vehicle.location, batch_key=0).values_list(
            "product", "quantity"
        )
    )
    products = {p.pk: p for p in Product.objects.filter(pk__in=[row["product"] for row in bought])}
    lines = []
    for row in bought:
        quantity = min(row["jin"] * JIN_KG, on_truck.get(row["product"], Decimal(0)))
        if quantity > 0:
            lines.append(LineSpec(products[row["product"]], quantity))
    if not lines:
        return None
    return create_and_confirm(
        user,
        DocumentSpec(
            kind=Document.Kind.TRANSFER,
            organization=trip.organization,
            location=trip.vehicle.location,
            to_location=depot_location,
            channel=Document.Channel.TRUCK,
            note=_("Produce unloaded after the trip of %(date)s") % {"date": trip.date},
            lines=lines,
        ),
    )


# ---------------------------------------------------------------- records at a stop


@dataclass
class SaleLine:
    product_id: int
    quantity: Decimal
    unit_price: Decimal | None = None


def _products(user: User, ids: Iterable[int]) -> dict[int, Product]:
    return {p.pk: p for p in Product.objects.visible_to(user).filter(pk__in=set(ids))}


def _county_member(trip: Trip, member_id: int | None) -> Member | None:
    """A member of the county: the truck serves every farmer of the villages, whichever coop they joined."""
    if member_id is None:
        return None
    member = Member.objects.filter(pk=member_id, county=trip.organization.county, is_active=True).first()
    if member is None:
        raise RecordError(_field_error(_("member"), _("no such member in this county")))
    return member


def _line_error(number: int, label: str, message: str) -> str:
    return _("Line %(line)s “%(field)s”: %(message)s") % {"line": number, "field": label, "message": message}


def record_sale(
    user: User,
    stop: TripStop,
    lines: list[SaleLine],
    payment_method: str,
    *,
    member_id: int | None = None,
    external_id: str = "",
    at: dt.datetime | None = None,
) -> StopSale:
    """A sale from the truck's stock: a confirmed `commerce` sale, channel "truck", paid at once."""
    trip = _recordable_trip(user, stop.trip)
    at = _moment(at)
    member = _county_member(trip, member_id)
    if payment_method not in Payment.Method.values or payment_method == Payment.Method.CREDIT:
        raise RecordError(_field_error(_("payment method"), _("choose cash, bank card or mobile payment")))
    if not lines:
        raise RecordError(_("The sale has no lines."))
    products = _products(user, (line.product_id for line in lines))
    specs, errors, total = [], [], Decimal(0)
    for number, line in enumerate(lines, start=1):
        product = products.get(line.product_id)
        if product is None:
            errors.append(_line_error(number, _("product"), _("no such product in your catalog")))
            continue
        price = line.unit_price if line.unit_price is not None else product.price
        specs.append(LineSpec(product, line.quantity, unit_price=price))
        if line.quantity is not None and price is not None:
            total += (line.quantity * price).quantize(CENT, ROUND_HALF_UP)
    if errors:
        raise RecordError(errors)
    vehicle = trip.vehicle
    with transaction.atomic():
        document = create_and_confirm(
            user,
            DocumentSpec(
                kind=Document.Kind.SALE,
                organization=vehicle.organization,
                location=vehicle.location,
                channel=Document.Channel.TRUCK,
                member=member,
                external_id=external_id,
                note=stop.place_name,
                lines=specs,
                payments=[PaymentSpec(payment_method, total)] if total > 0 else [],
            ),
        )
        _touch_stop(stop, at)
        return StopSale.objects.create(stop=stop, document=document, recorded_at=at)


@dataclass
class NewFarmer:
    """A seller who is not a member yet: registered as a household member with the purchase."""

    name: str
    id_number: str
    phone: str
    village_id: int | None


def _members_organization(village: Region | None, county: Any) -> Any:
    """The base coop a new member of `village` joins: the one most of the village's members belong to,
    else most of its town's, else the base coop seated in the town; None when none is known."""
    from django.db.models import Count

    from gongxiao.core.models import Organization

    if village is None:
        return None
    town_path = village.path[: 2 * Region.steplen]
    members = Member.objects.filter(county=county, organization__kind=Organization.Kind.BASE_COOP)
    for neighbours in (members.filter(village=village), members.filter(village__path__startswith=town_path)):
        usual = (
            neighbours.values("organization").annotate(n=Count("pk")).order_by("-n", "organization").first()
        )
        if usual is not None:
            return Organization.objects.get(pk=usual["organization"])
    return (
        Organization.objects.filter(
            kind=Organization.Kind.BASE_COOP, region__path=town_path, path__startswith=county.path
        )
        .order_by("path")
        .first()
    )


def _register_farmer(trip: Trip, farmer: NewFarmer) -> tuple[Member, bool]:
    organization = trip.organization
    county = organization.county
    id_number = (farmer.id_number or "").strip().upper()
    existing = Member.objects.filter(county=county, id_number=id_number).first() if id_number else None
    if existing is not None:
        if existing.name != farmer.name.strip():
            raise RecordError(
                _field_error(
                    _("ID number"),
                    _("this ID number is already registered for member %(name)s") % {"name": existing.name},
                )
            )
        return existing, False
    village = Region.objects.filter(pk=farmer.village_id, level=Region.Level.VILLAGE).first()
    member = Member(
        organization=_members_organization(village, county) or organization,
        county=county,
        kind=Member.Kind.HOUSEHOLD,
        name=(farmer.name or "").strip(),
        id_number=id_number,
        phone=(farmer.phone or "").strip(),
        village=village,
        joined_on=clock.today(),
        note=_("registered on caravan truck %(plate)s") % {"plate": trip.vehicle.display_plate},
    )
    try:
        member.full_clean(exclude=["county", "pinyin"])
    except ValidationError as exc:
        labels = {f.name: str(f.verbose_name) for f in Member._meta.fields}
        messages = [
            _field_error(labels.get(field, field), message)
            for field, field_messages in exc.message_dict.items()
            for message in field_messages
        ]
        raise RecordError(messages) from None
    member.save()
    return member, True


def record_purchase(
    user: User,
    stop: TripStop,
    *,
    product_id: int,
    weight_jin: Decimal,
    price_per_jin: Decimal,
    payment_method: str,
    paid_amount: Decimal | None = None,
    member_id: int | None = None,
    new_farmer: NewFarmer | None = None,
    external_id: str = "",
    at: dt.datetime | None = None,
) -> ProducePurchase:
    """Produce bought from a member farmer, weighed in jin; a confirmed purchase into the truck's stock."""
    trip = _recordable_trip(user, stop.trip)
    at = _moment(at)
    errors = []
    product = _products(user, [product_id]).get(product_id)
    if product is None or product.business != Business.FARM_PRODUCE or not product.is_active:
        errors.append(_field_error(_("produce"), _("choose a farm product the truck buys")))
    elif product.base_unit != "kg":
        errors.append(_field_error(_("produce"), _("produce bought by weight must be kept in kg")))
    if weight_jin is None or weight_jin <= 0:
        errors.append(_field_error(_("weight (jin)"), _("must be greater than 0")))
    elif weight_jin != weight_jin.quantize(CENT):
        errors.append(_field_error(_("weight (jin)"), _("at most 2 decimal places")))
    if price_per_jin is None or price_per_jin < 0:
        errors.append(_field_error(_("price (yuan per jin)"), _("must not be negative")))
    if payment_method not in Payment.Method.values:
        errors.append(_field_error(_("paid by"), _("choose how the farmer was paid")))
    if errors:
        raise RecordError(errors)
    assert product is not None
    amount = (weight_jin * price_per_jin).quantize(CENT, ROUND_HALF_UP)
    paid = amount if paid_amount is None else paid_amount
    if paid < 0 or paid > amount:
        raise RecordError(
            _field_error(
                _("amount paid (yuan)"),
                _("between 0 and the amount of %(amount)s yuan") % {"amount": amount},
            )
        )
    with transaction.atomic():
        created = False
        if member_id is not None:
            member = _county_member(trip, member_id)
        elif new_farmer is not None and (new_farmer.name or new_farmer.id_number):
            member, created = _register_farmer(trip, new_farmer)
        else:
            raise RecordError(
                _field_error(
                    _("farmer"),
                    _(
                        "produce is bought from members only; choose the member, or register the farmer "
                        "with name, resident ID number, phone and village"
                    ),
                )
            )
        assert member is not None
        payments = []
        if paid > 0:
            payments.append(PaymentSpec(payment_method, paid))
        if amount - paid > 0:
            payments.append(PaymentSpec(Payment.Method.CREDIT, amount - paid))
        vehicle = trip.vehicle
        document = create_and_confirm(
            user,
            DocumentSpec(
                kind=Document.Kind.PURCHASE,
                organization=vehicle.organization,
                location=vehicle.location,
                channel=Document.Channel.TRUCK,
                member=member,
                partner_name=member.name,
                partner_contact=member.phone,
                external_id=external_id,
                note=stop.place_name,
                # the stock is kept in kg: 1 jin = 0.5 kg, the price per kg twice the price per jin
                lines=[LineSpec(product, weight_jin * JIN_KG, unit_price=price_per_jin / JIN_KG)],
                payments=payments,
            ),
        )
        _touch_stop(stop, at)
        return ProducePurchase.objects.create(
            stop=stop,
            member=member,
            product=product,
            weight_jin=weight_jin,
            price_per_jin=price_per_jin,
            amount=document.total_amount,
            paid_amount=paid,
            payment_method=payment_method,
            document=document,
            member_created=created,
            recorded_at=at,
        )


def record_delivery(
    user: User,
    stop: TripStop,
    *,
    product_id: int,
    quantity: Decimal,
    payment_method: str,
    preorder_id: int | None = None,
    member_id: int | None = None,
    unit_price: Decimal | None = None,
    external_id: str = "",
    at: dt.datetime | None = None,
) -> InputDelivery:
    """Agri-inputs handed over (a sale from the truck's stock), closing the pre-order it was for."""
    trip = _recordable_trip(user, stop.trip)
    at = _moment(at)
    product = _products(user, [product_id]).get(product_id)
    if product is None or product.business != Business.AGRI_INPUT:
        raise RecordError(_field_error(_("product"), _("choose an agricultural input")))
    if quantity is None or quantity <= 0:
        raise RecordError(_field_error(_("quantity"), _("must be greater than 0")))
    weight = product.weight_kg(quantity)
    if weight is None:
        raise RecordError(
            _field_error(
                _("product"),
                _("the weight of one %(unit)s of %(product)s is not known; set it on the product")
                % {"unit": product.get_base_unit_display(), "product": product},
            )
        )
    if payment_method not in Payment.Method.values:
        raise RecordError(_field_error(_("payment method"), _("choose how the farmer paid")))
    preorder = None
    if preorder_id is not None:
        preorder = PreOrder.objects.filter(
            pk=preorder_id, organization__path__startswith=trip.organization.county.path
        ).first()
        if preorder is None:
            raise RecordError(_field_error(_("pre-order"), _("no such pre-order")))
        if preorder.status == PreOrder.Status.CANCELLED:
            raise RecordError(_field_error(_("pre-order"), _("the pre-order was cancelled")))
    member = _county_member(
        trip, member_id if member_id is not None else (preorder.member_id if preorder else None)
    )
    price = unit_price if unit_price is not None else product.price
    total = (quantity * price).quantize(CENT, ROUND_HALF_UP)
    vehicle = trip.vehicle
    with transaction.atomic():
        document = create_and_confirm(
            user,
            DocumentSpec(
                kind=Document.Kind.SALE,
                organization=vehicle.organization,
                location=vehicle.location,
                channel=Document.Channel.TRUCK,
                member=member,
                partner_name=preorder.customer_name if preorder else "",
                partner_contact=preorder.phone if preorder else "",
                external_id=external_id,
                note=stop.place_name,
                lines=[LineSpec(product, quantity, unit_price=price)],
                payments=[PaymentSpec(payment_method, total)] if total > 0 else [],
            ),
        )
        if preorder is not None:
            PreOrder.objects.filter(pk=preorder.pk).update(
                status=PreOrder.Status.DELIVERED, delivered_on=trip
            )
        _touch_stop(stop, at)
        return InputDelivery.objects.create(
            stop=stop,
            preorder=preorder,
            member=member,
            product=product,
            quantity=quantity,
            weight_kg=weight,
            document=document,
            recorded_at=at,
        )


def record_service(
    user: User,
    stop: TripStop,
    kind: str,
    *,
    topic: str = "",
    people: int = 0,
    member_id: int | None = None,
    amount: Decimal | None = None,
    bank: str = "",
    quantity: int = 0,
    households: int = 0,
    note: str = "",
    at: dt.datetime | None = None,
) -> ServiceRecord:
    """An agronomy advice session, a credit application passed to the bank, or a gift in kind."""
    trip = _recordable_trip(user, stop.trip)
    at = _moment(at)
    errors = []
    if kind not in ServiceRecord.Kind.values:
        raise RecordError(_field_error(_("service"), _("choose advice, finance service or gift")))
    if people < 0 or quantity < 0 or households < 0:
        errors.append(_("Counts cannot be negative."))
    member = None
    if kind == ServiceRecord.Kind.ADVICE:
        if not topic.strip():
            errors.append(_field_error(_("topic or item"), _("say what the advice was about")))
    elif kind == ServiceRecord.Kind.FINANCE:
        member = _county_member(trip, member_id)
        if member is None:
            errors.append(_field_error(_("applicant"), _("choose the member who applies")))
        if amount is None or amount <= 0:
            errors.append(_field_error(_("credit applied for (yuan)"), _("must be greater than 0")))
        if not bank.strip():
            errors.append(_field_error(_("passed to bank"), _("name the bank the application goes to")))
    elif kind == ServiceRecord.Kind.GIFT:
        if not topic.strip():
            errors.append(_field_error(_("topic or item"), _("say what was given, e.g. chicks")))
        if quantity <= 0:
            errors.append(_field_error(_("count given"), _("must be greater than 0")))
        if households <= 0:
            errors.append(_field_error(_("households"), _("must be greater than 0")))
    if errors:
        raise RecordError(errors)
    with transaction.atomic():
        _touch_stop(stop, at)
        return ServiceRecord.objects.create(
            stop=stop,
            kind=kind,
            topic=topic.strip(),
            people=people,
            member=member,
            amount=amount if kind == ServiceRecord.Kind.FINANCE else None,
            bank=bank.strip(),
            quantity=quantity if kind == ServiceRecord.Kind.GIFT else 0,
            households=households,
            note=note.strip(),
            recorded_at=at,
        )


# ---------------------------------------------------------------- pre-orders on run sheets


def preorders_for_trip(trip: Trip) -> list[PreOrder]:
    """Open pre-orders that this trip takes: for the villages it stops at, in the businesses its kind
    carries, unless an earlier trip of the same kind still to run stops there first."""
    businesses = CARRIES.get(trip.vehicle.kind, set())
    villages = {stop.village_id for stop in trip.stops.all() if stop.village_id}
    if not villages or not businesses:
        return []
    orders = list(
        PreOrder.objects.filter(
            status=PreOrder.Status.OPEN,
            village_id__in=villages,
            product__business__in=businesses,
            organization__path__startswith=trip.organization.county.path,
        )
        .select_related("village", "product", "member")
        .order_by("village__code", "created_at")
    )
    if not orders:
        return []
    earlier = TripStop.objects.filter(
        trip__vehicle__kind=trip.vehicle.kind,
        trip__status__in=[Trip.Status.PLANNED, Trip.Status.UNDERWAY],
        trip__date__gte=clock.today(),
        trip__date__lt=trip.date,
        village_id__in=villages,
    ).values_list("village_id", flat=True)
    visited_before = set(earlier)
    return [order for order in orders if order.village_id not in visited_before]


# What each kind of truck carries to the villages (pre-orders go on trips of the kind that carries them).
CARRIES: dict[str, set[str]] = {
    "goods_to_village": {Business.CONSUMER_GOODS, Business.FARM_PRODUCE},
    "inputs_to_mountain": {Business.AGRI_INPUT},
    "produce_to_city": set(),
}


def visible_trips_for_phone(user: User, day: dt.date) -> Any:
    """The trips the phone offers: a crew's own vehicles' trips; staff see the whole fleet's."""
    return Trip.objects.visible_to(user).exclude(status=Trip.Status.CANCELLED).filter(date=day)
