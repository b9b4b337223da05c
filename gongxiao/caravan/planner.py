"""Route planner of the caravan trucks: plan a day or a week of runs for a mixed fleet with PyVRP 0.14.

Pure Python, no models: the caravan pages build a `Problem` from their rows, call `solve` (in the
background, with a progress callback and a cancel event) and keep the `Plan` (`Plan.to_dict()` is
JSON). `validate` names every wrong input in a Chinese message before anything is solved.

The model
---------
* Each village (`Stop`) is visited at most once: the truck hands over its pre-orders
  (`delivery_kg`, on board from the depot) and collects the produce (`pickup_kg`, on board to the
  depot) on the same visit, which takes `service_minutes`. PyVRP: ``Client(delivery=, pickup=)``.
* A must-visit village (`required=True`) is always served; an optional one is worth `prize` yuan
  (households times spend, expected purchases: the page computes it) and is served only when that
  is more than its detour costs. PyVRP: ``Client(required=False, prize=)``.
* Time windows: service starts between `window_start` and `window_end` (arriving early means
  waiting); a village's market days are `weekdays` and/or specific `dates` (e.g. the lunar-calendar
  market days, computed by the page). Every truck leaves its depot at or after `shift_start` and is
  back by `shift_end`, on its `weekdays` only.
* A week (several `Problem.days`) has one PyVRP vehicle type per truck and day (each truck starts
  from its own depot); a village gets one client per day it may be served, in a mutually exclusive
  group, so it is served on exactly one allowed day (or on none, when optional).
* `Stop.kinds` limits which kinds of truck may serve a village (routing profiles with the
  village's edges closed for the other kinds).
* Distances: great-circle times `road_factor` (1.4 by default), or the user's `DistanceMatrix`;
  times are distance / `speed_kmh`. Whole metres and seconds, shared with the feasibility check.
* Cost of a route: fixed cost + km x cost per km + hours x cost per hour. The solver minimises the
  cost of all routes plus the value of the optional villages left out.

Tests stop the solver by iteration count with a fixed seed, so they are deterministic.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from .distance import (
    DEFAULT_ROAD_FACTOR,
    DEFAULT_SPEED_KMH,
    UNREACHABLE,
    DistanceMatrix,
    InvalidProblem,
    Issue,
    Place,
    Travel,
    build_travel,
    label_of,
    read_distance_matrix,
    travel_issues,
)

__all__ = [
    "ALL_WEEKDAYS",
    "VEHICLE_KINDS",
    "Depot",
    "DistanceMatrix",
    "InvalidProblem",
    "Issue",
    "LeftOut",
    "Plan",
    "Problem",
    "Progress",
    "Reason",
    "Route",
    "RouteSpec",
    "Stop",
    "Vehicle",
    "Visit",
    "build_plan",
    "clock",
    "read_distance_matrix",
    "solve",
    "travel_for",
    "validate",
]

DAY = 86_400  # seconds
ALL_WEEKDAYS = frozenset(range(7))  # 0 = Monday, as date.weekday()
VEHICLE_KINDS = ("goods_to_village", "produce_to_city", "inputs_to_mountain")
COST_SCALE = 3_600_000  # solver cost units per yuan: exact for 0.01 yuan per km and 0.001 yuan per hour
INFEASIBLE_COST = (1 << 63) - 1  # what PyVRP's cost evaluator gives a solution that breaks a constraint
CENT = Decimal("0.01")


# ------------------------------------------------------------------------------------ the problem


@dataclass(frozen=True)
class Depot:
    """A collection and distribution centre (集采集配中心) where trucks start and end."""

    code: str
    name: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Vehicle:
    """One truck: `code` is its plate. It runs at most once a day, from and back to its depot."""

    code: str
    depot: str  # Depot.code
    capacity_kg: int
    kind: str = "goods_to_village"  # one of VEHICLE_KINDS
    shift_start: time = time(8)
    shift_end: time = time(17)
    cost_per_km: Decimal = Decimal("2.00")
    fixed_cost: Decimal = Decimal("0")  # per day the truck runs
    cost_per_hour: Decimal = Decimal("0")  # crew time, from leaving the depot to coming back
    weekdays: frozenset[int] = ALL_WEEKDAYS  # days it is available, 0 = Monday
    name: str = ""


@dataclass(frozen=True)
class Stop:
    """A village (or direct-sale point) to serve."""

    code: str
    name: str = ""
    lat: float | None = None
    lon: float | None = None
    delivery_kg: int = 0  # pre-orders handed over (loaded at the depot)
    pickup_kg: int = 0  # produce collected (brought back to the depot)
    service_minutes: int = 15
    window_start: time | None = None  # service starts no earlier ...
    window_end: time | None = None  # ... and no later than this (market hours)
    weekdays: frozenset[int] = frozenset()  # market days (0 = Monday); empty: any day
    dates: frozenset[date] = frozenset()  # or specific days (lunar market days); empty: any day
    required: bool = True  # must-visit; when False it is served only if `prize` beats its detour
    prize: Decimal = Decimal("0")  # yuan a visit is worth (households x spend, expected purchases)
    kinds: frozenset[str] = frozenset()  # kinds of truck that may serve it; empty: any


@dataclass
class Problem:
    """What to plan: one day (`days` has one date) or a week (several dates)."""

    depots: Sequence[Depot]
    vehicles: Sequence[Vehicle]
    stops: Sequence[Stop]
    days: Sequence[date]
    road_factor: float = DEFAULT_ROAD_FACTOR
    speed_kmh: float = DEFAULT_SPEED_KMH
    matrix: DistanceMatrix | None = None  # when given, distances come from it (by code, then name)

    def places(self) -> list[Place]:
        """Depots then stops: the index of every place in `travel_for(problem)`."""
        return [Place(d.code, d.name, d.lat, d.lon) for d in self.depots] + [
            Place(s.code, s.name, s.lat, s.lon) for s in self.stops
        ]


# ------------------------------------------------------------------------------------ the plan


class Reason:
    """Why a village is not in the plan (`LeftOut.reason`)."""

    NOT_WORTH = "not_worth"  # optional: its value is below the cheapest detour to it
    NO_ROOM = "no_room"  # optional: no truck has the load or time left for it
    NOT_CHOSEN = "not_chosen"  # optional: a detour cheaper than its value exists; a longer run may add it
    TOO_HEAVY = "too_heavy"  # more than any truck that could go there carries
    INFEASIBLE_WINDOW = "infeasible_window"  # no truck's shift reaches it within its time window
    NO_TRUCK = "no_truck"  # no truck of a kind that may serve it runs on its market days
    UNSERVED = "unserved"  # must-visit, but the solver found no plan that serves it


@dataclass
class Visit:
    """One stop of a route; times are seconds after midnight of the route's day (see `clock`)."""

    stop: str
    name: str
    arrival: int
    start: int  # service starts (after waiting for the window to open)
    departure: int
    wait_s: int
    km_from_previous: float
    delivery_kg: int
    pickup_kg: int
    load_after_kg: int  # on board when the truck leaves the village


