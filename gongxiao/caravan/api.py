"""The caravan trucks over the API: vehicles, trips, pre-orders, statistics, and the crew phone's sync.

A crew member sees only their own vehicles' trips (`Trip.objects.visible_to`); another organization's
rows answer 404. The phone's entries go to ``POST /api/caravan/sync`` (session with the CSRF token, or
an API token): each entry is answered on its own, accepted or refused with a Chinese message, and a
repeat of an accepted entry answers the same without writing anything.
"""

# No `from __future__ import annotations`: ninja reads a paginated view's parameter types at runtime.
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from gongxiao.caravan import phone, stats, sync
from gongxiao.caravan.models import PreOrder, Trip, Vehicle
from gongxiao.commerce.models import Product
from gongxiao.core import clock
from gongxiao.core.api import require_perm
from gongxiao.core.http import AuthedRequest
from gongxiao.core.models import Region
from gongxiao.members.models import Member

router = Router(tags=["caravan trucks"])


class VehicleOut(Schema):
    id: int
    organization_id: int
    kind: str
    plate: str
    name: str
    capacity_kg: int
    depot_id: int
    status: str
    location_id: int
    crew: list[str]

    @staticmethod
    def resolve_crew(obj: Vehicle) -> list[str]:
        return [user.username for user in obj.crew.all()]


class StopOut(Schema):
    id: int
    position: int
    name: str
    village_code: str | None
    outlet_id: int | None
    planned_arrival: dt.time | None
    status: str
    arrived_at: dt.datetime | None
    closed_at: dt.datetime | None
    people_served: int

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.place_name

    @staticmethod
    def resolve_village_code(obj: Any) -> str | None:
        return obj.village.code if obj.village_id else None


class TripOut(Schema):
    id: int
    date: dt.date
    status: str
    vehicle_id: int
    vehicle_plate: str
    vehicle_kind: str
    route_id: int | None
    odometer_start: Decimal | None
    odometer_end: Decimal | None
    distance_km: Decimal | None
    stops: list[StopOut]

    @staticmethod
    def resolve_vehicle_plate(obj: Trip) -> str:
        return obj.vehicle.plate

    @staticmethod
    def resolve_vehicle_kind(obj: Trip) -> str:
        return obj.vehicle.kind


def _trips(request: AuthedRequest) -> Any:
    require_perm(request, "caravan.view_trip")
    return (
        Trip.objects.visible_to(request.user)
        .select_related("vehicle")
        .prefetch_related("stops__village", "stops__outlet")
    )


@router.get("/caravan/vehicles", response=list[VehicleOut])
def list_vehicles(request: AuthedRequest) -> Any:
    require_perm(request, "caravan.view_vehicle")
    return Vehicle.objects.visible_to(request.user).prefetch_related("crew").order_by("kind", "plate")


@router.get("/caravan/vehicles/{vehicle_id}", response=VehicleOut)
def get_vehicle(request: AuthedRequest, vehicle_id: int) -> Any:
    require_perm(request, "caravan.view_vehicle")
    return get_object_or_404(Vehicle.objects.visible_to(request.user), pk=vehicle_id)


@router.get("/caravan/trips", response=list[TripOut])
@paginate(PageNumberPagination, page_size=50)
def list_trips(
    request: AuthedRequest,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    vehicle_id: int | None = None,
    status: str | None = None,
) -> Any:
    trips = _trips(request).order_by("-date", "vehicle__plate")
    if date_from:
        trips = trips.filter(date__gte=date_from)
    if date_to:
        trips = trips.filter(date__lte=date_to)
    if vehicle_id:
        trips = trips.filter(vehicle_id=vehicle_id)
    if status:
        trips = trips.filter(status=status)
    return trips


@router.get("/caravan/trips/{trip_id}", response=TripOut)
def get_trip(request: AuthedRequest, trip_id: int) -> Any:
    return get_object_or_404(_trips(request), pk=trip_id)


# ---------------------------------------------------------------- the crew's phone


@router.get("/caravan/phone/bundle")
def phone_bundle(request: AuthedRequest, date: dt.date | None = None) -> dict[str, Any]:
    """The day's trips of the user's vehicles with everything the phone needs offline."""
    require_perm(request, "caravan.record_trip")
    return phone.bundle(request.user, date)


class EntryIn(Schema):
    uuid: uuid.UUID
    kind: sync.EntryKind
    trip_id: int
    stop_id: int | None = None
    recorded_at: dt.datetime
    data: dict[str, Any] = {}


class SyncIn(Schema):
    entries: list[EntryIn] = Field(max_length=500)


class AnswerOut(Schema):
    uuid: uuid.UUID
    status: str
    message: str
    repeat: bool
    result: dict[str, Any]


