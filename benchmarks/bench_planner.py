"""Route planner: PyVRP (gongxiao.caravan.planner) against OR-Tools' routing solver (guided local
search), same instances, same time limit, same run; every plan re-checked by caravan/feasibility.py.

    .venv/bin/python benchmarks/bench_planner.py            # 10 s per solver and instance (~90 s)
    .venv/bin/python benchmarks/bench_planner.py --quick    # 1 s per solver and instance (~15 s)
    .venv/bin/python benchmarks/bench_planner.py --limit 30 --seed 3

Instances: a generated county (200 villages, 2 depots, 8 trucks of mixed capacity and cost, market
hours, optional villages with a value, pre-orders delivered and produce collected on the same visit;
seeded) and the CVRPLIB instances in ../shared/data/vrp/ (gap to the best known solution in the
.sol file). OR-Tools is installed into the venv on first run when missing (the `bench` extra of
pyproject.toml), never as a dependency of the package.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import math
import os
import random
import re
import subprocess
import sys
import time
import tomllib
from datetime import date
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any

from _common import HERE, RESULT_MARK, print_result, read_result
from _common import PROJECT as ROOT

VRP_DIR = Path(os.environ.get("GONGXIAO_VRP_DIR", ROOT.parent / "shared" / "data" / "vrp"))
TITLE = "Route planner: PyVRP vs OR-Tools"
DAY = date(2025, 3, 4)  # a Tuesday


def _setup() -> None:
    """Just enough Django for the planner's gettext (no apps, no database): the bench runs in its own
    worker process, so it neither needs nor disturbs the project's settings."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            USE_I18N=True,
            LANGUAGE_CODE="en",
            INSTALLED_APPS=[],
            LOCALE_PATHS=[str(ROOT / "gongxiao" / "locale")],
        )
    django.setup()


def ensure_ortools() -> Any:
    """Import OR-Tools, installing the `bench` extra's requirement into this venv if it is missing."""
    try:
        return importlib.import_module("ortools")
    except ImportError:
        pass
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    specs = [s for s in extras.get("bench", []) if s.lower().startswith("ortools")] or ["ortools"]
    print(f"   installing {' '.join(specs)} for the benchmark (not a dependency of the package)", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *specs], check=True)
    importlib.invalidate_caches()
    return importlib.import_module("ortools")


# ------------------------------------------------------------------------------------ instances


