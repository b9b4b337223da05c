"""Route plans over the API: started with the page's form and checks, read with their routes,
accepted as trips once, cancelled, run again; refusals say why and write nothing; scope as the pages."""

import json

import pytest

from gongxiao.caravan.models import PlanningRun, Trip, VillagePoint
from gongxiao.caravan.testing import fleet, plannable

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(county):
    return plannable(county, fleet(county))


def _payload(trucks, county, **extra):
    data = {
        "name": "6月14日日用品车",
        "start_date": "2022-06-14",
        "days": 1,
        "vehicle_ids": [trucks.goods_a.pk],
        "village_codes": [county.village_a.code],
        "shift_start": "08:00",
        "shift_end": "17:00",
        "service_minutes": 30,
        "road_factor": "1.4",
        "speed_kmh": 30,
        "time_limit": 1,
    }
    data.update(extra)
    return data


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def _run(status, county, planned, **fields):
    return PlanningRun.objects.create(
        **{
            "organization": county.coop_a,
            "name": "手工",
            "start_date": "2022-06-14",
            "inputs": {},
            "status": status,
            "created_by": county.clerk_a,
            **fields,
        }
    )


def test_a_run_started_through_the_api_is_solved_read_and_accepted_once(planned, county, client_a):
    # when
    created = _post(client_a, "/api/caravan/plans", _payload(planned, county))
    # then
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (
        body["status"] == "done" and body["progress"] == 100 and body["organization_id"] == county.coop_a.pk
    )
    stops = {s["code"]: s for s in body["inputs"]["stops"]}
    assert stops[county.village_b.code]["required"] and stops[county.village_b.code]["delivery_kg"] == 50
    assert body["inputs"]["vehicles"][0]["plate"] == "浙C12345"
    result = body["result"]
    assert result["feasible"] and len(result["routes"]) == 1
    route = result["routes"][0]
    visits = [v["code"] for v in route["visits"]]
    assert county.village_b.code in visits
    assert route["visits"][0]["arrival"] >= "08:00" and route["load_out_kg"] >= 50
    assert {v["code"] for v in route["visits"]} | {x["code"] for x in result["left_out"]} == set(stops)
    run_id = body["id"]
    listed = client_a.get("/api/caravan/plans").json()
    assert [r["id"] for r in listed["items"]] == [run_id] and listed["count"] == 1
    assert client_a.get(f"/api/caravan/plans/{run_id}").json()["result"] == result
    # when
    accepted = _post(client_a, f"/api/caravan/plans/{run_id}/accept")
    again = _post(client_a, f"/api/caravan/plans/{run_id}/accept")
    # then
    assert accepted.status_code == 200
    assert accepted.json()["run"]["status"] == "accepted"
    trips = accepted.json()["trips"]
    assert len(trips) == 1 and trips[0]["vehicle_plate"] == "浙C12345" and trips[0]["date"] == "2022-06-14"
    assert [s["village_code"] for s in trips[0]["stops"]] == visits
    assert again.status_code == 409 and "已采纳" in again.json()["detail"]
    assert Trip.objects.filter(plan_id=run_id).count() == 1
    assert client_a.get(f"/api/caravan/plans/{run_id}").json()["trip_ids"] == [trips[0]["id"]]


def test_the_list_is_newest_first_and_paged(planned, county, client_a):
    for number in range(51):
        _run(PlanningRun.Status.DONE, county, planned, name=f"方案{number}")
    first = client_a.get("/api/caravan/plans").json()
    assert first["count"] == 51 and len(first["items"]) == 50
    assert [r["name"] for r in first["items"][:2]] == ["方案50", "方案49"]
    assert [r["name"] for r in client_a.get("/api/caravan/plans", {"page": 2}).json()["items"]] == ["方案0"]


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"vehicle_ids": []}, "vehicle_ids", "必填"),
        ({"shift_end": "07:00"}, "shift_end", ""),
        ({"village_codes": ["330327999999"]}, "village_codes", "330327999999"),
        ({"days": 9}, "days", "7"),
        ({"time_limit": 0}, "time_limit", "1"),
        ({"name": ""}, "name", "必填"),
    ],
)
def test_bad_input_is_refused_naming_the_field(planned, county, client_a, change, field, words):
    response = _post(client_a, "/api/caravan/plans", _payload(planned, county, **change))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["message"].startswith(f"“{field}”：") and words in errors[0]["message"]
    assert not PlanningRun.objects.exists()