@dataclass
class Route:
    """One truck's run on one day."""

    vehicle: str
    kind: str
    depot: str
    day: date
    departure: int  # leaves the depot, seconds after midnight
    back: int  # back at the depot
    visits: list[Visit]
    km: float
    load_out_kg: int  # pre-orders on board when leaving the depot
    load_back_kg: int  # produce on board when back
    max_load_kg: int
    capacity_kg: int
    cost: Decimal  # fixed + km + hours

    @property
    def duration_s(self) -> int:
        return self.back - self.departure


@dataclass
class LeftOut:
    stop: str
    name: str
    reason: str  # a Reason
    message: str
    required: bool = False
    prize: Decimal = Decimal("0")
    detour_cost: Decimal | None = None  # cheapest detour found, for optional villages


@dataclass
class Plan:
    routes: list[Route]
    left_out: list[LeftOut]
    cost: Decimal  # of all routes
    prizes_missed: Decimal  # value of the optional villages left out
    km: float
    feasible: bool = True  # False: `violations` says what the independent check found
    violations: list[str] = field(default_factory=list)
    cancelled: bool = False
    iterations: int = 0
    runtime_s: float = 0.0
    first_feasible_s: float | None = None  # from the call to `solve` to the first feasible plan
    seed: int = 0

    @property
    def objective(self) -> Decimal:
        """What the solver minimises: route costs plus the value of optional villages left out."""
        return self.cost + self.prizes_missed

    def served(self) -> set[str]:
        return {visit.stop for route in self.routes for visit in route.visits}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (Decimals and dates as strings); `Plan.from_dict` reads it back."""
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        routes = []
        for r in data["routes"]:
            visits = [Visit(**v) for v in r["visits"]]
            routes.append(
                Route(
                    **{**r, "visits": visits, "day": date.fromisoformat(r["day"]), "cost": Decimal(r["cost"])}
                )
            )
        left_out = [
            LeftOut(
                **{
                    **item,
                    "prize": Decimal(item["prize"]),
                    "detour_cost": None if item["detour_cost"] is None else Decimal(item["detour_cost"]),
                }
            )
            for item in data["left_out"]
        ]
        return cls(
            **{
                **data,
                "routes": routes,
                "left_out": left_out,
                "cost": Decimal(data["cost"]),
                "prizes_missed": Decimal(data["prizes_missed"]),
            }
        )


@dataclass(frozen=True)
class RouteSpec:
    """A route given as a sequence of village codes (from a solver, or edited by hand)."""

    vehicle: str
    day: date
    stops: Sequence[str]
    departure: int | None = None  # seconds after midnight; None: at the start of the shift


@dataclass(frozen=True)
class Progress:
    iteration: int
    elapsed_s: float
    fraction: float  # of the iteration or time budget, 0 to 1
    best_cost: Decimal | None  # objective of the best feasible plan so far; None before the first
    done: bool = False


def clock(seconds: int) -> str:
    """08:05 for 29100 seconds after midnight."""
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------------------ helpers


def seconds_of(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _yuan(value: Decimal | int | float | str) -> Decimal:
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def _units(yuan: Decimal | int | float | str) -> int:
    return int((_yuan(yuan) * COST_SCALE).to_integral_value(ROUND_HALF_UP))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _window(stop: Stop) -> tuple[int, int]:
    early = seconds_of(stop.window_start) if stop.window_start else 0
    late = seconds_of(stop.window_end) if stop.window_end else DAY
    return early, late


def _day_allowed(stop: Stop, day: date) -> bool:
    return (not stop.weekdays or day.weekday() in stop.weekdays) and (not stop.dates or day in stop.dates)


def _kind_allowed(stop: Stop, vehicle: Vehicle) -> bool:
    return not stop.kinds or vehicle.kind in stop.kinds


def _vehicle_label(vehicle: Vehicle) -> str:
    return label_of(vehicle)


def travel_for(problem: Problem) -> Travel:
    """Metres and seconds between `problem.places()` (depots then stops): what plans are made and
    checked with. Raises `InvalidProblem` when a place has no coordinates or is not in the matrix."""
    places = problem.places()
    issues = travel_issues(places, problem.matrix)
    if issues:
        raise InvalidProblem(issues)
    return build_travel(
        places, road_factor=problem.road_factor, speed_kmh=problem.speed_kmh, matrix=problem.matrix
    )


@dataclass(frozen=True)
class _Slot:
    """A truck on a day: one PyVRP vehicle type."""

    vehicle: Vehicle
    day_index: int
    day: date
    depot_index: int

    @property
    def offset(self) -> int:
        return self.day_index * DAY


@dataclass
class _Prepared:
    problem: Problem
    travel: Travel
    depot_index: dict[str, int]
    stop_index: dict[str, int]  # position in problem.stops; its place index is len(depots) + position
    slots: list[_Slot]
    servable: dict[int, list[_Slot]]  # stop position -> slots that could serve it alone
    left_out: list[LeftOut]  # optional villages no truck can serve


# ------------------------------------------------------------------------------------ validation


def _shape_issues(problem: Problem) -> list[Issue]:
    issues: list[Issue] = []
    if not problem.days:
        issues.append(Issue(_("Choose the day or the days to plan")))
    if len(set(problem.days)) != len(problem.days):
        issues.append(Issue(_("A day is listed twice in the days to plan")))
    if not problem.vehicles:
        issues.append(Issue(_("There is no truck to plan for")))
    if not problem.depots:
        issues.append(Issue(_("There is no depot for the trucks to start from")))
    if problem.road_factor <= 0 or problem.road_factor > 5:
        issues.append(Issue(_("The road factor must be between 0 and 5 (1.4 for mountain roads)")))
    if problem.speed_kmh <= 0:
        issues.append(Issue(_("The average speed must be more than 0 km/h")))
    for kind, items in (("depot", problem.depots), ("vehicle", problem.vehicles), ("stop", problem.stops)):
        seen: set[str] = set()
        for item in items:
            if not item.code:
                issues.append(Issue(_("A %(kind)s has no code") % {"kind": kind}))
            elif item.code in seen:
                issues.append(Issue(_("The code “%(code)s” is used twice") % {"code": item.code}, item.code))
            seen.add(item.code)
    stop_codes = {s.code for s in problem.stops}
    for depot in problem.depots:
        if depot.code in stop_codes:
            issues.append(
                Issue(
                    _("The code “%(code)s” names both a depot and a village") % {"code": depot.code},
                    depot.code,
                )
            )
    depots = {d.code for d in problem.depots}
    for v in problem.vehicles:
        who = _vehicle_label(v)
        if v.depot not in depots:
            issues.append(
                Issue(
                    _("Truck %(truck)s: its depot “%(depot)s” is not in the plan")
                    % {"truck": who, "depot": v.depot},
                    v.code,
                )
            )
        if v.kind not in VEHICLE_KINDS:
            issues.append(
                Issue(_("Truck %(truck)s: unknown kind “%(kind)s”") % {"truck": who, "kind": v.kind}, v.code)
            )
        if v.capacity_kg <= 0:
            issues.append(
                Issue(_("Truck %(truck)s: the capacity must be more than 0 kg") % {"truck": who}, v.code)
            )
        if v.shift_end <= v.shift_start:
            issues.append(
                Issue(_("Truck %(truck)s: the shift must end after it starts") % {"truck": who}, v.code)
            )
        if _yuan(v.cost_per_km) < 0 or _yuan(v.fixed_cost) < 0 or _yuan(v.cost_per_hour) < 0:
            issues.append(Issue(_("Truck %(truck)s: costs cannot be negative") % {"truck": who}, v.code))
        if any(d not in ALL_WEEKDAYS for d in v.weekdays):
            issues.append(
                Issue(_("Truck %(truck)s: weekdays are 0 (Monday) to 6 (Sunday)") % {"truck": who}, v.code)
            )
    if (
        problem.days
        and problem.vehicles
        and not any(day.weekday() in v.weekdays for v in problem.vehicles for day in problem.days)
    ):
        issues.append(Issue(_("No truck is available on the days to plan")))
    for s in problem.stops:
        who = label_of(s)
        if s.delivery_kg < 0 or s.pickup_kg < 0:
            issues.append(
                Issue(_("Village %(village)s: weights cannot be negative") % {"village": who}, s.code)
            )
        if s.service_minutes < 0:
            issues.append(
                Issue(
                    _("Village %(village)s: the time at the stop cannot be negative") % {"village": who},
                    s.code,
                )
            )
        if s.window_start and s.window_end and s.window_end < s.window_start:
            issues.append(
                Issue(
                    _("Village %(village)s: the time window ends before it starts") % {"village": who}, s.code
                )
            )
        if _yuan(s.prize) < 0:
            issues.append(
                Issue(
                    _("Village %(village)s: the value of a visit cannot be negative") % {"village": who},
                    s.code,
                )
            )
        unknown = sorted(k for k in s.kinds if k not in VEHICLE_KINDS)
        if unknown:
            issues.append(
                Issue(
                    _("Village %(village)s: unknown kind of truck “%(kind)s”")
                    % {"village": who, "kind": unknown[0]},
                    s.code,
                )
            )
        if any(d not in ALL_WEEKDAYS for d in s.weekdays):
            issues.append(
                Issue(
                    _("Village %(village)s: market days are 0 (Monday) to 6 (Sunday)") % {"village": who},
                    s.code,
                )
            )
    return issues


def _slots(problem: Problem, depot_index: dict[str, int]) -> list[_Slot]:
    return [
        _Slot(vehicle, i, day, depot_index[vehicle.depot])
        for i, day in enumerate(problem.days)
        for vehicle in problem.vehicles
        if day.weekday() in vehicle.weekdays and vehicle.depot in depot_index
    ]


def _alone_on_time(stop: Stop, place: int, slot: _Slot, travel: Travel) -> bool:
    """Can this truck leave at the start of its shift, serve only this village and be back in time?"""
    early, late = _window(stop)
    start = max(seconds_of(slot.vehicle.shift_start) + travel.time(slot.depot_index, place), early)
    back = start + stop.service_minutes * 60 + travel.time(place, slot.depot_index)
    return start <= late and back <= seconds_of(slot.vehicle.shift_end)


def _screen(
    problem: Problem, travel: Travel, slots: list[_Slot]
) -> tuple[dict[int, list[_Slot]], list[Issue], list[LeftOut]]:
    """Which trucks could serve each village alone; why none can (an error when must-visit)."""
    servable: dict[int, list[_Slot]] = {}
    issues: list[Issue] = []
    left_out: list[LeftOut] = []
    base = len(problem.depots)
    for pos, stop in enumerate(problem.stops):
        place = base + pos
        who = label_of(stop)
        weight = max(stop.delivery_kg, stop.pickup_kg)
        candidates = [s for s in slots if _day_allowed(stop, s.day) and _kind_allowed(stop, s.vehicle)]
        big = [s for s in candidates if weight <= s.vehicle.capacity_kg]
        timely = [s for s in candidates if _alone_on_time(stop, place, s, travel)]
        ok = [s for s in big if s in timely]
        if ok:
            servable[pos] = ok
            continue
        early, late = _window(stop)
        if not candidates:
            reason = Reason.NO_TRUCK
            message = _(
                "Village %(village)s: no truck that may serve it runs on its market days within the days planned"
            ) % {"village": who}
        elif not big:
            reason = Reason.TOO_HEAVY
            largest = max(s.vehicle.capacity_kg for s in candidates)
            message = _(
                "Village %(village)s needs %(kg)s kg carried, more than the largest truck that can go there (%(cap)s kg)"
            ) % {"village": who, "kg": weight, "cap": largest}
        elif not timely:
            reason = Reason.INFEASIBLE_WINDOW
            message = _(
                "Village %(village)s: no truck's shift can reach it within its time window %(start)s–%(end)s and be back in time"
            ) % {"village": who, "start": clock(early), "end": clock(late)}
        else:
            reason = Reason.INFEASIBLE_WINDOW
            message = _(
                "Village %(village)s: the trucks large enough for its %(kg)s kg cannot reach it within its time window %(start)s–%(end)s"
            ) % {"village": who, "kg": weight, "start": clock(early), "end": clock(late)}
        if stop.required:
            issues.append(Issue(message, stop.code))
        else:
            left_out.append(LeftOut(stop.code, stop.name, reason, message, False, _yuan(stop.prize)))
    required = [s for pos, s in enumerate(problem.stops) if s.required]
    if slots and required:
        for attr, label in (("delivery_kg", _("delivered")), ("pickup_kg", _("collected"))):
            need = sum(getattr(s, attr) for s in required)
            have = sum(s.vehicle.capacity_kg for s in slots)
            if need > have:
                issues.append(
                    Issue(
                        _(
                            "The must-visit villages have %(need)s kg to be %(what)s but the trucks carry %(have)s kg in all"
                        )
                        % {"need": need, "what": label, "have": have}
                    )
                )
    return servable, issues, left_out


def _prepare(problem: Problem) -> _Prepared:
    issues = _shape_issues(problem)
    places = problem.places()
    issues.extend(travel_issues(places, problem.matrix))
    if issues:
        raise InvalidProblem(issues)
    travel = build_travel(
        places, road_factor=problem.road_factor, speed_kmh=problem.speed_kmh, matrix=problem.matrix
    )
    depot_index = {d.code: i for i, d in enumerate(problem.depots)}
    stop_index = {s.code: i for i, s in enumerate(problem.stops)}
    slots = _slots(problem, depot_index)
    servable, issues, left_out = _screen(problem, travel, slots)
    if issues:
        raise InvalidProblem(issues)
    return _Prepared(problem, travel, depot_index, stop_index, slots, servable, left_out)


def validate(problem: Problem) -> list[Issue]:
    """Everything that must be fixed before planning, each naming the village, truck or cell; empty
    when the problem can be solved. Optional villages that no truck can serve are not errors: `solve`
    leaves them out with the reason."""
    try:
        _prepare(problem)
    except InvalidProblem as exc:
        return exc.issues
    return []


# ------------------------------------------------------------------------------------ building plans


def _evaluate(
    prep: _Prepared, slot: _Slot, positions: Sequence[int], departure: int
) -> tuple[bool, int, int, int]:
    """(feasible, metres, back, max load) of a route through stop positions; the planner's own check,
    used to explain why optional villages were left out."""
    problem, travel = prep.problem, prep.travel
    base = len(problem.depots)
    vehicle = slot.vehicle
    load = sum(problem.stops[p].delivery_kg for p in positions)
    peak = load
    ok = load <= vehicle.capacity_kg
    t, prev, metres = departure, slot.depot_index, 0
    for p in positions:
        stop = problem.stops[p]
        place = base + p
        if not (_day_allowed(stop, slot.day) and _kind_allowed(stop, vehicle)):
            ok = False
        early, late = _window(stop)
        arrival = t + travel.time(prev, place)
        metres += int(travel.metres[prev, place])
        start = max(arrival, early)
        if start > late:
            ok = False
        t = start + stop.service_minutes * 60
        load += stop.pickup_kg - stop.delivery_kg
        peak = max(peak, load)
        prev = place
    back = t + travel.time(prev, slot.depot_index)
    metres += int(travel.metres[prev, slot.depot_index])
    if back > seconds_of(vehicle.shift_end) or peak > vehicle.capacity_kg:
        ok = False
    return ok, metres, back, peak


def _route_cost(vehicle: Vehicle, metres: int, seconds: int) -> Decimal:
    return _money(
        _yuan(vehicle.fixed_cost)
        + _yuan(vehicle.cost_per_km) * Decimal(metres) / 1000
        + _yuan(vehicle.cost_per_hour) * Decimal(seconds) / 3600
    )


def _make_route(prep: _Prepared, slot: _Slot, positions: Sequence[int], departure: int) -> Route:
    problem, travel = prep.problem, prep.travel
    base = len(problem.depots)
    vehicle = slot.vehicle
    load = sum(problem.stops[p].delivery_kg for p in positions)
    load_out = peak = load
    visits: list[Visit] = []
    t, prev, metres = departure, slot.depot_index, 0
    for p in positions:
        stop = problem.stops[p]
        place = base + p
        early, _late = _window(stop)
        arrival = t + travel.time(prev, place)
        metres += int(travel.metres[prev, place])
        start = max(arrival, early)
        t = start + stop.service_minutes * 60
        load += stop.pickup_kg - stop.delivery_kg
        peak = max(peak, load)
        visits.append(
            Visit(
                stop=stop.code,
                name=stop.name,
                arrival=arrival,
                start=start,
                departure=t,
                wait_s=start - arrival,
                km_from_previous=travel.km(prev, place),
                delivery_kg=stop.delivery_kg,
                pickup_kg=stop.pickup_kg,
                load_after_kg=load,
            )
        )
        prev = place
    back = t + travel.time(prev, slot.depot_index)
    metres += int(travel.metres[prev, slot.depot_index])
    return Route(
        vehicle=vehicle.code,
        kind=vehicle.kind,
        depot=vehicle.depot,
        day=slot.day,
        departure=departure,
        back=back,
        visits=visits,
        km=metres / 1000,
        load_out_kg=load_out,
        load_back_kg=load,
        max_load_kg=peak,
        capacity_kg=vehicle.capacity_kg,
        cost=_route_cost(vehicle, metres, back - departure),
    )


def _insertion(prep: _Prepared, pos: int, routes: dict[_Slot, list[int]]) -> Decimal | None:
    """Cheapest feasible detour (yuan) to add an optional village to the plan, None if there is none."""
    stop = prep.problem.stops[pos]
    best: Decimal | None = None
    for slot in prep.servable.get(pos, []):
        vehicle = slot.vehicle
        shift = seconds_of(vehicle.shift_start)
        current = routes.get(slot)
        if current is None:  # an idle truck: a run of its own
            ok, metres, back, _peak = _evaluate(prep, slot, [pos], shift)
            cost = _route_cost(vehicle, metres, back - shift) if ok else None
        else:
            if (
                sum(prep.problem.stops[p].delivery_kg for p in current) + stop.delivery_kg
                > vehicle.capacity_kg
            ):
                continue
            _ok, metres0, back0, _peak = _evaluate(prep, slot, current, shift)
            cost = None
            for i in range(len(current) + 1):
                ok, metres, back, _peak = _evaluate(prep, slot, [*current[:i], pos, *current[i:]], shift)
                if ok:
                    extra = (
                        _yuan(vehicle.cost_per_km) * Decimal(metres - metres0) / 1000
                        + _yuan(vehicle.cost_per_hour) * Decimal(max(0, back - back0)) / 3600
                    )
                    cost = extra if cost is None else min(cost, extra)
        if cost is not None and (best is None or cost < best):
            best = cost
    return None if best is None else _money(best)


def _assemble(prep: _Prepared, routes: dict[_Slot, tuple[list[int], int]], explain: bool = True) -> Plan:
    problem = prep.problem
    built = [
        _make_route(prep, slot, positions, departure)
        for slot, (positions, departure) in routes.items()
        if positions
    ]
    built.sort(key=lambda r: (r.day, r.vehicle))
    served = {p for positions, _dep in routes.values() for p in positions}
    left_out = list(prep.left_out)
    upfront = {item.stop for item in left_out}
    sequences = {slot: positions for slot, (positions, _dep) in routes.items() if positions}
    for pos, stop in enumerate(problem.stops):
        if pos in served or stop.code in upfront:
            continue
        who = label_of(stop)
        prize = _yuan(stop.prize)
        if stop.required:
            left_out.append(
                LeftOut(
                    stop.code,
                    stop.name,
                    Reason.UNSERVED,
                    _("Village %(village)s must be visited but the planner found no plan that serves it")
                    % {"village": who},
                    True,
                    prize,
                )
            )
            continue
        detour = _insertion(prep, pos, sequences) if explain else None
        if detour is None:
            reason = Reason.NO_ROOM
            message = _(
                "Village %(village)s is optional and left out: no truck has the load or the time left for it"
            ) % {"village": who}
        elif detour >= prize:
            reason = Reason.NOT_WORTH
            message = _(
                "Village %(village)s is optional and left out: a visit is worth %(prize)s yuan, the cheapest detour costs %(detour)s yuan"
            ) % {"village": who, "prize": prize, "detour": detour}
        else:
            reason = Reason.NOT_CHOSEN
            message = _(
                "Village %(village)s is optional and was left out, although a detour of %(detour)s yuan would earn %(prize)s yuan; a longer run may add it"
            ) % {"village": who, "prize": prize, "detour": detour}
        left_out.append(LeftOut(stop.code, stop.name, reason, message, False, prize, detour))
    missed = sum((item.prize for item in left_out if not item.required), Decimal("0"))
    return Plan(
        routes=built,
        left_out=left_out,
        cost=sum((r.cost for r in built), Decimal("0")),
        prizes_missed=_money(missed),
        km=round(sum(r.km for r in built), 3),
    )


def build_plan(
    problem: Problem, routes: Sequence[RouteSpec], *, explain: bool = True, check: bool = True
) -> Plan:
    """A `Plan` from routes given as village codes (another solver's, or a plan edited by hand):
    arrival times, loads, km and costs computed as the planner does; left-out villages explained
    (`explain`) and the whole plan re-checked by `feasibility.check` (`check`).

    Raises `InvalidProblem` for what `validate` refuses, an unknown truck, day or village code."""
    prep = _prepare(problem)
    slot_of = {(s.vehicle.code, s.day): s for s in prep.slots}
    given: dict[_Slot, tuple[list[int], int]] = {}
    issues: list[Issue] = []
    for spec in routes:
        slot = slot_of.get((spec.vehicle, spec.day))
        if slot is None:
            issues.append(
                Issue(
                    _("Truck “%(truck)s” is not available on %(day)s")
                    % {"truck": spec.vehicle, "day": spec.day},
                    spec.vehicle,
                )
            )
            continue
        positions = []
        for code in spec.stops:
            if code not in prep.stop_index:
                issues.append(
                    Issue(
                        _("Route of %(truck)s: unknown village “%(code)s”")
                        % {"truck": spec.vehicle, "code": code},
                        code,
                    )
                )
            else:
                positions.append(prep.stop_index[code])
        departure = seconds_of(slot.vehicle.shift_start) if spec.departure is None else int(spec.departure)
        given[slot] = (positions, departure)
    if issues:
        raise InvalidProblem(issues)
    plan = _assemble(prep, given, explain=explain)
    if check:
        _check_into(problem, plan, prep.travel)
    return plan


def _check_into(problem: Problem, plan: Plan, travel: Travel) -> None:
    from .feasibility import check

    violations = check(problem, plan, travel=travel)
    plan.violations = [v.message for v in violations]
    plan.feasible = not violations


# ------------------------------------------------------------------------------------ solving


class _Criterion:
    """PyVRP's stopping criterion: iterations and/or time, a cancel event, progress reports; notes
    when the first feasible solution appears. PyVRP calls it once per iteration with the best cost."""

    def __init__(
        self,
        *,
        started: float,
        max_iterations: int | None,
        max_runtime: float | None,
        cancel: threading.Event | None,
        progress: Callable[[Progress], None] | None,
        interval: float,
    ) -> None:
        self.started = started
        self.max_iterations = max_iterations
        self.max_runtime = max_runtime
        self.cancel = cancel
        self.progress = progress
        self.interval = interval
        self.calls = 0
        self.first_feasible: float | None = None
        self.cancelled = False
        self.best_cost = INFEASIBLE_COST
        self.last_report = -1e9

    def fraction(self, elapsed: float) -> float:
        parts = []
        if self.max_iterations:
            parts.append(self.calls / self.max_iterations)
        if self.max_runtime:
            parts.append(elapsed / self.max_runtime)
        return min(1.0, max(parts, default=0.0))

    def report(self, now: float, done: bool = False) -> None:
        if self.progress is None:
            return
        self.last_report = now
        elapsed = now - self.started
        best = None if self.best_cost >= INFEASIBLE_COST else _money(Decimal(self.best_cost) / COST_SCALE)
        self.progress(
            Progress(self.calls, round(elapsed, 3), 1.0 if done else self.fraction(elapsed), best, done)
        )

    def __call__(self, best_cost: int) -> bool:
        now = _time.perf_counter()
        improved_feasible = best_cost < INFEASIBLE_COST and self.best_cost >= INFEASIBLE_COST
        self.best_cost = best_cost
        if improved_feasible and self.first_feasible is None:
            self.first_feasible = now - self.started
        if self.cancel is not None and self.cancel.is_set():
            self.cancelled = True
            return True
        if self.max_iterations is not None and self.calls >= self.max_iterations:
            return True
        if self.max_runtime is not None and now - self.started >= self.max_runtime:
            return True
        self.calls += 1
        if improved_feasible or now - self.last_report >= self.interval:
            self.report(now)
        return False


def _penalty_scale(prep: _Prepared) -> float:
    """What one second of driving costs (solver units) on the cheapest truck: PyVRP's default penalty
    range is made for instances whose cost unit is one unit of travel time, so it is scaled by this."""
    speed_mps = prep.problem.speed_kmh / 3.6
    per_second = [
        float(_yuan(v.cost_per_km)) * COST_SCALE / 1000 * speed_mps
        + float(_yuan(v.cost_per_hour)) * COST_SCALE / 3600
        for v in prep.problem.vehicles
    ]
    positive = [c for c in per_second if c > 0]
    scale = max(1.0, min(positive)) if positive else 1.0
    # PyVRP multiplies a penalty by the excess (kg, seconds late) in 64-bit integers: keep the worst
    # case (every village late by the unreachable time, every kg too much) well inside that
    stops = prep.problem.stops
    worst = max(
        (len(stops) + 1) * UNREACHABLE,
        sum(s.delivery_kg + s.pickup_kg for s in stops),
    )
    return min(scale, 2.0**60 / worst / 100_000.0)


def _problem_data(prep: _Prepared) -> tuple[Any, list[tuple[int, int]]]:
    """PyVRP ProblemData, and for each PyVRP client its (stop position, day index)."""
    from pyvrp import Client, ClientGroup, ProblemData, VehicleType
    from pyvrp import Depot as PDepot
    from pyvrp import Location as PLocation

    problem, travel = prep.problem, prep.travel
    base = len(problem.depots)
    locations = [
        PLocation(x=float(p.lon or 0.0), y=float(p.lat or 0.0), name=p.code) for p in problem.places()
    ]
    depots = [PDepot(location=i, name=d.code) for i, d in enumerate(problem.depots)]

    restricted = any(s.kinds for s in problem.stops)
    kinds = sorted({v.kind for v in problem.vehicles}) if restricted else []
    profile_of = {kind: i for i, kind in enumerate(kinds)}
    distances: list[Any] = []
    durations: list[Any] = []
    profiles: list[str | None] = list(kinds) or [None]
    for kind in profiles:
        dist = travel.metres.copy()
        dur = travel.seconds.copy()
        if kind is not None:
            for pos, stop in enumerate(problem.stops):
                if stop.kinds and kind not in stop.kinds:
                    place = base + pos
                    for matrix in (dist, dur):
                        matrix[place, :] = UNREACHABLE
                        matrix[:, place] = UNREACHABLE
                        matrix[place, place] = 0
        distances.append(dist)
        durations.append(dur)

    clients: list[Any] = []
    copies: list[tuple[int, int]] = []
    groups: list[Any] = []
    for pos, stop in enumerate(problem.stops):
        if pos not in prep.servable:
            continue
        day_indexes = sorted({slot.day_index for slot in prep.servable[pos]})
        early, late = _window(stop)
        prize = 0 if stop.required else _units(stop.prize)
        group_index = None
        if len(day_indexes) > 1:
            group_index = len(groups)
            groups.append(ClientGroup(required=stop.required, name=stop.code))
        for d in day_indexes:
            if group_index is not None:
                groups[group_index].add_client(len(clients))
            clients.append(
                Client(
                    location=base + pos,
                    delivery=[stop.delivery_kg],
                    pickup=[stop.pickup_kg],
                    service_duration=stop.service_minutes * 60,
                    tw_early=d * DAY + early,
                    tw_late=d * DAY + late,
                    prize=prize,
                    required=stop.required and group_index is None,
                    group=group_index,
                    name=stop.code,
                )
            )
            copies.append((pos, d))

    vehicle_types = []
    for slot in prep.slots:
        v = slot.vehicle
        vehicle_types.append(
            VehicleType(
                num_available=1,
                capacity=[v.capacity_kg],
                start_depot=slot.depot_index,
                end_depot=slot.depot_index,
                fixed_cost=_units(v.fixed_cost),
                tw_early=slot.offset + seconds_of(v.shift_start),
                tw_late=slot.offset + seconds_of(v.shift_end),
                unit_distance_cost=_units(v.cost_per_km) // 1000,
                unit_duration_cost=_units(v.cost_per_hour) // 3600,
                profile=profile_of.get(v.kind, 0),
                name=f"{v.code} {slot.day.isoformat()}",
            )
        )
    data = ProblemData(locations, clients, depots, vehicle_types, distances, durations, groups)
    return data, copies


def solve(
    problem: Problem,
    *,
    max_iterations: int | None = None,
    max_runtime: float | None = None,
    seed: int = 0,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    progress_interval: float = 0.5,
) -> Plan:
    """Plan the routes. Stops after `max_iterations` (deterministic with a fixed `seed`) or
    `max_runtime` seconds, whichever comes first (10 s when neither is given), or as soon as `cancel`
    is set: the best plan so far is returned with `cancelled=True`.

    `progress` is called from the solving thread every `progress_interval` seconds, when the first
    feasible plan appears and once at the end (`done=True`).

    Raises `InvalidProblem` (Chinese messages naming the village, truck or cell) before solving."""
    from pyvrp import solve as pyvrp_solve
    from pyvrp.PenaltyManager import PenaltyParams
    from pyvrp.solve import SolveParams

    started = _time.perf_counter()
    if max_iterations is None and max_runtime is None:
        max_runtime = 10.0
    prep = _prepare(problem)
    criterion = _Criterion(
        started=started,
        max_iterations=max_iterations,
        max_runtime=max_runtime,
        cancel=cancel,
        progress=progress,
        interval=progress_interval,
    )
    routes: dict[_Slot, tuple[list[int], int]] = {}
    iterations = 0
    if prep.servable:
        data, copies = _problem_data(prep)
        scale = _penalty_scale(prep)
        params = SolveParams(penalty=PenaltyParams(min_penalty=0.1 * scale, max_penalty=100_000.0 * scale))
        result = pyvrp_solve(data, criterion, seed=seed, collect_stats=False, display=False, params=params)
        iterations = result.num_iterations
        for pyvrp_route in result.best.routes():
            slot = prep.slots[pyvrp_route.vehicle_type()]
            positions = [copies[activity.idx][0] for activity in pyvrp_route if activity.is_client()]
            departure = max(pyvrp_route.start_time() - slot.offset, seconds_of(slot.vehicle.shift_start))
            routes[slot] = (positions, departure)
    else:
        criterion.first_feasible = _time.perf_counter() - started
    plan = _assemble(prep, routes)
    _check_into(problem, plan, prep.travel)
    plan.cancelled = criterion.cancelled
    plan.iterations = iterations
    plan.runtime_s = round(_time.perf_counter() - started, 3)
    plan.first_feasible_s = None if criterion.first_feasible is None else round(criterion.first_feasible, 3)
    plan.seed = seed
    criterion.best_cost = _units(plan.objective) if plan.feasible else INFEASIBLE_COST
    criterion.report(_time.perf_counter(), done=True)
    return plan
