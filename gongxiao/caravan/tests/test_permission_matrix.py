"""Who may see and do what with coop A's goods truck and its trip: the leader, clerk A, clerk B, the
truck's own crew, the crew of A's other truck and an anonymous visitor. Every page and API operation
is tried; a refused write changes nothing. A crew member sees only their own vehicle's trips, which is
stricter than the organization scope (crew_a2 is of coop A too)."""

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from gongxiao.caravan import actions, planning
from gongxiao.caravan.models import PlanningRun, PreOrder, Route, StopSale, Trip, TripStop, Vehicle
from gongxiao.caravan.testing import fleet, plannable

pytestmark = pytest.mark.django_db

WHO = ["leader", "clerk_a", "clerk_b", "crew_a", "crew_a2", "anonymous"]


@pytest.fixture
def setup(county):
    trucks = fleet(county)
    purchase = actions.record_purchase(
        trucks.crew_a2,
        TripStop.objects.get(trip=trucks.trip_a2, position=1),
        product_id=trucks.eggs.pk,
        weight_jin=Decimal("10"),
        price_per_jin=Decimal("8"),
        payment_method="cash",
        member_id=trucks.farmer_b.pk,
    )
    order = PreOrder.objects.create(
        organization=county.coop_a,
        village=county.village_a,
        customer_name="张建国",
        product=trucks.trade.fertilizer,
        quantity=Decimal("100"),
        created_by=county.clerk_a,
    )
    users = {
        "leader": county.leader,
        "clerk_a": county.clerk_a,
        "clerk_b": county.clerk_b,
        "crew_a": trucks.crew_a,
        "crew_a2": trucks.crew_a2,
    }
    clients = {}
    for name in WHO:
        client = Client()
        if name in users:
            client.force_login(users[name])
        clients[name] = client
    return trucks, purchase, order, clients


def _snapshot():
    return (
        list(Vehicle.objects.order_by("pk").values()),
        list(Route.objects.order_by("pk").values()),
        list(Trip.objects.order_by("pk").values()),
        list(PreOrder.objects.order_by("pk").values()),
        StopSale.objects.count(),
    )


# (url, expected status for leader, clerk_a, clerk_b, crew_a, crew_a2); anonymous is sent to the login
PAGES = [
    ("/caravan/", (200, 200, 200, 200, 200)),
    ("/caravan/vehicles/", (200, 200, 200, 200, 200)),
    ("/caravan/vehicles/new/", (403, 200, 200, 403, 403)),
    ("/caravan/vehicles/{vehicle}/", (200, 200, 404, 200, 404)),
    ("/caravan/vehicles/{vehicle}/edit/", (403, 200, 404, 403, 404)),
    ("/caravan/routes/", (200, 200, 200, 403, 403)),
    ("/caravan/routes/new/", (403, 200, 200, 403, 403)),
    ("/caravan/routes/{route}/", (200, 200, 404, 403, 403)),
    ("/caravan/routes/{route}/edit/", (403, 200, 404, 403, 403)),
    ("/caravan/trips/", (200, 200, 200, 200, 200)),
    ("/caravan/trips/new/", (403, 200, 200, 403, 403)),
    ("/caravan/trips/{trip}/", (200, 200, 404, 200, 404)),
    ("/caravan/trips/{trip}/run-sheet/", (200, 200, 404, 200, 404)),
    ("/caravan/trips/{trip}/run-sheet/?format=xlsx", (200, 200, 404, 200, 404)),
    ("/caravan/preorders/", (200, 200, 200, 403, 403)),
    ("/caravan/preorders/new/", (403, 200, 200, 403, 403)),
    ("/caravan/preorders/{order}/", (403, 200, 404, 403, 403)),
    ("/caravan/purchases/", (200, 200, 200, 200, 200)),
    ("/caravan/purchases/{purchase}/receipt/", (200, 200, 404, 404, 200)),
    ("/caravan/phone/", (403, 200, 200, 200, 200)),
    ("/caravan/plans/", (200, 200, 200, 403, 403)),
    ("/caravan/plans/new/", (403, 200, 200, 403, 403)),
    ("/caravan/village-points/", (200, 200, 200, 403, 403)),
    ("/caravan/village-points/?export=xlsx", (200, 200, 200, 403, 403)),
    ("/base/imports/new/village_points/", (403, 200, 200, 403, 403)),
]


@pytest.mark.parametrize("url,expected", PAGES)
def test_pages(setup, url, expected):
    trucks, purchase, order, clients = setup
    url = url.format(
        vehicle=trucks.goods_a.pk,
        route=trucks.route_a.pk,
        trip=trucks.trip_a.pk,
        order=order.pk,
        purchase=purchase.pk,
    )
    for who, status in zip(WHO, expected, strict=False):
        assert clients[who].get(url).status_code == status, (who, url)
    response = clients["anonymous"].get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/"), url