def test_a_village_without_a_stopping_place_is_named_before_solving(planned, county, client_a):
    VillagePoint.objects.filter(village=county.village_b).delete()
    response = _post(client_a, "/api/caravan/plans", _payload(planned, county))
    assert response.status_code == 422
    assert any("下村" in e["message"] for e in response.json()["errors"])
    assert not PlanningRun.objects.exists()


def test_accepting_a_run_that_is_not_solved_is_refused(planned, county, client_a):
    for status in (PlanningRun.Status.RUNNING, PlanningRun.Status.FAILED):
        run = _run(status, county, planned)
        response = _post(client_a, f"/api/caravan/plans/{run.pk}/accept")
        assert response.status_code == 409 and "只有已求解" in response.json()["detail"]
        run.refresh_from_db()
        assert run.status == status
    assert not Trip.objects.filter(plan__isnull=False).exists()


def test_cancelling_stops_a_solving_run_and_refuses_a_finished_one(planned, county, client_a):
    solving = _run(PlanningRun.Status.RUNNING, county, planned)
    response = _post(client_a, f"/api/caravan/plans/{solving.pk}/cancel")
    assert response.status_code == 200 and response.json()["cancel_requested"]
    done = _run(PlanningRun.Status.DONE, county, planned)
    refused = _post(client_a, f"/api/caravan/plans/{done.pk}/cancel")
    assert refused.status_code == 409
    done.refresh_from_db()
    assert not done.cancel_requested


def test_running_again_copies_the_inputs_into_a_new_run(planned, county, client_a):
    first = _post(client_a, "/api/caravan/plans", _payload(planned, county)).json()
    response = _post(client_a, f"/api/caravan/plans/{first['id']}/run-again", {"time_limit": 2})
    assert response.status_code == 201
    again = PlanningRun.objects.get(pk=response.json()["id"])
    assert again.pk != first["id"] and again.status == PlanningRun.Status.DONE
    assert again.inputs == PlanningRun.objects.get(pk=first["id"]).inputs and again.time_limit == 2
    solving = _run(PlanningRun.Status.RUNNING, county, planned)
    refused = _post(client_a, f"/api/caravan/plans/{solving.pk}/run-again")
    assert refused.status_code == 409 and PlanningRun.objects.count() == 3
    # an accepted plan's pre-orders are on its trips: copying it would plan them twice
    _post(client_a, f"/api/caravan/plans/{first['id']}/accept")
    refused = _post(client_a, f"/api/caravan/plans/{first['id']}/run-again")
    assert refused.status_code == 409 and PlanningRun.objects.count() == 3


def test_another_coops_clerk_gets_404_and_the_leader_only_reads(
    planned, county, client_a, client_b, leader_client
):
    run_id = _post(client_a, "/api/caravan/plans", _payload(planned, county)).json()["id"]
    for url in ("", "/accept", "/cancel", "/run-again"):
        method = client_b.get if not url else lambda u: _post(client_b, u)
        assert method(f"/api/caravan/plans/{run_id}{url}").status_code == 404, url
    assert client_b.get("/api/caravan/plans").json()["items"] == []
    assert leader_client.get(f"/api/caravan/plans/{run_id}").status_code == 200
    assert _post(leader_client, f"/api/caravan/plans/{run_id}/accept").status_code == 403
    assert _post(leader_client, "/api/caravan/plans", _payload(planned, county)).status_code == 403
    # clerk B cannot plan coop A's truck: the form's field says so
    refused = _post(client_b, "/api/caravan/plans", _payload(planned, county))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "vehicle_ids"
    assert PlanningRun.objects.count() == 1 and not Trip.objects.filter(plan_id=run_id).exists()
