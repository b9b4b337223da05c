"""An independent check of a plan against its problem; it does not use PyVRP, nor the planner's own
route arithmetic. The benchmark re-checks every plan (PyVRP's and OR-Tools') with it, and
`planner.solve` / `planner.build_plan` put its findings in `Plan.violations`.

What it checks, route by route and over the whole plan:
* the truck exists, runs on that day (its weekdays, a day of the plan), once a day, from its depot;
* loads along the route: the pre-orders of every village on the route are on board when the truck
  leaves, each visit hands its delivery over and takes its pickup on board; the load never exceeds
  the truck's capacity (at departure or after any village);
* times: leaves no earlier than the shift starts; arrival = previous departure + travel time; service
  starts no earlier than the window opens (the truck waits) and no later than it closes; leaves after
  the service time; back at the depot by the end of the shift;
* the village may be served on that day (market days, dates) by that kind of truck;
* each village is visited at most once, and every must-visit village is visited;
* what the plan states (arrival and service times, loads, km) is what the route really gives.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, time

from django.utils.translation import gettext as _

from .distance import Travel, label_of
from .planner import Plan, Problem, Stop, Vehicle, travel_for

DAY = 86_400


@dataclass(frozen=True)
class Violation:
    code: (
        str  # unknown, wrong_day, wrong_depot, twice, overload, early_departure, late, shift, skipped, stated
    )
    message: str
    vehicle: str = ""
    stop: str = ""

    def __str__(self) -> str:
        return self.message


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _hhmm(seconds: int) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _opens(stop: Stop) -> int:
    return _secs(stop.window_start) if stop.window_start is not None else 0


def _closes(stop: Stop) -> int:
    return _secs(stop.window_end) if stop.window_end is not None else DAY


def _may_serve(stop: Stop, vehicle: Vehicle, day: date) -> bool:
    if stop.weekdays and day.weekday() not in stop.weekdays:
        return False
    if stop.dates and day not in stop.dates:
        return False
    return not stop.kinds or vehicle.kind in stop.kinds


def check(
    problem: Problem, plan: Plan, *, travel: Travel | None = None, tolerance_s: int = 60
) -> list[Violation]:
    """Every way `plan` breaks the rules of `problem`; empty when it is feasible. `travel` defaults to
    the problem's own distances (`planner.travel_for`); stated times may be off by `tolerance_s`."""
    if travel is None:
        travel = travel_for(problem)
    out: list[Violation] = []
    vehicles = {v.code: v for v in problem.vehicles}
    depots = {d.code: i for i, d in enumerate(problem.depots)}
    base = len(problem.depots)
    stops = {s.code: (base + i, s) for i, s in enumerate(problem.stops)}
    days = set(problem.days)
    visits: Counter[str] = Counter()
    runs: Counter[tuple[str, date]] = Counter()

    for route in plan.routes:
        vehicle = vehicles.get(route.vehicle)
        if vehicle is None:
            out.append(
                Violation(
                    "unknown",
                    _("A route uses an unknown truck “%(truck)s”") % {"truck": route.vehicle},
                    route.vehicle,
                )
            )
            continue
        truck = label_of(vehicle)
        runs[(vehicle.code, route.day)] += 1
        if route.day not in days:
            out.append(
                Violation(
                    "wrong_day",
                    _("Truck %(truck)s runs on %(day)s, which is not a day of the plan")
                    % {"truck": truck, "day": route.day},
                    vehicle.code,
                )
            )
        if route.day.weekday() not in vehicle.weekdays:
            out.append(
                Violation(
                    "wrong_day",
                    _("Truck %(truck)s is not available on %(day)s") % {"truck": truck, "day": route.day},
                    vehicle.code,
                )
            )
        if route.depot != vehicle.depot or vehicle.depot not in depots:
            out.append(
                Violation(
                    "wrong_depot",
                    _("Truck %(truck)s starts from “%(depot)s” instead of its depot “%(home)s”")
                    % {"truck": truck, "depot": route.depot, "home": vehicle.depot},
                    vehicle.code,
                )
            )
            if vehicle.depot not in depots:
                continue
        home = depots[vehicle.depot]

        # loads: every delivery of the route on board at the start, pickups collected on the way
        on_route = [stops[v.stop][1] for v in route.visits if v.stop in stops]
        load = sum(s.delivery_kg for s in on_route)
        if load > vehicle.capacity_kg:
            out.append(
                Violation(
                    "overload",
                    _(
                        "Truck %(truck)s leaves the depot with %(load)s kg of pre-orders, more than its %(cap)s kg"
                    )
                    % {"truck": truck, "load": load, "cap": vehicle.capacity_kg},
                    vehicle.code,
                )
            )
        if route.load_out_kg != load:
            out.append(
                Violation(
                    "stated",
                    _(
                        "Truck %(truck)s: the plan says %(stated)s kg on board at departure, the route gives %(load)s kg"
                    )
                    % {"truck": truck, "stated": route.load_out_kg, "load": load},
                    vehicle.code,
                )
            )

        shift_start, shift_end = _secs(vehicle.shift_start), _secs(vehicle.shift_end)
        if route.departure < shift_start:
            out.append(
                Violation(
                    "early_departure",
                    _("Truck %(truck)s leaves at %(time)s, before its shift starts (%(start)s)")
                    % {"truck": truck, "time": _hhmm(route.departure), "start": _hhmm(shift_start)},
                    vehicle.code,
                )
            )
        now, here, metres = route.departure, home, 0
        for visit in route.visits:
            entry = stops.get(visit.stop)
            if entry is None:
                out.append(
                    Violation(
                        "unknown",
                        _("Truck %(truck)s visits an unknown village “%(code)s”")
                        % {"truck": truck, "code": visit.stop},
                        vehicle.code,
                        visit.stop,
                    )
                )
                continue
            place, stop = entry
            village = label_of(stop)
            visits[stop.code] += 1
            if not _may_serve(stop, vehicle, route.day):
                out.append(
                    Violation(
                        "wrong_day",
                        _(
                            "Village %(village)s may not be served by truck %(truck)s on %(day)s (market days or kind of truck)"
                        )
                        % {"village": village, "truck": truck, "day": route.day},
                        vehicle.code,
                        stop.code,
                    )
                )
            arrival = now + int(travel.seconds[here, place])
            metres += int(travel.metres[here, place])
            start = max(arrival, _opens(stop))
            if start > _closes(stop):
                out.append(
                    Violation(
                        "late",
                        _(
                            "Truck %(truck)s reaches village %(village)s at %(time)s, after its window closes (%(end)s)"
                        )
                        % {
                            "truck": truck,
                            "village": village,
                            "time": _hhmm(arrival),
                            "end": _hhmm(_closes(stop)),
                        },
                        vehicle.code,
                        stop.code,
                    )
                )
            now = start + stop.service_minutes * 60
            load += stop.pickup_kg - stop.delivery_kg
            if load > vehicle.capacity_kg:
                out.append(
                    Violation(
                        "overload",
                        _(
                            "Truck %(truck)s carries %(load)s kg after village %(village)s, more than its %(cap)s kg"
                        )
                        % {"truck": truck, "load": load, "village": village, "cap": vehicle.capacity_kg},
                        vehicle.code,
                        stop.code,
                    )
                )
            if (
                abs(visit.arrival - arrival) > tolerance_s
                or abs(visit.start - start) > tolerance_s
                or visit.start < _opens(stop)
                or visit.load_after_kg != load
            ):
                out.append(
                    Violation(
                        "stated",
                        _(
                            "Truck %(truck)s at village %(village)s: the plan says arrival %(stated)s and %(stated_load)s kg on board, the route gives %(time)s and %(load)s kg"
                        )
                        % {
                            "truck": truck,
                            "village": village,
                            "stated": _hhmm(visit.arrival),
                            "stated_load": visit.load_after_kg,
                            "time": _hhmm(arrival),
                            "load": load,
                        },
                        vehicle.code,
                        stop.code,
                    )
                )
            here = place
        back = now + int(travel.seconds[here, home])
        metres += int(travel.metres[here, home])
        if back > shift_end:
            out.append(
                Violation(
                    "shift",
                    _("Truck %(truck)s is back at %(time)s, after its shift ends (%(end)s)")
                    % {"truck": truck, "time": _hhmm(back), "end": _hhmm(shift_end)},
                    vehicle.code,
                )
            )
        if abs(route.km - metres / 1000) > 0.01 or abs(route.back - back) > tolerance_s:
            out.append(
                Violation(
                    "stated",
                    _(
                        "Truck %(truck)s: the plan says %(stated)s km, back at %(stated_back)s; the route gives %(km)s km, back at %(back)s"
                    )
                    % {
                        "truck": truck,
                        "stated": route.km,
                        "stated_back": _hhmm(route.back),
                        "km": metres / 1000,
                        "back": _hhmm(back),
                    },
                    vehicle.code,
                )
            )

    for (code, day), count in runs.items():
        if count > 1:
            out.append(
                Violation(
                    "twice",
                    _("Truck %(truck)s has %(n)s runs on %(day)s")
                    % {"truck": label_of(vehicles[code]), "n": count, "day": day},
                    code,
                )
            )
    for code, count in visits.items():
        if count > 1:
            out.append(
                Violation(
                    "twice",
                    _("Village %(village)s is visited %(n)s times")
                    % {"village": label_of(stops[code][1]), "n": count},
                    stop=code,
                )
            )
    for _place, stop in stops.values():
        if stop.required and visits[stop.code] == 0:
            out.append(
                Violation(
                    "skipped",
                    _("Village %(village)s must be visited but is not in any route")
                    % {"village": label_of(stop)},
                    stop=stop.code,
                )
            )
    return out