@pytest.mark.parametrize(
    "who,sees_a,sees_a2",
    [
        ("leader", True, True),
        ("clerk_a", True, True),
        ("clerk_b", False, False),
        ("crew_a", True, False),
        ("crew_a2", False, True),
    ],
)
def test_lists_show_only_the_rows_in_scope(setup, who, sees_a, sees_a2):
    trucks, purchase, _order, clients = setup
    client = clients[who]
    vehicles = client.get("/caravan/vehicles/").content.decode()
    assert ("浙C·12345" in vehicles) is sees_a
    assert ("浙C·23456" in vehicles) is sees_a2
    trips = client.get("/caravan/trips/").content.decode()
    assert (f"/caravan/trips/{trucks.trip_a.pk}/" in trips) is sees_a
    assert (f"/caravan/trips/{trucks.trip_a2.pk}/" in trips) is sees_a2
    assert (purchase.document.number in client.get("/caravan/purchases/").content.decode()) is sees_a2
    plates = {v["plate"] for v in client.get("/api/caravan/vehicles").json()}
    assert ("浙C12345" in plates) is sees_a and ("浙C23456" in plates) is sees_a2
    trip_ids = {t["id"] for t in client.get("/api/caravan/trips").json()["items"]}
    assert (trucks.trip_a.pk in trip_ids) is sees_a and (trucks.trip_a2.pk in trip_ids) is sees_a2
    assert client.get(f"/api/caravan/trips/{trucks.trip_a.pk}").status_code == (200 if sees_a else 404)
    assert client.get(f"/api/caravan/vehicles/{trucks.goods_a.pk}").status_code == (200 if sees_a else 404)


def test_the_crews_queryset_is_their_vehicles_trips(setup, county):
    trucks, *_ = setup
    assert list(Trip.objects.visible_to(trucks.crew_a)) == [trucks.trip_a]
    assert set(Trip.objects.visible_to(county.clerk_a)) == {trucks.trip_a, trucks.trip_a2}
    assert list(Vehicle.objects.visible_to(trucks.crew_a2)) == [trucks.produce_a]
    assert set(TripStop.objects.visible_to(trucks.crew_a).values_list("trip", flat=True)) == {
        trucks.trip_a.pk
    }


@pytest.mark.parametrize(
    "who,status",
    [
        ("leader", 403),
        ("clerk_a", 200),
        ("clerk_b", 200),
        ("crew_a", 200),
        ("crew_a2", 200),
        ("anonymous", 401),
    ],
)
def test_api_phone_bundle(setup, who, status):
    _trucks, _p, _o, clients = setup
    assert clients[who].get("/api/caravan/phone/bundle").status_code == status


@pytest.mark.parametrize(
    "who,status,answer",
    [
        ("leader", 403, None),
        ("clerk_a", 200, "accepted"),
        ("clerk_b", 200, "refused"),
        ("crew_a", 200, "accepted"),
        ("crew_a2", 200, "refused"),
        ("anonymous", 401, None),
    ],
)
def test_api_sync(setup, who, status, answer):
    trucks, _p, _o, clients = setup
    stop = TripStop.objects.get(trip=trucks.trip_a, position=1)
    entry = {
        "uuid": str(uuid.uuid4()),
        "kind": "sale",
        "trip_id": trucks.trip_a.pk,
        "stop_id": stop.pk,
        "recorded_at": "2022-06-07T10:00:00+08:00",
        "data": {"lines": [{"product_id": trucks.soap.pk, "quantity": "1"}], "payment_method": "cash"},
    }
    response = clients[who].post(
        "/api/caravan/sync", json.dumps({"entries": [entry]}), content_type="application/json"
    )
    assert response.status_code == status
    if answer:
        assert response.json()["answers"][0]["status"] == answer
    assert StopSale.objects.count() == (1 if answer == "accepted" else 0)


@pytest.mark.parametrize(
    "who,list_status,create_status",
    [
        ("leader", 200, 403),
        ("clerk_a", 200, 201),
        ("clerk_b", 200, 403),
        ("crew_a", 403, 403),
        ("anonymous", 401, 401),
    ],
)
def test_api_preorders(setup, county, who, list_status, create_status):
    trucks, _p, order, clients = setup
    client = clients[who]
    response = client.get("/api/caravan/preorders")
    assert response.status_code == list_status
    if list_status == 200:
        ids = {o["id"] for o in response.json()["items"]}
        assert (order.pk in ids) is (who in ("leader", "clerk_a"))
    before = PreOrder.objects.count()
    payload = {
        "organization_id": county.coop_a.pk,
        "village_code": county.village_b.code,
        "customer_name": "李秀英",
        "product_id": trucks.soap.pk,
        "quantity": "10",
    }
    created = client.post("/api/caravan/preorders", json.dumps(payload), content_type="application/json")
    assert created.status_code == create_status
    assert PreOrder.objects.count() == before + (1 if create_status == 201 else 0)


@pytest.mark.parametrize(
    "who,status", [("leader", 200), ("clerk_b", 200), ("crew_a", 200), ("anonymous", 401)]
)
def test_api_statistics(setup, who, status):
    _t, _p, _o, clients = setup
    response = clients[who].get("/api/caravan/statistics", {"start": "2022-01-01", "end": "2022-12-31"})
    assert response.status_code == status