class SyncOut(Schema):
    answers: list[AnswerOut]


@router.post("/caravan/sync", response=SyncOut)
def sync_entries(request: AuthedRequest, payload: SyncIn) -> Any:
    """Entries made on the phone, in the order they were made; each answered accepted or refused."""
    require_perm(request, "caravan.record_trip")
    entries = [
        sync.Entry(e.uuid, e.kind, e.trip_id, e.recorded_at, e.stop_id, e.data) for e in payload.entries
    ]
    return {"answers": sync.apply_entries(request.user, entries)}


# ---------------------------------------------------------------- pre-orders


class PreOrderIn(Schema):
    organization_id: int | None = None
    village_code: str = Field(min_length=12, max_length=12)
    member_id: int | None = None
    customer_name: str = Field(min_length=1, max_length=60)
    phone: str = Field(default="", max_length=20)
    product_id: int
    quantity: Decimal = Field(gt=0, decimal_places=3)
    channel: PreOrder.Channel = PreOrder.Channel.PHONE
    wanted_by: dt.date | None = None
    note: str = Field(default="", max_length=200)


class PreOrderOut(Schema):
    id: int
    organization_id: int
    village_code: str
    member_id: int | None
    customer_name: str
    phone: str
    product_id: int
    quantity: Decimal
    channel: str
    wanted_by: dt.date | None
    status: str
    delivered_on_id: int | None

    @staticmethod
    def resolve_village_code(obj: PreOrder) -> str:
        return obj.village.code


@router.get("/caravan/preorders", response=list[PreOrderOut])
@paginate(PageNumberPagination, page_size=100)
def list_preorders(request: AuthedRequest, status: str | None = None, village_code: str | None = None) -> Any:
    require_perm(request, "caravan.view_preorder")
    orders = PreOrder.objects.visible_to(request.user).select_related("village").order_by("-id")
    if status:
        orders = orders.filter(status=status)
    if village_code:
        orders = orders.filter(village__code=village_code)
    return orders


@router.post("/caravan/preorders", response={201: PreOrderOut})
def create_preorder(request: AuthedRequest, payload: PreOrderIn) -> Any:
    require_perm(request, "caravan.add_preorder")
    from gongxiao.core.models import Organization

    scope = request.user.scope_organization
    organization = Organization.objects.filter(
        pk=payload.organization_id or (scope.pk if scope else None)
    ).first()
    if organization is None or not request.user.can_manage(organization):
        raise HttpError(403, _("You may not write rows for this organization."))
    errors = {}
    village = Region.objects.filter(code=payload.village_code, level=Region.Level.VILLAGE).first()
    if village is None:
        errors["village_code"] = [_("no village with this division code")]
    product = Product.objects.visible_to(request.user).filter(pk=payload.product_id).first()
    if product is None:
        errors["product_id"] = [_("no such product in your catalog")]
    member = None
    if payload.member_id is not None:
        member = Member.objects.filter(pk=payload.member_id, county=organization.county).first()
        if member is None:
            errors["member_id"] = [_("no such member in this county")]
    if errors:
        raise ValidationError(errors)
    order = PreOrder.objects.create(
        organization=organization,
        village=village,
        member=member,
        customer_name=payload.customer_name.strip(),
        phone=payload.phone.strip(),
        product=product,
        quantity=payload.quantity,
        channel=payload.channel,
        wanted_by=payload.wanted_by,
        note=payload.note,
        created_by=request.user,
        created_at=clock.now(),
    )
    return order


# ---------------------------------------------------------------- statistics


class FiguresOut(Schema):
    vehicles: int
    trips: int
    mileage_km: Decimal
    towns: int
    villages: int
    people: int
    sales_orders: int
    sales_amount: Decimal
    produce_jin: Decimal
    produce_yuan: Decimal
    households_paid: int
    inputs_t: Decimal
    advice_sessions: int
    finance_services: int
    gifts: int
    gift_households: int


class StatisticsOut(Schema):
    start: dt.date
    end: dt.date
    by_kind: dict[str, FiguresOut]
    total: FiguresOut
    paragraph: str


@router.get("/caravan/statistics", response=StatisticsOut)
def statistics(request: AuthedRequest, start: dt.date, end: dt.date) -> Any:
    """Figures per vehicle kind for the trips dated from `start` to `end`, and the report's paragraph."""
    require_perm(request, "caravan.view_trip")
    if end < start:
        raise ValidationError({"end": [_("the end comes before the start")]})
    result = stats.statistics(request.user, start, end)
    return {
        "start": start,
        "end": end,
        "by_kind": {kind: figures.as_dict() for kind, figures in result.by_kind.items()},
        "total": result.total.as_dict(),
        "paragraph": stats.report_paragraph(request.user, result),
    }