def county_problem(seed: int = 2025, villages: int = 200) -> Any:
    """A mountain county: villages in clusters around 16 towns, two collection centres, 8 trucks."""
    from gongxiao.caravan.planner import Depot, Problem, Stop, Vehicle

    rng = random.Random(seed)
    depots = [Depot("D1", "West centre", 28.40, 119.33), Depot("D2", "East centre", 28.53, 119.60)]
    towns = [(28.45 + rng.uniform(-0.2, 0.2), 119.46 + rng.uniform(-0.25, 0.25)) for _ in range(16)]
    stops = []
    for i in range(villages):
        lat0, lon0 = rng.choice(towns)
        required = rng.random() < 0.7
        window = rng.random()
        if window < 0.2:
            start, end = clock_time(7, 30), clock_time(11, 30)  # morning market
        elif window < 0.35:
            start, end = clock_time(13, 0), clock_time(16, 30)  # afternoon market
        else:
            start = end = None
        stops.append(
            Stop(
                code=f"V{i:03d}",
                name=f"Village {i:03d}",
                lat=round(lat0 + rng.gauss(0, 0.03), 5),
                lon=round(lon0 + rng.gauss(0, 0.03), 5),
                delivery_kg=rng.randint(20, 150),
                pickup_kg=rng.randint(0, 200) if rng.random() < 0.6 else 0,
                service_minutes=rng.choice((10, 15, 15, 20, 25)),
                window_start=start,
                window_end=end,
                required=required,
                prize=Decimal(0) if required else Decimal(rng.randint(20, 150) * 2),
            )
        )
    kinds = ("goods_to_village", "produce_to_city", "inputs_to_mountain")
    capacities = (3000, 3000, 2500, 2500, 2000, 2000, 1500, 1500)
    vehicles = [
        Vehicle(
            code=f"浙K-{i + 1:04d}",
            depot="D1" if i % 2 == 0 else "D2",
            capacity_kg=cap,
            kind=kinds[i % 3],
            shift_start=clock_time(7),
            shift_end=clock_time(18),
            cost_per_km=Decimal("2.2") + Decimal(cap) / 5000,
            fixed_cost=Decimal(100 + cap // 20),
        )
        for i, cap in enumerate(capacities)
    ]
    return Problem(depots, vehicles, stops, [DAY], road_factor=1.4, speed_kmh=35)


def read_vrp(path: Path) -> tuple[Any, dict[str, Any]]:
    """A CVRPLIB .vrp (EUC_2D, capacity, optional time windows and service time) as a planner Problem,
    with its best known solution (.sol beside it: routes and `Cost N`)."""
    from gongxiao.caravan.planner import Depot, DistanceMatrix, Problem, Stop, Vehicle

    head: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if ":" in line and not line[0].isdigit() and not line.startswith("-"):
            key, value = line.split(":", 1)
            head[key.strip()] = value.strip().strip('"')
            current = None
        elif re.fullmatch(r"[A-Z_]+SECTION", line):
            current = line
            sections[current] = []
        elif current:
            sections[current].append(line.split())
    coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
    demand = {int(r[0]): int(r[1]) for r in sections["DEMAND_SECTION"]}
    depot_ids = [int(r[0]) for r in sections.get("DEPOT_SECTION", []) if int(r[0]) > 0]
    windows = {int(r[0]): (int(r[1]), int(r[2])) for r in sections.get("TIME_WINDOW_SECTION", [])}
    service = int(head.get("SERVICE_TIME", "0") or 0)
    solomon = bool(windows)
    ids = sorted(coords)

    def dist(a: int, b: int) -> float:
        (x1, y1), (x2, y2) = coords[a], coords[b]
        d = math.hypot(x1 - x2, y1 - y2)
        # CVRPLIB X: nearest integer; Solomon (DIMACS convention): x10, truncated, so one decimal
        return math.floor(d * 10) / 10 if solomon else float(round(d))

    labels = tuple(str(i) for i in ids)
    matrix = DistanceMatrix(labels, tuple(tuple(dist(a, b) for b in ids) for a in ids))
    sol = path.with_suffix(".sol").read_text()
    best = float(re.search(r"Cost\s+([\d.]+)", sol).group(1))  # type: ignore[union-attr]
    routes = len(re.findall(r"^Route", sol, re.M))

    def hhmm(minutes: int) -> clock_time:
        return clock_time(minutes // 60, minutes % 60)

    depot_id = depot_ids[0]
    shift_end = hhmm(windows[depot_id][1]) if solomon else clock_time(23, 59, 59)
    stops = [
        Stop(
            code=str(i),
            delivery_kg=demand[i],
            service_minutes=service,
            window_start=hhmm(windows[i][0]) if solomon else None,
            window_end=hhmm(windows[i][1]) if solomon else None,
        )
        for i in ids
        if i != depot_id
    ]
    vehicles = [
        Vehicle(
            code=f"K{k + 1}",
            depot=str(depot_id),
            capacity_kg=int(head["CAPACITY"]),
            shift_start=clock_time(0),
            shift_end=shift_end,
            cost_per_km=Decimal(1),
        )
        for k in range(routes + 2)  # as many vehicles as the best known solution, plus two
    ]
    # Solomon: 1 distance unit = 1 minute of driving, so 60 km/h; X: no times, so fast enough for any route
    problem = Problem(
        [Depot(str(depot_id))], vehicles, stops, [DAY], speed_kmh=60 if solomon else 300, matrix=matrix
    )
    return problem, {"name": head.get("NAME", path.stem), "best": best, "routes": routes}


# ------------------------------------------------------------------------------------ OR-Tools


def ortools_solve(problem: Any, limit: float) -> tuple[Any, float | None, float]:
    """OR-Tools routing, guided local search, same distances, times, costs and constraints. Returns
    (plan or None, seconds to its first solution, wall seconds)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    from gongxiao.caravan import planner

    started = time.perf_counter()
    travel = planner.travel_for(problem)
    day = problem.days[0]
    n_depots = len(problem.depots)
    stops = list(problem.stops)
    n = n_depots + len(stops)
    depot_of = {d.code: i for i, d in enumerate(problem.depots)}
    vehicles = [v for v in problem.vehicles if day.weekday() in v.weekdays]
    starts = [depot_of[v.depot] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(n, len(vehicles), starts, starts)
    routing = pywrapcp.RoutingModel(manager)

    metres = travel.metres.tolist()
    seconds = travel.seconds.tolist()
    service = [0] * n_depots + [s.service_minutes * 60 for s in stops]
    cost_callbacks: dict[tuple[int, int], int] = {}
    for k, v in enumerate(vehicles):
        per_m = planner._units(v.cost_per_km) // 1000
        per_s = planner._units(v.cost_per_hour) // 3600
        key = (per_m, per_s)
        if key not in cost_callbacks:
            cost = [
                [per_m * metres[i][j] + per_s * (seconds[i][j] + service[i]) for j in range(n)]
                for i in range(n)
            ]
            cost_callbacks[key] = routing.RegisterTransitMatrix(cost)
        routing.SetArcCostEvaluatorOfVehicle(cost_callbacks[key], k)
        routing.SetFixedCostOfVehicle(planner._units(v.fixed_cost), k)

    capacities = [v.capacity_kg for v in vehicles]
    deliveries = [0] * n_depots + [s.delivery_kg for s in stops]
    pickups = [0] * n_depots + [s.pickup_kg for s in stops]
    if not any(pickups) or not any(deliveries):  # plain CVRP: one demand dimension
        demand = deliveries if any(deliveries) else pickups
        cb = routing.RegisterUnaryTransitVector(demand)
        routing.AddDimensionWithVehicleCapacity(cb, 0, capacities, True, "load")
    else:
        # Simultaneous delivery and pickup: OR-Tools has no such load model. "load" changes by
        # pickup - delivery at each village and starts free; "delivered" adds up the deliveries;
        # the load at the start must be at least the route's deliveries.
        load_cb = routing.RegisterUnaryTransitVector(
            [p - d for p, d in zip(pickups, deliveries, strict=True)]
        )
        routing.AddDimensionWithVehicleCapacity(load_cb, 0, capacities, False, "load")
        deliv_cb = routing.RegisterUnaryTransitVector(deliveries)
        routing.AddDimensionWithVehicleCapacity(deliv_cb, 0, capacities, True, "delivered")
        load, delivered = routing.GetDimensionOrDie("load"), routing.GetDimensionOrDie("delivered")
        solver = routing.solver()
        for k in range(len(vehicles)):
            solver.Add(load.CumulVar(routing.Start(k)) >= delivered.CumulVar(routing.End(k)))
            # the largest start load the route allows is at least its deliveries iff no point of
            # the route is overloaded: let the finalizer take that one
            routing.AddVariableMaximizedByFinalizer(load.CumulVar(routing.Start(k)))

    must_visit_penalty = 100 * max(max(row) for row in metres) * max(c[0] for c in cost_callbacks) * n
    time_cb = routing.RegisterTransitMatrix(
        [[seconds[i][j] + service[i] for j in range(n)] for i in range(n)]
    )
    routing.AddDimension(time_cb, 86_400, 86_400, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for pos, s in enumerate(stops):
        index = manager.NodeToIndex(n_depots + pos)
        early = planner.seconds_of(s.window_start) if s.window_start else 0
        late = planner.seconds_of(s.window_end) if s.window_end else 86_400
        time_dim.CumulVar(index).SetRange(early, late)
        # optional: dropped at the cost of its value. Must-visit: droppable too, at a prohibitive
        # price (the usual OR-Tools advice: its first-solution heuristics find nothing on this county
        # when every must-visit village is a hard constraint); a plan that drops one fails the check.
        routing.AddDisjunction([index], planner._units(s.prize) if not s.required else must_visit_penalty)
    for d in range(n_depots):
        if d not in starts:
            routing.AddDisjunction([manager.NodeToIndex(d)], 0)
    for k, v in enumerate(vehicles):
        lo, hi = planner.seconds_of(v.shift_start), planner.seconds_of(v.shift_end)
        time_dim.CumulVar(routing.Start(k)).SetRange(lo, hi)
        time_dim.CumulVar(routing.End(k)).SetRange(lo, hi)
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))

    first: list[float] = []
    routing.AddAtSolutionCallback(lambda: first.append(time.perf_counter() - started) if not first else None)
    params = pywrapcp.DefaultRoutingSearchParameters()
    # PATH_CHEAPEST_ARC, the usual choice, finds nothing on the county (must-visit villages, market
    # hours, the load constraint above); parallel cheapest insertion does, so the county gets that
    strategies = routing_enums_pb2.FirstSolutionStrategy
    both = any(pickups) and any(deliveries)
    params.first_solution_strategy = (
        strategies.PARALLEL_CHEAPEST_INSERTION if both else strategies.PATH_CHEAPEST_ARC
    )
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    remaining = max(0.1, limit - (time.perf_counter() - started))
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    solution = routing.SolveWithParameters(params)
    wall = time.perf_counter() - started
    if solution is None:
        return None, None, wall
    specs = []
    for k, v in enumerate(vehicles):
        index = routing.Start(k)
        departure = solution.Min(time_dim.CumulVar(index))
        codes = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node >= n_depots:
                codes.append(stops[node - n_depots].code)
            index = solution.Value(routing.NextVar(index))
        if codes:
            specs.append(planner.RouteSpec(v.code, day, codes, departure))
    return planner.build_plan(problem, specs), (first[0] if first else None), wall


# ------------------------------------------------------------------------------------ running


def _pyvrp(problem: Any, limit: float, seed: int) -> tuple[Any, float]:
    from gongxiao.caravan import planner

    started = time.perf_counter()
    plan = planner.solve(problem, max_runtime=limit, seed=seed)
    return plan, time.perf_counter() - started


def _checked(plan: Any) -> str:
    if plan is None:
        return "no plan"
    return (
        "ok"
        if not plan.violations
        else f"{len(plan.violations)} violations, first: {plan.violations[0][:48]}"
    )


def _pct(value: float) -> str:
    return f"{value * 100:.2f} %"


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def bench_county(limit: float, seed: int, pickups: bool = True) -> dict[str, Any]:
    problem = county_problem()
    if not pickups:  # OR-Tools' own load model applies: a fairer second look
        problem = dataclasses.replace(
            problem, stops=[dataclasses.replace(s, pickup_kg=0) for s in problem.stops]
        )
    name = "county-200" if pickups else "county-200 deliveries only"
    pyvrp_plan, pyvrp_wall = _pyvrp(problem, limit, seed)
    ort_plan, ort_first, ort_wall = ortools_solve(problem, limit)
    ours = pyvrp_plan.objective
    theirs = ort_plan.objective if ort_plan is not None and ort_plan.feasible else None
    first = pyvrp_plan.first_feasible_s
    lower = pyvrp_plan.feasible and (theirs is None or ours < theirs)
    print(
        f"   {name}: PyVRP {ours} yuan ({len(pyvrp_plan.routes)} routes, {pyvrp_plan.km:.1f} km, "
        f"{len(pyvrp_plan.served())} villages served, {pyvrp_plan.iterations} iterations, first feasible "
        f"{_fmt_s(first)} s); OR-Tools {'' if theirs is not None else 'no feasible plan, '}"
        + (
            f"{ort_plan.objective} yuan ({len(ort_plan.routes)} routes, {ort_plan.km:.1f} km, {len(ort_plan.served())} villages served, "
            f"first solution {_fmt_s(ort_first)} s)"
            if ort_plan is not None
            else "no solution"
        ),
        flush=True,
    )
    row = {
        "bench": f"planner {name}",
        "instance": "cost + value missed, yuan",
        "limit s": f"{limit:g}",
        "PyVRP": f"{ours}" if pyvrp_plan.feasible else "infeasible",
        "OR-Tools": f"{theirs}" if theirs is not None else ("none" if ort_plan is None else "infeasible"),
        "ratio": f"{float(ours / theirs):.3f}" if theirs else "-",
        "first plan s (PyVRP feasible/OR-Tools first)": f"{_fmt_s(first)} / {_fmt_s(ort_first)}",
        "wall s": f"{pyvrp_wall:.1f} / {ort_wall:.1f}",
        "check": f"{_checked(pyvrp_plan)} / {_checked(ort_plan)}",
    }
    if pickups:
        row["target"] = ("met" if first is not None and first < 1 and lower else "MISSED") + (
            f": first feasible < 1 s ({_fmt_s(first)} s), lower cost than OR-Tools "
            f"({'no' if not lower else 'yes' if theirs is not None else 'OR-Tools found no feasible plan'})"
        )
    return row


def bench_vrplib(path: Path, limit: float, seed: int) -> dict[str, Any]:
    problem, info = read_vrp(path)
    best = info["best"]
    pyvrp_plan, pyvrp_wall = _pyvrp(problem, limit, seed)
    ort_plan, ort_first, ort_wall = ortools_solve(problem, limit)
    # cost per km is 1 yuan and nothing else costs: the plan's km is the instance's objective
    ours = pyvrp_plan.km if pyvrp_plan.feasible else None
    theirs = ort_plan.km if ort_plan is not None and ort_plan.feasible else None
    gap = None if ours is None else (ours - best) / best
    their_gap = None if theirs is None else (theirs - best) / best
    print(
        f"   {info['name']}: best known {best:g}; PyVRP {ours} ({len(pyvrp_plan.routes)} routes, gap "
        f"{_pct(gap) if gap is not None else '-'}); OR-Tools {theirs} "
        f"(gap {_pct(their_gap) if their_gap is not None else '-'})",
        flush=True,
    )
    met = gap is not None and gap <= 0.02
    verdict = ("met" if met else "MISSED") if limit >= 10 else f"n/a at {limit:g} s (the target is for 10 s)"
    return {
        "bench": f"planner {info['name']}",
        "instance": f"km, best known {best:g}",
        "limit s": f"{limit:g}",
        "PyVRP": f"{ours:g}" if ours is not None else "infeasible",
        "OR-Tools": f"{theirs:g}" if theirs is not None else "none",
        "ratio": f"{ours / theirs:.3f}" if ours and theirs else "-",
        "gap PyVRP/OR-Tools": f"{_pct(gap) if gap is not None else '-'} / {_pct(their_gap) if their_gap is not None else '-'}",
        "first plan s (PyVRP feasible/OR-Tools first)": f"{_fmt_s(pyvrp_plan.first_feasible_s)} / {_fmt_s(ort_first)}",
        "wall s": f"{pyvrp_wall:.1f} / {ort_wall:.1f}",
        "check": f"{_checked(pyvrp_plan)} / {_checked(ort_plan)}",
        "target": verdict + f": within 2 % of best known ({_pct(gap) if gap is not None else '-'})",
    }


def _worker(limit: float, seed: int) -> list[dict[str, Any]]:
    _setup()
    rows = [bench_county(limit, seed), bench_county(limit, seed, pickups=False)]
    instances = sorted(VRP_DIR.glob("*.vrp"))
    if not instances:
        print(f"   no .vrp files in {VRP_DIR}: CVRPLIB part skipped", flush=True)
    for path in instances:
        rows.append(bench_vrplib(path, limit, seed))
    return rows


def run(options: Any) -> list[dict[str, Any]]:
    """run.py's entry: installs OR-Tools if needed, then runs the instances in a worker process."""
    ensure_ortools()
    quick = bool(getattr(options, "quick", False))
    limit = getattr(options, "limit", None) or (1.0 if quick else 10.0)
    seed = getattr(options, "seed", None) or 1
    command = [sys.executable, __file__, "--worker", "--limit", str(limit), "--seed", str(seed)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True, cwd=ROOT)
    for line in done.stdout.splitlines():
        if not line.startswith(RESULT_MARK):
            print(line, flush=True)
    rows = read_result(done.stdout)
    if rows is None:
        raise RuntimeError("the planner bench worker printed no result")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1 s per solver and instance")
    parser.add_argument(
        "--limit", type=float, default=None, help="seconds per solver and instance (default 10)"
    )
    parser.add_argument("--seed", type=int, default=1, help="PyVRP's seed (default 1)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print_result(_worker(options.limit, options.seed))
        return 0
    sys.path.insert(0, str(HERE))
    from run import table

    rows = run(options)
    print()
    print(table(rows))
    for row in rows:
        if "target" in row:
            print(f"{row['bench']}: target: {row['target']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
