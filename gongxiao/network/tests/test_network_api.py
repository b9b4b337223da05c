"""The network API: who may list, read, create and update outlets and read the figures; what is refused."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from gongxiao.commerce.models import Location
from gongxiao.core.models import ApiToken
from gongxiao.network.models import Outlet


def _api(client, method, url, data=None, token=None):
    kwargs = {"content_type": "application/json"}
    if token:
        kwargs["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if data is not None:
        return getattr(client, method)(url, json.dumps(data), **kwargs)
    return getattr(client, method)(url, **kwargs)


def _payload(network, **changes):
    data = {
        "code": "VS-31",
        "name": "西村综合服务社",
        "kind": "village_service",
        "status": "operating",
        "region_code": network.villages["西村"].code,
        "address": "西村村委旁",
        "longitude": "120.431000",
        "latitude": "27.402000",
        "opened_year": 2022,
        "services": ["agri_inputs", "daily_goods", "ecommerce"],
        "village_codes": [network.villages["东村"].code],
        "hub_code": "CC-01",
    }
    data.update(changes)
    return data


def _snapshot():
    return (
        list(Outlet.objects.order_by("pk").values()),
        list(Outlet.villages.through.objects.order_by("pk").values()),
        list(Location.objects.order_by("pk").values()),
    )


def _codes(response):
    return sorted(item["code"] for item in response.json()["items"])


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize(
    "who,status,codes",
    [
        (
            "leader",
            200,
            ["CC-01", "FC-01", "FC-02", "FC-03", "FC-04", "VS-01", "VS-02", "VS-03", "VS-04", "VS-05"],
        ),
        ("a", 200, ["CC-01", "FC-01", "FC-03", "VS-01", "VS-02"]),
        ("b", 200, ["FC-02", "FC-04", "VS-03", "VS-04", "VS-05"]),
        ("store", 200, ["CC-01", "FC-01", "FC-03", "VS-01", "VS-02"]),
        ("fund", 403, None),
        ("anonymous", 401, None),
    ],
)
def test_who_lists_which_outlets(network, clients, who, status, codes):
    response = _api(clients[who], "get", "/api/network/outlets")
    assert response.status_code == status
    if codes is not None:
        assert _codes(response) == codes


def test_list_filters(network, leader_client):
    def codes(query):
        return _codes(_api(leader_client, "get", f"/api/network/outlets?{query}"))

    Outlet.objects.filter(code="VS-01").update(services="agri_inputs,drying")
    assert codes("kind=farm_service_centre&grade=province") == ["FC-01", "FC-02", "FC-04"]
    assert codes("status=planned") == ["FC-04", "VS-03"]
    assert codes("town_code=330327102000") == ["FC-01", "FC-02", "FC-04", "VS-03", "VS-04", "VS-05"]
    assert codes(f"village_code={network.villages['下村'].code}") == ["CC-01", "VS-01"]  # serve it
    assert codes("hub_code=CC-01") == ["VS-01", "VS-02"]
    assert codes("service=drying") == ["VS-01"]
    assert codes(f"organization_id={network.county.coop_b.pk}") == [
        "FC-02",
        "FC-04",
        "VS-03",
        "VS-04",
        "VS-05",
    ]
    assert codes("q=溪三") == ["VS-05"]


def test_detail_gives_the_network_fields(network, client_a):
    outlet = network.outlets["VS-02"]
    data = _api(client_a, "get", f"/api/network/outlets/{outlet.pk}").json()
    assert data["hub_code"] == "CC-01"
    assert (data["build_type"], data["build_year"], data["opened_year"]) == ("renovated", 2022, 2015)
    assert (data["region_code"], data["town_code"]) == (network.villages["东村"].code, "330327101000")
    centre = _api(client_a, "get", f"/api/network/outlets/{network.outlets['FC-01'].pk}").json()
    assert (centre["grade"], centre["grade_status"], centre["declared_year"]) == (
        "province",
        "declared",
        2022,
    )
    hub = _api(client_a, "get", f"/api/network/outlets/{network.outlets['CC-01'].pk}").json()
    assert hub["village_codes"] == [network.villages["下村"].code, network.villages["西村"].code]


def test_clerk_b_gets_404_for_an_outlet_of_coop_a(network, client_b):
    assert _api(client_b, "get", f"/api/network/outlets/{network.outlets['VS-01'].pk}").status_code == 404


def test_statistics_are_the_hand_counted_figures(network, leader_client):
    data = _api(leader_client, "get", "/api/network/statistics?year=2022").json()
    assert (data["villages"], data["covered"], Decimal(str(data["share"]))) == (7, 5, Decimal("71.4"))
    towns = {t["name"]: (t["villages"], t["covered"], t["outlets"]) for t in data["towns"]}
    assert towns == {"桥头镇": (4, 4, 4), "溪口镇": (3, 1, 3)}
    year = data["year"]
    assert (year["new"]["village_service"], year["renovated"]["village_service"]) == (1, 2)
    assert (year["declared"]["province"], year["declared"]["city"]) == (1, 1)
    assert year["sentence"]
    assert [y["year"] for y in data["years"]] == [2015, 2016, 2018, 2019, 2020, 2021, 2022]


@pytest.mark.parametrize(
    "who,status,covered", [("a", 200, 4), ("b", 200, 1), ("fund", 403, None), ("anonymous", 401, None)]
)
def test_statistics_follow_the_data_scope(network, clients, who, status, covered):
    response = _api(clients[who], "get", "/api/network/statistics")
    assert response.status_code == status
    if covered is not None:
        assert response.json()["covered"] == covered


# ---------------------------------------------------------------- writing


def test_clerk_creates_an_outlet_with_villages_services_and_hub(network, client_a, county):
    response = _api(client_a, "post", "/api/network/outlets", _payload(network))
    assert response.status_code == 201, response.json()
    outlet = Outlet.objects.get(code="VS-31")
    assert response.json()["id"] == outlet.pk
    assert (outlet.organization, outlet.region, outlet.hub) == (
        county.coop_a,
        network.villages["西村"],
        network.outlets["CC-01"],
    )
    assert outlet.services == "agri_inputs,ecommerce,daily_goods"  # in the order of the choices
    assert [v.name for v in outlet.villages.all()] == ["东村"]
    assert outlet.history.first().history_user == county.clerk_a


def test_a_new_store_gets_its_stock_location(network, client_a, county):
    response = _api(
        client_a,
        "post",
        "/api/network/outlets",
        _payload(network, code="DS-31", kind="direct_store", name="供销直营店（西村）", hub_code=None),
    )
    assert response.status_code == 201, response.json()
    store = Outlet.objects.get(code="DS-31")
    assert (store.location.code, store.location.kind, store.location.organization) == (
        "DS-31",
        "store",
        county.coop_a,
    )


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"kind": "farm_service_centre"}, "grade"),  # a centre without grade
        (
            {"grade": "city", "grade_status": "declared", "declared_year": 2022},
            "grade",
        ),  # a coop with a grade
        ({"region_code": "330327999999"}, "region_code"),
        ({"village_codes": ["330327101203", "330327999201"]}, "village_codes"),
        ({"hub_code": "FC-02"}, "hub_code"),  # coop B's, not visible to A
        ({"code": "VS-05"}, "code"),  # taken
        ({"opened_year": 2022, "renovated_year": 2020}, "renovated_year"),
        ({"longitude": "181"}, "longitude"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(network, client_a, changes, field):
    before = _snapshot()
    response = _api(client_a, "post", "/api/network/outlets", _payload(network, **changes))
    assert response.status_code == 422, response.json()
    assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert _snapshot() == before


def test_an_unknown_service_is_refused(network, client_a):
    before = _snapshot()
    response = _api(client_a, "post", "/api/network/outlets", _payload(network, services=["teleportation"]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("services")
    assert _snapshot() == before


@pytest.mark.parametrize(
    "who,status", [("leader", 403), ("b", 403), ("store", 403), ("fund", 403), ("anonymous", 401)]
)
def test_who_may_not_create_an_outlet_for_coop_a(network, clients, county, who, status):
    before = _snapshot()
    payload = _payload(network, organization_id=county.coop_a.pk, hub_code=None)
    assert _api(clients[who], "post", "/api/network/outlets", payload).status_code == status
    assert _snapshot() == before


def test_clerk_updates_an_outlet_of_their_coop(network, client_a):
    outlet = network.outlets["VS-02"]
    payload = _payload(
        network,
        code="VS-02",
        name="东村综合服务社",
        region_code=network.villages["东村"].code,
        village_codes=[],
    )
    response = _api(client_a, "put", f"/api/network/outlets/{outlet.pk}", payload)
    assert response.status_code == 200, response.json()
    outlet.refresh_from_db()
    assert (outlet.name, outlet.opened_year, outlet.renovated_year) == ("东村综合服务社", 2022, None)
    assert list(outlet.villages.all()) == []


@pytest.mark.parametrize("who,status", [("leader", 403), ("b", 404), ("store", 403), ("anonymous", 401)])
def test_who_may_not_update_an_outlet_of_coop_a(network, clients, who, status):
    outlet = network.outlets["VS-01"]
    before = _snapshot()
    payload = _payload(network, code="VS-01", name="改名", hub_code=None)
    assert _api(clients[who], "put", f"/api/network/outlets/{outlet.pk}", payload).status_code == status
    assert _snapshot() == before


def test_clerk_a_may_not_hand_an_outlet_to_coop_b(network, client_a, county):
    outlet = network.outlets["VS-01"]
    before = _snapshot()
    payload = _payload(network, code="VS-01", organization_id=county.coop_b.pk, hub_code=None)
    assert _api(client_a, "put", f"/api/network/outlets/{outlet.pk}", payload).status_code == 403
    assert _snapshot() == before


def test_a_token_works_like_the_session(network, county):
    _token, key = ApiToken.issue(county.clerk_b, "test")
    response = _api(Client(), "get", "/api/network/outlets", token=key)
    assert response.status_code == 200
    assert _codes(response) == ["FC-02", "FC-04", "VS-03", "VS-04", "VS-05"]
