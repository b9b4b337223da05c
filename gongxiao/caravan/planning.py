"""Route planning runs: the planner's problem built from the records, solved in the background with
progress and a cancel button, and the accepted plan turned into scheduled trips.

What goes into a problem (`build_inputs`, kept as JSON on the `PlanningRun`):
- the chosen trucks (plate, capacity, kind, the shift of the form) and their home depots, placed by
  the depot outlet's coordinates;
- every village with open pre-orders of goods the chosen kinds of truck carry: a must-visit stop
  whose delivery is the pre-orders' weight, served only by a kind that carries them;
- the other villages chosen on the form: optional stops worth `PRIZE_PER_HOUSEHOLD` yuan per member
  household living there; when a produce truck goes, each village's pickup is the produce bought
  there per visit over the last half year;
- distances from the villages' stopping places (great-circle times the road factor), or from the
  uploaded .xlsx matrix.
A wrong input (a village without coordinates, more to carry than any truck) is refused with the
planner's Chinese messages before anything runs.

A run writes its heartbeat with every progress report (twice a second while solving). A server stop
kills the solving thread with it: a waiting or solving run whose heartbeat is older than its time
limit and `INTERRUPTED_AFTER` is marked failed when runs are read (`fail_interrupted`), and can be
run again with the same inputs (`run_again`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongxiao.caravan import actions, planner
from gongxiao.caravan.models import (
    JIN_KG,
    PlanningRun,
    PreOrder,
    ProducePurchase,
    Trip,
    Vehicle,
    VehicleKind,
    VillagePoint,
)
from gongxiao.core import clock
from gongxiao.core.models import Region, User
from gongxiao.members.models import Member

PRIZE_PER_HOUSEHOLD = Decimal("20")  # yuan a visit to an optional village is worth per member household
PICKUP_HISTORY_DAYS = 180
# How long a waiting or solving run may stay silent beyond its time limit before it counts as cut off.
INTERRUPTED_AFTER = dt.timedelta(minutes=5)
RUNNING = (PlanningRun.Status.WAITING, PlanningRun.Status.RUNNING)


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _town_names() -> dict[str, str]:
    return dict(Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name"))


def build_inputs(
    user: User,
    *,
    vehicles: list[Vehicle],
    villages: list[Region],
    start_date: dt.date,
    days: int,
    shift_start: dt.time,
    shift_end: dt.time,
    service_minutes: int,
    road_factor: float,
    speed_kmh: float,
    matrix: planner.DistanceMatrix | None = None,
) -> dict[str, Any]:
    kinds = {v.kind for v in vehicles}
    carried = {business for kind in kinds for business in actions.CARRIES.get(kind, set())}
    county = vehicles[0].organization.county
    orders = (
        PreOrder.objects.filter(
            status=PreOrder.Status.OPEN,
            product__business__in=carried,
            organization__path__startswith=county.path,
        ).select_related("product")
        if carried
        else PreOrder.objects.none()
    )
    delivery: dict[int, Decimal] = defaultdict(Decimal)
    order_kinds: dict[int, set[str]] = defaultdict(set)
    order_ids: list[int] = []
    for order in orders:
        weight = order.product.weight_kg(order.quantity)
        if weight is None:
            continue
        delivery[order.village_id] += weight
        order_ids.append(order.pk)
        order_kinds[order.village_id] |= {
            kind for kind in kinds if order.product.business in actions.CARRIES.get(kind, set())
        }
    chosen = {v.pk: v for v in villages}
    chosen.update({v.pk: v for v in Region.objects.filter(pk__in=delivery.keys())})
    points = {p.village_id: p for p in VillagePoint.objects.filter(village_id__in=chosen)}
    households = dict(
        Member.objects.filter(village_id__in=chosen, is_active=True)
        .values("village")
        .annotate(n=Count("pk"))
        .values_list("village", "n")
    )
    pickup: dict[int, float] = {}
    if VehicleKind.PRODUCE_TO_CITY in kinds:
        since = clock.today() - dt.timedelta(days=PICKUP_HISTORY_DAYS)
        bought = (
            ProducePurchase.objects.filter(
                stop__village_id__in=chosen, stop__trip__date__gte=since, document__status="confirmed"
            )
            .values("stop__village")
            .annotate(jin=Sum("weight_jin"), visits=Count("stop", distinct=True))
        )
        pickup = {row["stop__village"]: float(row["jin"] * JIN_KG) / row["visits"] for row in bought}
    towns = _town_names()
    stops = []
    for village in sorted(chosen.values(), key=lambda v: v.code):
        point = points.get(village.pk)
        required = village.pk in delivery
        stops.append(
            {
                "code": village.code,
                "name": towns.get(village.path[: 2 * Region.steplen], "") + village.name,
                "village_id": village.pk,
                "lat": _float(point.latitude) if point else None,
                "lon": _float(point.longitude) if point else None,
                "delivery_kg": int(delivery.get(village.pk, Decimal(0)).to_integral_value()),
                "pickup_kg": round(pickup.get(village.pk, 0)),
                "service_minutes": service_minutes,
                "required": required,
                "prize": str(PRIZE_PER_HOUSEHOLD * households.get(village.pk, 0)),
                "kinds": sorted(order_kinds.get(village.pk, set())),
            }
        )
    depots = {}
    for vehicle in vehicles:
        depot = vehicle.depot
        depots[depot.code] = {
            "code": depot.code,
            "name": depot.name,
            "lat": _float(depot.latitude),
            "lon": _float(depot.longitude),
        }
    return {
        "days": [(start_date + dt.timedelta(days=i)).isoformat() for i in range(days)],
        "vehicles": [
            {
                "id": v.pk,
                "code": v.plate,
                "label": v.display_plate,
                "depot": v.depot.code,
                "capacity_kg": v.capacity_kg,
                "kind": v.kind,
                "shift_start": shift_start.strftime("%H:%M"),
                "shift_end": shift_end.strftime("%H:%M"),
            }
            for v in vehicles
        ],
        "depots": list(depots.values()),
        "stops": stops,
        "road_factor": road_factor,
        "speed_kmh": speed_kmh,
        "matrix": {"labels": list(matrix.labels), "km": [list(row) for row in matrix.km]} if matrix else None,
        "preorders": order_ids,
    }


def problem_from(inputs: dict[str, Any]) -> planner.Problem:
    matrix = inputs.get("matrix")
    return planner.Problem(
        depots=[planner.Depot(d["code"], d["name"], d["lat"], d["lon"]) for d in inputs["depots"]],
        vehicles=[
            planner.Vehicle(
                code=v["code"],
                depot=v["depot"],
                capacity_kg=v["capacity_kg"],
                kind=v["kind"],
                shift_start=dt.time.fromisoformat(v["shift_start"]),
                shift_end=dt.time.fromisoformat(v["shift_end"]),
            )
            for v in inputs["vehicles"]
        ],
        stops=[
            planner.Stop(
                code=s["code"],
                name=s["name"],
                lat=s["lat"],
                lon=s["lon"],
                delivery_kg=s["delivery_kg"],
                pickup_kg=s["pickup_kg"],
                service_minutes=s["service_minutes"],
                required=s["required"],
                prize=Decimal(s["prize"]),
                kinds=frozenset(s["kinds"]),
            )
            for s in inputs["stops"]
        ],
        days=[dt.date.fromisoformat(d) for d in inputs["days"]],
        road_factor=inputs["road_factor"],
        speed_kmh=inputs["speed_kmh"],
        matrix=planner.DistanceMatrix(tuple(matrix["labels"]), tuple(tuple(r) for r in matrix["km"]))
        if matrix
        else None,
    )


def start_planned(user: User, data: dict[str, Any]) -> PlanningRun:
    """A run from the cleaned data of `PlanForm` (the page's form, also used by the API).

    Raises ValidationError (no village to visit, a bad distance file) or `planner.InvalidProblem`."""
    matrix = None
    if data.get("distance_file"):
        matrix = planner.read_distance_matrix(data["distance_file"])
    inputs = build_inputs(
        user,
        vehicles=list(data["vehicles"].select_related("depot", "organization")),
        villages=list(data["villages"]),
        start_date=data["start_date"],
        days=data["days"],
        shift_start=data["shift_start"],
        shift_end=data["shift_end"],
        service_minutes=data["service_minutes"],
        road_factor=float(data["road_factor"]),
        speed_kmh=float(data["speed_kmh"]),
        matrix=matrix,
    )
    if not inputs["stops"]:
        raise ValidationError(_("Choose the villages to visit: there is no open pre-order to plan for."))
    return start_run(user, data["name"], inputs, data["time_limit"])


def run_again(user: User, run: PlanningRun, time_limit: int | None = None) -> PlanningRun:
    """A new run with a copy of this run's inputs (the pre-orders and villages as they were then).

    Raises `actions.RecordError` while the run is still solving or once it is accepted,
    `planner.InvalidProblem` when the copied inputs no longer pass the checks."""
    if run.is_running:
        raise actions.RecordError(_("The plan is still being solved; wait for it or stop it first."))
    if run.status == PlanningRun.Status.ACCEPTED:  # its pre-orders are on its trips now
        raise actions.RecordError(
            _("This plan was accepted already: start a new plan, which takes the pre-orders as they are now.")
        )
    return start_run(user, run.name, run.inputs, time_limit or run.time_limit)


def start_run(user: User, name: str, inputs: dict[str, Any], time_limit: int) -> PlanningRun:
    """Check the problem (raises `planner.InvalidProblem`), store the run, solve it in the background."""
    problem = problem_from(inputs)
    issues = planner.validate(problem)
    if issues:
        raise planner.InvalidProblem(issues)
    vehicles = Vehicle.objects.filter(pk__in=[v["id"] for v in inputs["vehicles"]]).select_related(
        "organization"
    )
    organization = vehicles[0].organization
    run = PlanningRun.objects.create(
        organization=organization,
        name=name,
        start_date=dt.date.fromisoformat(inputs["days"][0]),
        days=len(inputs["days"]),
        inputs=inputs,
        time_limit=time_limit,
        created_by=user,
        heartbeat_at=timezone.now(),
    )
    if settings.IMPORT_THREADS:
        # Solving takes seconds: it runs after this request's transaction, in its own thread and connection.
        thread = threading.Thread(target=_run_in_thread, args=(run.pk,), daemon=True)
        transaction.on_commit(thread.start)
    else:
        solve_run(run.pk)
    return run


def _run_in_thread(run_id: int) -> None:
    close_old_connections()
    try:
        solve_run(run_id)
    finally:
        connection.close()


def solve_run(run_id: int, *, max_iterations: int | None = None, seed: int = 0) -> PlanningRun:
    run = PlanningRun.objects.get(pk=run_id)
    claimed = PlanningRun.objects.filter(pk=run.pk, status=PlanningRun.Status.WAITING).update(
        status=PlanningRun.Status.RUNNING, progress=0, heartbeat_at=timezone.now()
    )
    if not claimed:  # failed as interrupted meanwhile, or solved by another thread
        run.refresh_from_db()
        return run
    cancel = threading.Event()
    # The final writes only land on a run still solving: one marked interrupted stays failed.
    solving = PlanningRun.objects.filter(pk=run.pk, status=PlanningRun.Status.RUNNING)

    def progress(report: planner.Progress) -> None:
        alive = solving.update(progress=min(99, int(report.fraction * 100)), heartbeat_at=timezone.now())
        if not alive or PlanningRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            cancel.set()

    try:
        plan = planner.solve(
            problem_from(run.inputs),
            max_iterations=max_iterations,
            max_runtime=None if max_iterations else float(run.time_limit),
            seed=seed,
            progress=progress,
            cancel=cancel,
        )
    except planner.InvalidProblem as exc:
        solving.update(
            status=PlanningRun.Status.FAILED, message="\n".join(exc.messages), finished_at=timezone.now()
        )
    except Exception as exc:  # the page must say it stopped, not spin forever
        solving.update(status=PlanningRun.Status.FAILED, message=str(exc)[:500], finished_at=timezone.now())
        raise
    else:
        solving.update(
            status=PlanningRun.Status.CANCELLED if plan.cancelled else PlanningRun.Status.DONE,
            progress=100,
            result=plan.to_dict(),
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run


def fail_interrupted() -> int:
    """Mark as failed the waiting or solving runs whose heartbeat stopped (the server stopped while
    they solved); called wherever runs are read, so none shows "solving" forever. How many it marked.
    """
    now = timezone.now()
    cutoff = now - INTERRUPTED_AFTER
    silent = PlanningRun.objects.filter(status__in=RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    marked = 0
    for pk, time_limit, heartbeat, created in silent.values_list(
        "pk", "time_limit", "heartbeat_at", "created_at"
    ):
        if (heartbeat or created) >= cutoff - dt.timedelta(seconds=time_limit):
            continue  # a long time limit: it may still be searching
        with translation.override(settings.LANGUAGE_CODE):  # stored once, for every reader
            message = _("The planning was interrupted (the server restarted); run it again.")
        marked += PlanningRun.objects.filter(pk=pk, status__in=RUNNING, heartbeat_at=heartbeat).update(
            status=PlanningRun.Status.FAILED, message=message, finished_at=now
        )
    return marked


def plan_of(run: PlanningRun) -> planner.Plan | None:
    return planner.Plan.from_dict(run.result) if run.result else None


def accept(user: User, run: PlanningRun) -> list[Trip]:
    """The plan's routes become scheduled trips (one per truck and day), stops in the planned order."""
    plan = plan_of(run)
    if run.status == PlanningRun.Status.ACCEPTED:
        raise actions.RecordError(_("The plan was accepted already."))
    if plan is None or run.status not in (PlanningRun.Status.DONE, PlanningRun.Status.CANCELLED):
        raise actions.RecordError(_("Only a solved plan can be accepted."))
    if not plan.feasible:
        raise actions.RecordError(
            _("The plan breaks a constraint (see the check below); it cannot be accepted.")
        )
    vehicles = {v.plate: v for v in Vehicle.objects.filter(plate__in=[r.vehicle for r in plan.routes])}
    villages = {
        r.code: r for r in Region.objects.filter(code__in=[v.stop for r in plan.routes for v in r.visits])
    }
    trips = []
    with transaction.atomic():
        claimed = PlanningRun.objects.filter(pk=run.pk, status=run.status).update(
            status=PlanningRun.Status.ACCEPTED
        )
        if not claimed:
            raise actions.RecordError(_("The plan was accepted already."))
        for route in plan.routes:
            if not route.visits:
                continue
            places = [
                {
                    "village": villages[visit.stop],
                    "planned_arrival": dt.time.fromisoformat(planner.clock(visit.arrival)),
                    "load_kg": Decimal(visit.load_after_kg),
                }
                for visit in route.visits
            ]
            trips.append(
                actions.create_trip(
                    user,
                    vehicles[route.vehicle],
                    route.day,
                    places=places,
                    plan=run,
                    note=_("From route plan “%(name)s”") % {"name": run.name},
                )
            )
    return trips


def visit_rows(plan: planner.Plan) -> list[dict[str, Any]]:
    """Each visit as a row of the run sheet (also the .xlsx)."""
    rows = []
    for number, route in enumerate(plan.routes, start=1):
        for position, visit in enumerate(route.visits, start=1):
            rows.append(
                {
                    "route": number,
                    "vehicle": route.vehicle,
                    "day": route.day,
                    "position": position,
                    "name": visit.name,
                    "code": visit.stop,
                    "arrival": planner.clock(visit.arrival),
                    "start": planner.clock(visit.start),
                    "departure": planner.clock(visit.departure),
                    "km": visit.km_from_previous,
                    "delivery": visit.delivery_kg,
                    "pickup": visit.pickup_kg,
                    "load": visit.load_after_kg,
                }
            )
    return rows


def chart_data(run: PlanningRun, plan: planner.Plan) -> dict[str, Any]:
    """Coordinates of the depots, the villages and each route (depot → villages → depot) for ECharts."""
    at = {d["code"]: (d["lon"], d["lat"], d["name"]) for d in run.inputs["depots"]}
    at.update({s["code"]: (s["lon"], s["lat"], s["name"]) for s in run.inputs["stops"]})
    served = plan.served()
    routes = []
    for route in plan.routes:
        codes = [route.depot, *[v.stop for v in route.visits], route.depot]
        line = [[at[c][0], at[c][1]] for c in codes if c in at and at[c][0] is not None]
        routes.append({"name": f"{route.vehicle} {route.day.isoformat()}", "points": line})
    return {
        "depots": [[d["lon"], d["lat"], d["name"]] for d in run.inputs["depots"] if d["lon"] is not None],
        "served": [
            [s["lon"], s["lat"], s["name"]]
            for s in run.inputs["stops"]
            if s["code"] in served and s["lon"] is not None
        ],
        "left": [
            [s["lon"], s["lat"], s["name"]]
            for s in run.inputs["stops"]
            if s["code"] not in served and s["lon"] is not None
        ],
        "routes": routes,
    }
