"""The caravan trucks over the API: vehicles, trips, pre-orders, statistics, route plans, and the crew
phone's sync.

A crew member sees only their own vehicles' trips (`Trip.objects.visible_to`); another organization's
rows answer 404. The phone's entries go to ``POST /api/caravan/sync`` (session with the CSRF token, or
an API token): each entry is answered on its own, accepted or refused with a Chinese message, and a
repeat of an accepted entry answers the same without writing anything.

Route plans go through the page's form (`PlanForm`) and the same services (`planning`): a run is
started, read while it solves, cancelled, accepted as trips, or run again with the same inputs.
"""

# No `from __future__ import annotations`: ninja reads a paginated view's parameter types at runtime.
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from gongxiao.caravan import phone, planner, planning, stats, sync
from gongxiao.caravan.forms import PlanForm
from gongxiao.caravan.models import PlanningRun, PreOrder, Trip, Vehicle
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


# ---------------------------------------------------------------- route plans

# the form's field and the API's name for it, for naming the field in a refusal
PLAN_FIELDS = {"vehicles": "vehicle_ids", "villages": "village_codes"}


class PlanIn(Schema):
    name: str = Field(max_length=100)
    start_date: dt.date
    days: int = 1
    vehicle_ids: list[int]
    village_codes: list[str] = []
    shift_start: dt.time = dt.time(8)
    shift_end: dt.time = dt.time(17)
    service_minutes: int = 30
    road_factor: Decimal = Decimal("1.4")
    speed_kmh: int = 30
    time_limit: int = 10


class RunAgainIn(Schema):
    time_limit: int | None = Field(default=None, ge=1, le=600)


class PlanRunOut(Schema):
    id: int
    organization_id: int
    name: str
    start_date: dt.date
    days: int
    status: str
    progress: int
    message: str
    time_limit: int
    cancel_requested: bool
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None

    @staticmethod
    def resolve_created_by(obj: PlanningRun) -> str:
        return obj.created_by.username


class PlanVehicleOut(Schema):
    id: int
    plate: str
    kind: str
    capacity_kg: int
    depot: str
    shift_start: str
    shift_end: str


class PlanStopOut(Schema):
    code: str
    name: str
    required: bool
    delivery_kg: int
    pickup_kg: int
    prize: Decimal
    kinds: list[str]


class PlanInputsOut(Schema):
    days: list[dt.date]
    vehicles: list[PlanVehicleOut]
    stops: list[PlanStopOut]
    road_factor: float
    speed_kmh: float
    distance_matrix: bool
    preorder_ids: list[int]


class VisitOut(Schema):
    code: str
    name: str
    arrival: str
    service_starts: str
    departure: str
    km_from_previous: float
    delivery_kg: int
    pickup_kg: int
    load_after_kg: int


class PlanRouteOut(Schema):
    vehicle: str
    kind: str
    depot: str
    day: dt.date
    departure: str
    back: str
    km: float
    load_out_kg: int
    load_back_kg: int
    max_load_kg: int
    capacity_kg: int
    cost: Decimal
    visits: list[VisitOut]


class LeftOutOut(Schema):
    code: str
    name: str
    reason: str
    message: str
    required: bool
    prize: Decimal
    detour_cost: Decimal | None


class PlanResultOut(Schema):
    feasible: bool
    violations: list[str]
    cancelled: bool
    km: float
    cost: Decimal
    prizes_missed: Decimal
    iterations: int
    runtime_s: float
    routes: list[PlanRouteOut]
    left_out: list[LeftOutOut]


class PlanRunDetailOut(PlanRunOut):
    inputs: PlanInputsOut
    result: PlanResultOut | None
    trip_ids: list[int]

    @staticmethod
    def resolve_inputs(obj: PlanningRun) -> dict[str, Any]:
        return _inputs(obj.inputs)

    @staticmethod
    def resolve_result(obj: PlanningRun) -> dict[str, Any] | None:
        plan = planning.plan_of(obj)
        return _result(plan) if plan is not None else None


class AcceptOut(Schema):
    run: PlanRunOut
    trips: list[TripOut]


def _inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "days": inputs["days"],
        "vehicles": [
            {
                **{k: v[k] for k in ("id", "kind", "capacity_kg", "depot", "shift_start", "shift_end")},
                "plate": v["code"],
            }
            for v in inputs["vehicles"]
        ],
        "stops": inputs["stops"],
        "road_factor": inputs["road_factor"],
        "speed_kmh": inputs["speed_kmh"],
        "distance_matrix": bool(inputs.get("matrix")),
        "preorder_ids": inputs.get("preorders", []),
    }


def _result(plan: planner.Plan) -> dict[str, Any]:
    clock = planner.clock
    return {
        "feasible": plan.feasible,
        "violations": plan.violations,
        "cancelled": plan.cancelled,
        "km": plan.km,
        "cost": plan.cost,
        "prizes_missed": plan.prizes_missed,
        "iterations": plan.iterations,
        "runtime_s": plan.runtime_s,
        "routes": [
            {
                "vehicle": route.vehicle,
                "kind": route.kind,
                "depot": route.depot,
                "day": route.day,
                "departure": clock(route.departure),
                "back": clock(route.back),
                "km": route.km,
                "load_out_kg": route.load_out_kg,
                "load_back_kg": route.load_back_kg,
                "max_load_kg": route.max_load_kg,
                "capacity_kg": route.capacity_kg,
                "cost": route.cost,
                "visits": [
                    {
                        "code": visit.stop,
                        "name": visit.name,
                        "arrival": clock(visit.arrival),
                        "service_starts": clock(visit.start),
                        "departure": clock(visit.departure),
                        "km_from_previous": visit.km_from_previous,
                        "delivery_kg": visit.delivery_kg,
                        "pickup_kg": visit.pickup_kg,
                        "load_after_kg": visit.load_after_kg,
                    }
                    for visit in route.visits
                ],
            }
            for route in plan.routes
        ],
        "left_out": [
            {
                "code": item.stop,
                "name": item.name,
                "reason": item.reason,
                "message": item.message,
                "required": item.required,
                "prize": item.prize,
                "detour_cost": item.detour_cost,
            }
            for item in plan.left_out
        ],
    }


