"""The route planner on small hand-checked cases, its validation messages, the .xlsx distance matrix,
and the independent feasibility check on deliberately broken plans. No database.

Most cases use a distance matrix in km and 60 km/h, so 1 km is 1 minute of driving and every time
and cost below can be checked by hand. The solver is stopped by iteration count with a fixed seed.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import threading
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook

from gongxiao.caravan import feasibility
from gongxiao.caravan.planner import (
    Depot,
    DistanceMatrix,
    InvalidProblem,
    Plan,
    Problem,
    Reason,
    RouteSpec,
    Stop,
    Vehicle,
    build_plan,
    clock,
    read_distance_matrix,
    solve,
    validate,
)

TUESDAY = date(2025, 3, 4)
WEEK = [date(2025, 3, 3) + timedelta(days=i) for i in range(5)]  # Monday to Friday
ITERATIONS = 300


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def matrix(labels: str, rows: list[list[float]]) -> DistanceMatrix:
    return DistanceMatrix(tuple(labels), tuple(tuple(float(v) for v in row) for row in rows))


def problem(stops, vehicles, km: DistanceMatrix, days=(TUESDAY,), depots=None) -> Problem:
    return Problem(
        depots=depots or [Depot("D", "县集配中心")],
        vehicles=vehicles,
        stops=stops,
        days=list(days),
        speed_kmh=60,
        matrix=km,
    )


def run(p: Problem, **kwargs) -> Plan:
    plan = solve(
        p, max_iterations=kwargs.pop("max_iterations", ITERATIONS), seed=kwargs.pop("seed", 1), **kwargs
    )
    assert plan.violations == []
    assert plan.feasible
    return plan


def stops_of(plan: Plan) -> dict[str, list[str]]:
    return {f"{r.vehicle} {r.day}": [v.stop for v in r.visits] for r in plan.routes}


# D, A, B on a line: A 10 km east of D, B 20 km east (10 km past A)
LINE = matrix("DAB", [[0, 10, 20], [10, 0, 10], [20, 10, 0]])


# ------------------------------------------------------------------------------------ capacities


def test_capacity_splits_two_heavy_villages_across_two_trucks():
    # 600 + 600 kg do not fit one 1,000 kg truck: the only feasible plan uses both trucks
    p = problem(
        [Stop("A", "甲村", delivery_kg=600), Stop("B", "乙村", delivery_kg=600)],
        [Vehicle("T1", "D", 1000), Vehicle("T2", "D", 1000)],
        LINE,
    )
    plan = run(p)
    assert sorted(len(r.visits) for r in plan.routes) == [1, 1]
    assert sorted(r.load_out_kg for r in plan.routes) == [600, 600]
    assert all(r.max_load_kg <= r.capacity_kg for r in plan.routes)
    assert plan.served() == {"A", "B"}
    # D-A-D (20 km) + D-B-D (40 km) at 2 yuan/km
    assert plan.km == 60
    assert plan.cost == Decimal("120.00")


def test_deliveries_leave_the_depot_on_board_and_pickups_are_collected_on_the_way():
    # One 1,000 kg truck; A takes 800 kg of pre-orders, B has 800 kg of produce. A before B: 800 on
    # board, 0 after A, 800 after B. B before A would carry 1,600 kg after B, so A must come first,
    # although B-first costs the same distance.
    p = problem(
        [Stop("A", "甲村", delivery_kg=800), Stop("B", "乙村", pickup_kg=800)],
        [Vehicle("T1", "D", 1000)],
        LINE,
    )
    plan = run(p)
    (route,) = plan.routes
    assert [v.stop for v in route.visits] == ["A", "B"]
    assert route.load_out_kg == 800
    assert [v.load_after_kg for v in route.visits] == [0, 800]
    assert route.load_back_kg == 800
    assert route.max_load_kg == 800


# ------------------------------------------------------------------------------------ time windows


def test_time_windows_fix_the_order_and_the_arrival_times():
    # B (20 km out) must be served by 08:30, A (10 km) not before 09:00: so D-B-A-D, although D-A-B
    # is the natural order. The truck leaves at 08:10 (no earlier than needed), reaches B at 08:30,
    # serves 10 min, reaches A at 08:50, waits 10 min, serves 09:00-09:10, is back at 09:20.
    p = problem(
        [
            Stop("A", "甲村", service_minutes=10, window_start=time(9), window_end=time(10)),
            Stop("B", "乙村", service_minutes=10, window_start=time(8), window_end=time(8, 30)),
        ],
        [Vehicle("T1", "D", 1000)],
        LINE,
    )
    plan = run(p)
    (route,) = plan.routes
    b, a = route.visits
    assert (b.stop, a.stop) == ("B", "A")
    assert clock(route.departure) == "08:10"
    assert (clock(b.arrival), clock(b.start), clock(b.departure)) == ("08:30", "08:30", "08:40")
    assert (clock(a.arrival), clock(a.start), a.wait_s) == ("08:50", "09:00", 600)
    assert clock(route.back) == "09:20"
    assert route.km == 40


def test_shift_end_sends_a_second_truck():
    # Each village takes 3 hours of service; one 08:00-12:00 shift cannot do both, two trucks can
    p = problem(
        [Stop("A", "甲村", service_minutes=180), Stop("B", "乙村", service_minutes=180)],
        [Vehicle("T1", "D", 1000, shift_end=time(12)), Vehicle("T2", "D", 1000, shift_end=time(12))],
        LINE,
    )
    plan = run(p)
    assert len(plan.routes) == 2
    assert all(r.back <= 12 * 3600 for r in plan.routes)


# ------------------------------------------------------------------------------------ must-visit / optional


SPUR = matrix(
    "DRO",
    # R 10 km from D; O is 5 km from R and 12 km from D: D-R-O-D is 27 km against 20 for D-R-D,
    # a detour of 7 km, 14 yuan at 2 yuan/km
    [[0, 10, 12], [10, 0, 5], [12, 5, 0]],
)


@pytest.mark.parametrize(("prize", "served"), [(Decimal("10"), False), (Decimal("20"), True)])
def test_optional_village_is_served_only_when_its_value_beats_the_detour(prize, served):
    p = problem(
        [Stop("R", "必到村"), Stop("O", "可选村", required=False, prize=prize)],
        [Vehicle("T1", "D", 1000, cost_per_km=Decimal("2"))],
        SPUR,
    )
    plan = run(p)
    assert ("O" in plan.served()) is served
    assert "R" in plan.served()
    if served:
        assert plan.left_out == []
        assert plan.cost == Decimal("54.00")  # 27 km
        assert plan.prizes_missed == 0
    else:
        (left,) = plan.left_out
        assert (left.stop, left.reason, left.detour_cost) == ("O", Reason.NOT_WORTH, Decimal("14.00"))
        assert "可选村" in left.message and "14.00" in left.message and "10" in left.message
        assert plan.cost == Decimal("40.00")  # 20 km
        assert plan.objective == Decimal("50.00")  # and the 10 yuan not earned


def test_every_must_visit_village_is_served_and_a_worthless_optional_one_is_not():
    # A, B, E on a line out of the depot; C 50 km from everything
    km = matrix(
        "DABCE",
        [
            [0, 30, 40, 50, 60],
            [30, 0, 10, 50, 30],
            [40, 10, 0, 50, 20],
            [50, 50, 50, 0, 50],
            [60, 30, 20, 50, 0],
        ],
    )
    stops = [
        Stop("A", "甲村"),
        Stop("B", "乙村"),
        Stop("C", "丙村", required=False, prize=Decimal("1")),
        Stop("E", "戊村"),
    ]
    plan = run(problem(stops, [Vehicle("T1", "D", 1000), Vehicle("T2", "D", 1000)], km))
    assert plan.served() == {"A", "B", "E"}
    (left,) = plan.left_out
    # cheapest detour: E-C-D instead of E-D on the way back, 50 + 50 - 60 = 40 km at 2 yuan
    assert (left.stop, left.reason, left.detour_cost) == ("C", Reason.NOT_WORTH, Decimal("80.00"))


# ------------------------------------------------------------------------------------ fleet


def test_mixed_fleet_gives_the_heavy_village_to_the_big_truck_and_the_light_one_to_the_cheap_truck():
    # A 10 km east (400 kg), B 10 km west (1,200 kg). The small truck (500 kg, 1 yuan/km) cannot carry
    # B. The big truck alone: D-A-B-D = 40 km x 3 = 120 yuan; split: D-A-D on the small truck
    # (20 yuan) and D-B-D on the big one (60 yuan) = 80 yuan.
    km = matrix("DAB", [[0, 10, 10], [10, 0, 20], [10, 20, 0]])
    p = problem(
        [Stop("A", "甲村", delivery_kg=400), Stop("B", "乙村", delivery_kg=1200)],
        [
            Vehicle("SMALL", "D", 500, cost_per_km=Decimal("1")),
            Vehicle("BIG", "D", 2000, cost_per_km=Decimal("3"), kind="produce_to_city"),
        ],
        km,
    )
    plan = run(p)
    assert stops_of(plan) == {f"BIG {TUESDAY}": ["B"], f"SMALL {TUESDAY}": ["A"]}
    assert plan.cost == Decimal("80.00")


def test_a_village_is_served_only_by_the_kinds_of_truck_it_allows():
    # A is nearer the goods truck's depot, but only the produce truck may buy there
    km = matrix("XYA", [[0, 50, 5], [50, 0, 40], [5, 40, 0]])
    p = problem(
        [Stop("A", "甲村", pickup_kg=300, kinds=frozenset({"produce_to_city"}))],
        [
            Vehicle("GOODS", "X", 1000, kind="goods_to_village"),
            Vehicle("PRODUCE", "Y", 1000, kind="produce_to_city"),
        ],
        km,
        depots=[Depot("X", "西中心"), Depot("Y", "东中心")],
    )
    plan = run(p)
    assert stops_of(plan) == {f"PRODUCE {TUESDAY}": ["A"]}
    assert plan.routes[0].depot == "Y"


def test_trucks_start_from_their_own_depots():
    km = matrix("XYAB", [[0, 100, 5, 95], [100, 0, 95, 5], [5, 95, 0, 90], [95, 5, 90, 0]])
    p = problem(
        [Stop("A", "甲村"), Stop("B", "乙村")],
        [Vehicle("WEST", "X", 1000), Vehicle("EAST", "Y", 1000)],
        km,
        depots=[Depot("X", "西中心"), Depot("Y", "东中心")],
    )
    plan = run(p)
    assert stops_of(plan) == {f"EAST {TUESDAY}": ["B"], f"WEST {TUESDAY}": ["A"]}
    assert plan.km == 20


# ------------------------------------------------------------------------------------ a week


def test_weekly_plan_puts_each_village_on_one_of_its_market_days_with_a_truck_that_runs_then():
    # T1 runs Monday, Wednesday, Friday; T2 Tuesday and Thursday; T3 Tuesday only. Each carries 500 kg
    # a day and every village needs 400 kg: one village per truck and day, six villages, six runs.
    friday = WEEK[4]
    stops = [
        Stop("A", "甲村", delivery_kg=400, weekdays=frozenset({1, 2})),  # Tue or Wed
        Stop("B", "乙村", delivery_kg=400, weekdays=frozenset({0, 4})),  # Mon or Fri
        Stop("C", "丙村", delivery_kg=400, dates=frozenset({friday})),  # a lunar market day
        Stop("E", "戊村", delivery_kg=400, weekdays=frozenset({3})),  # Thursday
        Stop("F", "己村", delivery_kg=400),  # any day
        Stop("G", "庚村", delivery_kg=400, weekdays=frozenset({1})),  # Tuesday
    ]
    km = matrix("DABCEFG", [[0 if i == j else 10 for j in range(7)] for i in range(7)])
    vehicles = [
        Vehicle("T1", "D", 500, weekdays=frozenset({0, 2, 4})),
        Vehicle("T2", "D", 500, weekdays=frozenset({1, 3})),
        Vehicle("T3", "D", 500, weekdays=frozenset({1})),
    ]
    plan = run(problem(stops, vehicles, km, days=WEEK))
    day_of = {v.stop: (r.day, r.vehicle) for r in plan.routes for v in r.visits}
    assert set(day_of) == {"A", "B", "C", "E", "F", "G"}
    by_code = {s.code: s for s in stops}
    for code, (day, vehicle) in day_of.items():
        stop = by_code[code]
        assert not stop.weekdays or day.weekday() in stop.weekdays, code
        assert not stop.dates or day in stop.dates, code
        assert day.weekday() in next(v for v in vehicles if v.code == vehicle).weekdays, code
    # forced: C on Friday, so B on Monday; E on Thursday; G on Tuesday; A and F share Tuesday and Wednesday
    assert day_of["C"] == (friday, "T1")
    assert day_of["B"] == (WEEK[0], "T1")
    assert day_of["E"] == (WEEK[3], "T2")
    assert day_of["G"][0] == WEEK[1]
    assert {day_of["A"][0], day_of["F"][0]} == {WEEK[1], WEEK[2]}
    assert len({(r.vehicle, r.day) for r in plan.routes}) == len(plan.routes) == 6


# ------------------------------------------------------------------------------------ distances


def test_distance_from_coordinates_is_great_circle_times_the_road_factor():
    # 0.1 degree of latitude is 11.1195 km; times 1.4 = 15.567 km each way; at 35 km/h 26.7 minutes
    p = Problem(
        [Depot("D", "中心", 28.0, 119.0)],
        [Vehicle("T1", "D", 1000)],
        [Stop("A", "甲村", 28.1, 119.0, service_minutes=0)],
        [TUESDAY],
    )
    plan = solve(p, max_iterations=50, seed=1)
    (route,) = plan.routes
    assert route.km == pytest.approx(2 * 11.1195 * 1.4, abs=0.002)
    assert route.visits[0].arrival - route.departure == pytest.approx(11.1195 * 1.4 / 35 * 3600, abs=1)
    wider = solve(dataclasses.replace(p, road_factor=2.0), max_iterations=50, seed=1)
    assert wider.km == pytest.approx(2 * 11.1195 * 2.0, abs=0.002)


def xlsx(rows: list[list[object]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_xlsx_distance_matrix_is_read_by_codes_or_names_in_any_order():
    # columns in another order than the rows, empty diagonal, a village named instead of coded
    m = read_distance_matrix(
        xlsx(
            [
                ["", "乙村", "D", "A"],
                ["A", 10, 10, None],
                ["D", 20, None, 10],
                ["乙村", None, 20, 10],
            ]
        )
    )
    assert m.labels == ("A", "D", "乙村")
    assert m.km == ((0.0, 10.0, 10.0), (10.0, 0.0, 20.0), (10.0, 20.0, 0.0))
    p = problem([Stop("A", "甲村"), Stop("B", "乙村")], [Vehicle("T1", "D", 1000)], m)
    plan = run(p)
    assert plan.km == 40


def test_xlsx_distance_matrix_errors_name_the_cell_and_the_villages():
    with pytest.raises(InvalidProblem) as error:
        read_distance_matrix(xlsx([["", "D", "A"], ["D", None, -3], ["A", "far", None]]))
    text = str(error.value)
    assert "C2" in text and "negative" in text and "“D” to “A”" in text
    assert "B3" in text and "“far” is not a number" in text
    with pytest.raises(InvalidProblem) as error:
        read_distance_matrix(xlsx([["", "D", "A", "B"], ["D", None, 1, 2], ["A", 1, None, 3]]))
    assert error.value.messages == ["Distance matrix: “B” has a column but no row"]
    with pytest.raises(InvalidProblem) as error:
        read_distance_matrix(xlsx([["", "D", "A"], ["D", None, 1], ["A", None, None]]))
    assert error.value.messages == ["Distance matrix B3: no distance from “A” to “D”"]
    with pytest.raises(InvalidProblem, match=r"not a readable \.xlsx"):
        read_distance_matrix(io.BytesIO(b"not a workbook"))


# ------------------------------------------------------------------------------------ validation


def test_village_without_coordinates_is_named_before_solving():
    p = Problem(
        [Depot("D", "中心", 28.0, 119.0)],
        [Vehicle("T1", "D", 1000)],
        [Stop("A", "甲村", 28.1, 119.0), Stop("B", "乙村")],
        [TUESDAY],
    )
    messages = [issue.message for issue in validate(p)]
    assert messages == [
        "乙村（B） has no coordinates: enter its latitude and longitude or upload a distance matrix"
    ]
    with pytest.raises(InvalidProblem):
        solve(p, max_iterations=10)


def test_village_missing_from_the_matrix_and_negative_distances_are_named():
    km = DistanceMatrix(("D", "A"), ((0.0, -1.0), (1.0, 0.0)))
    p = problem([Stop("A", "甲村"), Stop("B", "乙村")], [Vehicle("T1", "D", 1000)], km)
    messages = [issue.message for issue in validate(p)]
    assert "Distance matrix: the distance from “D” to “A” is negative (-1.0)" in messages
    assert any(m.startswith("乙村（B） is not in the distance matrix") for m in messages)


def test_demand_larger_than_any_truck_is_named_and_an_optional_one_is_left_out():
    trucks = [Vehicle("T1", "D", 1000), Vehicle("T2", "D", 1500)]
    p = problem([Stop("A", "甲村", delivery_kg=2000), Stop("B", "乙村", pickup_kg=100)], trucks, LINE)
    (issue,) = validate(p)
    assert issue.subject == "A"
    assert issue.message == (
        "Village 甲村（A） needs 2000 kg carried, more than the largest truck that can go there (1500 kg)"
    )
    optional = dataclasses.replace(
        p, stops=[dataclasses.replace(p.stops[0], required=False, prize=Decimal(99)), p.stops[1]]
    )
    plan = run(optional)
    (left,) = plan.left_out
    assert (left.stop, left.reason) == ("A", Reason.TOO_HEAVY)
    assert plan.served() == {"B"}


def test_time_window_no_shift_can_reach_is_named():
    # B is 20 minutes out and closes at 08:10; trucks start at 08:00
    p = problem(
        [Stop("A", "甲村"), Stop("B", "乙村", window_start=time(7), window_end=time(8, 10))],
        [Vehicle("T1", "D", 1000)],
        LINE,
    )
    (issue,) = validate(p)
    assert issue.message == (
        "Village 乙村（B）: no truck's shift can reach it within its time window 07:00–08:10 and be back in time"
    )
    early = dataclasses.replace(p, vehicles=[Vehicle("T1", "D", 1000, shift_start=time(7, 30))])
    assert validate(early) == []


def test_market_day_without_a_truck_is_named():
    p = problem(
        [Stop("A", "甲村", weekdays=frozenset({5}))],  # Saturday
        [Vehicle("T1", "D", 1000)],
        LINE,
        days=WEEK,
    )
    (issue,) = validate(p)
    assert "甲村" in issue.message and "market days" in issue.message


def test_fleet_and_stop_mistakes_are_named():
    p = problem(
        [Stop("A", "甲村", delivery_kg=-5), Stop("A", "甲村")],
        [Vehicle("T1", "NOWHERE", 1000), Vehicle("T2", "D", 0, shift_start=time(17), shift_end=time(8))],
        LINE,
    )
    messages = [issue.message for issue in validate(p)]
    assert "The code “A” is used twice" in messages
    assert "Truck T1: its depot “NOWHERE” is not in the plan" in messages
    assert "Truck T2: the capacity must be more than 0 kg" in messages
    assert "Truck T2: the shift must end after it starts" in messages
    assert "Village 甲村（A）: weights cannot be negative" in messages


def test_must_visit_deliveries_beyond_the_whole_fleet_are_named():
    p = problem(
        [Stop("A", "甲村", delivery_kg=900), Stop("B", "乙村", delivery_kg=900)],
        [Vehicle("T1", "D", 1000)],
        LINE,
    )
    (issue,) = validate(p)
    assert (
        issue.message
        == "The must-visit villages have 1800 kg to be delivered but the trucks carry 1000 kg in all"
    )


# ------------------------------------------------------------------------------------ solver behaviour


def test_same_seed_and_iterations_give_the_same_plan():
    stops = [Stop(c, f"{c}村", delivery_kg=100 + 10 * i) for i, c in enumerate("ABCEFG")]
    km = matrix("DABCEFG", [[abs(i - j) * 7 + (i * j) % 5 for j in range(7)] for i in range(7)])
    p = problem(stops, [Vehicle("T1", "D", 400), Vehicle("T2", "D", 600)], km)
    first, second = run(p, seed=7), run(p, seed=7)
    assert stops_of(first) == stops_of(second)
    assert first.objective == second.objective
    assert first.iterations == second.iterations == ITERATIONS


def test_progress_is_reported_and_cancel_stops_the_run():
    stops = [Stop(c, f"{c}村", delivery_kg=50) for c in "ABCEFG"]
    km = matrix("DABCEFG", [[abs(i - j) * 3 + 1 if i != j else 0 for j in range(7)] for i in range(7)])
    p = problem(stops, [Vehicle("T1", "D", 1000)], km)
    seen = []
    plan = solve(p, max_iterations=200, seed=1, progress=seen.append, progress_interval=0)
    assert seen[-1].done and seen[-1].fraction == 1.0 and seen[-1].best_cost == plan.objective
    assert all(a.iteration <= b.iteration for a, b in itertools.pairwise(seen))
    assert not plan.cancelled

    cancel = threading.Event()

    def stop_after_first(progress):
        if progress.iteration >= 5:
            cancel.set()

    plan = solve(
        p, max_iterations=1_000_000, seed=1, progress=stop_after_first, progress_interval=0, cancel=cancel
    )
    assert plan.cancelled
    assert plan.iterations < 10
    assert plan.feasible and plan.served() == set("ABCEFG")  # the best plan so far comes back


def test_plan_round_trips_through_json_ready_dict():
    p = problem(
        [Stop("A", "甲村", delivery_kg=10), Stop("B", "乙村", required=False, prize=Decimal(1))],
        [Vehicle("T1", "D", 1000)],
        LINE,
    )
    plan = run(p)
    data = plan.to_dict()
    assert data["routes"][0]["day"] == "2025-03-04" and data["cost"] == "40.00"  # D-A-D, 20 km
    assert Plan.from_dict(data) == plan


# ------------------------------------------------------------------------------------ feasibility check


@pytest.fixture
def town():
    """Four villages, two 700 kg trucks; good plan: T1 B-A, T2 E-C."""
    km = matrix(
        "DABCE",
        [
            [0, 10, 20, 10, 20],
            [10, 0, 10, 20, 30],
            [20, 10, 0, 30, 40],
            [10, 20, 30, 0, 10],
            [20, 30, 40, 10, 0],
        ],
    )
    stops = [
        Stop("A", "甲村", delivery_kg=300, pickup_kg=100),
        Stop("B", "乙村", delivery_kg=300, window_start=time(8), window_end=time(9)),
        Stop("C", "丙村", delivery_kg=300, pickup_kg=500),
        Stop("E", "戊村", delivery_kg=300, required=False, prize=Decimal(500)),
    ]
    return problem(stops, [Vehicle("T1", "D", 700), Vehicle("T2", "D", 700)], km)


GOOD = [RouteSpec("T1", TUESDAY, ["B", "A"]), RouteSpec("T2", TUESDAY, ["E", "C"])]


def codes(violations) -> list[str]:
    return sorted(v.code for v in violations)


def test_feasibility_accepts_a_good_plan(town):
    plan = build_plan(town, GOOD)
    assert feasibility.check(town, plan) == []
    assert plan.feasible
    # T2: 600 kg out, 300 after E, 300 - 300 + 500 = 500 after C
    assert [v.load_after_kg for v in plan.routes[1].visits] == [300, 500]


def test_feasibility_catches_a_truck_leaving_overloaded(town):
    plan = build_plan(town, [RouteSpec("T1", TUESDAY, ["B", "A", "C"]), RouteSpec("T2", TUESDAY, ["E"])])
    found = feasibility.check(town, plan)
    assert codes(found) == ["overload"]
    assert found[0].message == "Truck T1 leaves the depot with 900 kg of pre-orders, more than its 700 kg"
    assert not plan.feasible and plan.violations == [found[0].message]


def test_feasibility_catches_pickups_overloading_the_truck_on_the_way(town):
    # C before E: 600 kg out, 300 - 300 + 500 + 300 (E's pre-orders still on board) = 800 after C
    plan = build_plan(town, [GOOD[0], RouteSpec("T2", TUESDAY, ["C", "E"])])
    found = feasibility.check(town, plan)
    assert codes(found) == ["overload"]
    assert (found[0].vehicle, found[0].stop) == ("T2", "C")
    assert found[0].message == "Truck T2 carries 800 kg after village 丙村（C）, more than its 700 kg"


def test_feasibility_catches_a_missed_window_and_a_late_return(town):
    # leaving 08:50: A at 09:00, 15 min there, B at 09:25, after B closes at 09:00
    plan = build_plan(town, [RouteSpec("T1", TUESDAY, ["A", "B"], departure=8 * 3600 + 50 * 60), GOOD[1]])
    found = feasibility.check(town, plan)
    assert codes(found) == ["late"]
    assert found[0].message == "Truck T1 reaches village 乙村（B） at 09:25, after its window closes (09:00)"
    # leaving 16:30: E at 16:50, C at 17:15, back at 17:40, after the 17:00 end of the shift
    late = build_plan(town, [GOOD[0], RouteSpec("T2", TUESDAY, ["E", "C"], departure=16 * 3600 + 30 * 60)])
    found = feasibility.check(town, late)
    assert codes(found) == ["shift"]
    assert found[0].message == "Truck T2 is back at 17:40, after its shift ends (17:00)"


def test_feasibility_catches_a_village_twice_and_a_must_visit_village_skipped(town):
    plan = build_plan(town, [GOOD[0], RouteSpec("T2", TUESDAY, ["A", "E"])])
    found = feasibility.check(town, plan)
    assert codes(found) == ["skipped", "twice"]
    assert {v.stop for v in found} == {"A", "C"}
    assert "Village 丙村（C） must be visited but is not in any route" in [v.message for v in found]


def test_feasibility_catches_stated_numbers_that_the_route_does_not_give(town):
    plan = build_plan(town, GOOD)
    route = plan.routes[0]
    forged = dataclasses.replace(
        plan,
        routes=[
            dataclasses.replace(
                route,
                departure=7 * 3600,
                visits=[dataclasses.replace(route.visits[0], load_after_kg=0), route.visits[1]],
                load_out_kg=100,
            ),
            plan.routes[1],
        ],
    )
    found = feasibility.check(town, forged)
    assert codes(found)[0] == "early_departure"
    assert set(codes(found)) == {"early_departure", "stated"}
    messages = [v.message for v in found]
    assert "Truck T1: the plan says 100 kg on board at departure, the route gives 600 kg" in messages
    assert "Truck T1 leaves at 07:00, before its shift starts (08:00)" in messages


def test_feasibility_catches_a_truck_on_a_day_it_does_not_run_and_a_wrong_kind(town):
    p = dataclasses.replace(
        town,
        vehicles=[Vehicle("T1", "D", 700, weekdays=frozenset({0})), Vehicle("T2", "D", 700)],
        stops=[*town.stops[:3], dataclasses.replace(town.stops[3], kinds=frozenset({"inputs_to_mountain"}))],
    )
    found = feasibility.check(p, build_plan(town, GOOD))
    assert codes(found) == ["wrong_day", "wrong_day"]
    assert {(v.vehicle, v.stop) for v in found} == {("T1", ""), ("T2", "E")}


def test_every_solved_plan_passes_the_independent_check(town):
    plan = run(town)
    assert feasibility.check(town, plan) == []
    assert plan.served() == {"A", "B", "C", "E"}