def test_refused_writes_change_nothing(setup, county):
    trucks, _p, order, clients = setup
    before = _snapshot()
    b = clients["clerk_b"]
    assert b.post(f"/caravan/vehicles/{trucks.goods_a.pk}/edit/", {"plate": "浙C99999"}).status_code == 404
    assert b.post(f"/caravan/routes/{trucks.route_a.pk}/edit/", {"name": "改"}).status_code == 404
    assert b.post(f"/caravan/routes/{trucks.route_a.pk}/", {"month": "2022-07"}).status_code == 404
    assert b.post(f"/caravan/trips/{trucks.trip_a.pk}/cancel/").status_code == 404
    assert b.post(f"/caravan/preorders/{order.pk}/cancel/").status_code == 404
    assert b.post(f"/caravan/preorders/{order.pk}/", {"customer_name": "改"}).status_code == 404
    leader = clients["leader"]
    assert leader.post(f"/caravan/trips/{trucks.trip_a.pk}/cancel/").status_code == 403
    assert leader.post(f"/caravan/routes/{trucks.route_a.pk}/", {"month": "2022-07"}).status_code == 403
    crew = clients["crew_a"]
    assert crew.post(f"/caravan/trips/{trucks.trip_a.pk}/cancel/").status_code == 403
    assert crew.post(f"/caravan/vehicles/{trucks.goods_a.pk}/edit/", {"plate": "浙C99999"}).status_code == 403
    assert clients["crew_a2"].post(f"/caravan/trips/{trucks.trip_a.pk}/cancel/").status_code == 404
    # clerk B cannot put a vehicle under coop A through the form
    response = b.post(
        "/caravan/vehicles/new/",
        {
            "organization": county.coop_a.pk,
            "kind": "goods_to_village",
            "plate": "浙C88888",
            "capacity_kg": "1000",
            "depot": trucks.centre_b.pk,
            "status": "in_service",
        },
    )
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert _snapshot() == before


def test_the_service_worker_is_served_to_anyone_with_its_scope(setup):
    *_, clients = setup
    response = clients["anonymous"].get("/caravan/phone/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/caravan/phone/"
    assert "/static/caravan/phone.js" in response.content.decode()


@pytest.fixture
def solved(setup, county):
    """A solved route plan of coop A's goods truck."""
    trucks, *_ = setup
    plannable(county, trucks)
    inputs = planning.build_inputs(
        county.clerk_a,
        vehicles=[trucks.goods_a],
        villages=[county.village_a],
        start_date=dt.date(2022, 6, 14),
        days=1,
        shift_start=dt.time(8),
        shift_end=dt.time(17),
        service_minutes=30,
        road_factor=1.4,
        speed_kmh=30,
    )
    run = planning.start_run(county.clerk_a, "矩阵", inputs, 1)
    run.refresh_from_db()
    assert run.status == PlanningRun.Status.DONE
    return run


# (method, url, expected status for leader, clerk_a, clerk_b, crew_a, crew_a2, anonymous)
PLAN_API = [
    ("get", "/api/caravan/plans", (200, 200, 200, 403, 403, 401)),
    ("get", "/api/caravan/plans/{run}", (200, 200, 404, 403, 403, 401)),
    ("post", "/api/caravan/plans", (403, 201, 422, 403, 403, 401)),
    ("post", "/api/caravan/plans/{run}/cancel", (403, 409, 404, 403, 403, 401)),
    ("post", "/api/caravan/plans/{run}/accept", (403, 200, 404, 403, 403, 401)),
    ("post", "/api/caravan/plans/{run}/run-again", (403, 201, 404, 403, 403, 401)),
]


@pytest.mark.parametrize("method,url,expected", PLAN_API)
def test_api_route_plans(setup, solved, method, url, expected):
    trucks, _p, _o, clients = setup
    url = url.format(run=solved.pk)
    payload = {
        "name": "矩阵二",
        "start_date": "2022-06-15",
        "vehicle_ids": [trucks.goods_a.pk],
        "village_codes": [],
        "time_limit": 1,
    }
    for who, status in zip(WHO, expected, strict=True):
        runs, trips = PlanningRun.objects.count(), Trip.objects.count()
        before = PlanningRun.objects.filter(pk=solved.pk).values("status", "cancel_requested").get()
        client = clients[who]
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, json.dumps(payload), content_type="application/json")
        assert response.status_code == status, (who, url, response.content)
        if status >= 400:
            assert (PlanningRun.objects.count(), Trip.objects.count()) == (runs, trips), (who, url)
            assert (
                PlanningRun.objects.filter(pk=solved.pk).values("status", "cancel_requested").get() == before
            )
        if status == 200 and url == "/api/caravan/plans":
            ids = {r["id"] for r in response.json()["items"]}
            assert (solved.pk in ids) is (who in ("leader", "clerk_a")), who