def _run(request: AuthedRequest, run_id: int) -> PlanningRun:
    """A run in the user's scope (404 outside it), interrupted runs marked failed first."""
    require_perm(request, "caravan.view_planningrun")
    planning.fail_interrupted()
    return get_object_or_404(
        PlanningRun.objects.visible_to(request.user).select_related("created_by"), pk=run_id
    )


def _detail(request: AuthedRequest, run: PlanningRun) -> PlanningRun:
    run.trip_ids = list(  # type: ignore[attr-defined]
        Trip.objects.visible_to(request.user)
        .filter(plan=run)
        .order_by("date", "pk")
        .values_list("pk", flat=True)
    )
    return run


def _managed(request: AuthedRequest, run: PlanningRun, permission: str) -> None:
    require_perm(request, permission)
    if not request.user.can_manage(run.organization):
        raise HttpError(403, _("You may not write rows for this organization."))


@router.get("/caravan/plans", response=list[PlanRunOut])
@paginate(PageNumberPagination, page_size=50)
def list_plans(request: AuthedRequest, status: str | None = None) -> Any:
    """Route planning runs of the user's organization subtree, newest first."""
    require_perm(request, "caravan.view_planningrun")
    planning.fail_interrupted()
    runs = (
        PlanningRun.objects.visible_to(request.user)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )
    if status:
        runs = runs.filter(status=status)
    return runs


@router.get("/caravan/plans/{run_id}", response=PlanRunDetailOut)
def get_plan(request: AuthedRequest, run_id: int) -> Any:
    """A run: its status and progress while solving, its inputs, and the routes once solved."""
    return _detail(request, _run(request, run_id))


@router.post("/caravan/plans", response={201: PlanRunDetailOut})
def create_plan(request: AuthedRequest, payload: PlanIn) -> Any:
    """Check the inputs as the page's form does, and start solving (in the background)."""
    require_perm(request, "caravan.add_planningrun")
    data = payload.dict()
    form = PlanForm(
        {
            **{k: v for k, v in data.items() if k not in ("vehicle_ids", "village_codes")},
            "vehicles": data["vehicle_ids"],
            "villages": data["village_codes"],
        },
        user=request.user,
    )
    form.fields["villages"].to_field_name = "code"  # type: ignore[attr-defined]
    if not form.is_valid():
        errors: dict[str, list[str]] = {
            PLAN_FIELDS.get(field, field): [str(m) for m in messages]
            for field, messages in form.errors.items()
        }
        general = errors.pop("__all__", [])
        raise ValidationError(errors if errors else general)
    try:
        run = planning.start_planned(request.user, form.cleaned_data)
    except planner.InvalidProblem as exc:
        raise ValidationError(exc.messages) from None
    run.refresh_from_db()
    return Status(201, _detail(request, run))


@router.post("/caravan/plans/{run_id}/cancel", response=PlanRunOut)
def cancel_plan(request: AuthedRequest, run_id: int) -> Any:
    """Stop a solving run; the best plan found so far is kept. 409 when it is not solving."""
    run = _run(request, run_id)
    _managed(request, run, "caravan.add_planningrun")
    if not PlanningRun.objects.filter(pk=run.pk, status__in=planning.RUNNING).update(cancel_requested=True):
        raise HttpError(409, _("The plan is not being solved: there is nothing to stop."))
    run.refresh_from_db()
    return run


@router.post("/caravan/plans/{run_id}/accept", response=AcceptOut)
def accept_plan(request: AuthedRequest, run_id: int) -> Any:
    """The plan's routes become scheduled trips. 409 for a run not solved, infeasible or accepted."""
    run = _run(request, run_id)
    _managed(request, run, "caravan.add_trip")
    try:
        trips = planning.accept(request.user, run)
    except ValidationError as exc:
        raise HttpError(409, "；".join(exc.messages)) from None
    run.refresh_from_db()
    ids = [trip.pk for trip in trips]
    return {"run": run, "trips": list(_trips(request).filter(pk__in=ids).order_by("date", "vehicle__plate"))}


@router.post("/caravan/plans/{run_id}/run-again", response={201: PlanRunDetailOut})
def run_plan_again(request: AuthedRequest, run_id: int, payload: RunAgainIn | None = None) -> Any:
    """A new run with a copy of this run's inputs (after an interruption, or to search longer)."""
    run = _run(request, run_id)
    _managed(request, run, "caravan.add_planningrun")
    try:
        again = planning.run_again(request.user, run, payload.time_limit if payload else None)
    except planner.InvalidProblem as exc:
        raise ValidationError(exc.messages) from None
    except ValidationError as exc:
        raise HttpError(409, "；".join(exc.messages)) from None
    again.refresh_from_db()
    return Status(201, _detail(request, again))
