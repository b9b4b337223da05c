"""Network pages (overview, town, map) and the outlet form's network fields: who sees what, what is refused."""

import json
import re

import pytest
from django.utils.translation import gettext, override

from gongxiao.network.models import Outlet


def _testid(body: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>(.*?)</', body, re.S)
    assert match, name
    return match.group(1).strip()


# ---------------------------------------------------------------- permission matrix


@pytest.mark.parametrize(
    "who,status",
    [("leader", 200), ("a", 200), ("b", 200), ("store", 200), ("fund", 403), ("anonymous", 302)],
)
def test_who_may_open_the_network_pages(network, clients, who, status):
    client = clients[who]
    for url in ["/network/", "/network/map/", f"/network/towns/{network.town.pk}/"]:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        if status == 302:
            assert response["Location"].startswith("/login/")


def test_a_village_is_not_a_town_page(network, leader_client):
    assert leader_client.get(f"/network/towns/{network.villages['上村'].pk}/").status_code == 404
    assert leader_client.get("/network/towns/999999/").status_code == 404


def test_navigation_offers_the_network_pages(network, client_a, clients):
    body = client_a.get("/").content.decode()
    assert 'href="/network/"' in body and 'href="/network/map/"' in body
    assert 'href="/network/"' not in clients["fund"].get("/").content.decode()


# ---------------------------------------------------------------- overview


def test_overview_shows_coverage_by_town_and_the_years_sentence(network, leader_client):
    body = leader_client.get("/network/?year=2022").content.decode()
    assert _testid(body, "figure-covered") == "5 / 7"
    assert _testid(body, "figure-share") == "71.4%"
    assert _testid(body, "figure-outlets") == "7"
    row = re.search(r'data-town="330327102000">(.*?)</tr>', body, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["3", "1", "33.3%", "3"]
    with override("zh-hans"):
        sentence = gettext(
            "village comprehensive service coops: %(new)s new, %(renovated)s renovated; farm service centres declared at provincial level: %(province)s"
        ) % {"new": 1, "renovated": 2, "province": 1}
    assert _testid(body, "sentence") == f"2022: {sentence}"


def test_overview_picks_another_year_and_ignores_a_bad_one(network, leader_client):
    body = leader_client.get("/network/?year=2021").content.decode()
    assert _testid(body, "sentence").startswith("2021: ")
    assert '<option value="2021" selected>' in body
    assert _testid(leader_client.get("/network/?year=abc").content.decode(), "sentence").startswith("2022: ")


def test_overview_of_clerk_b_counts_coop_b_only(network, client_b):
    body = client_b.get("/network/").content.decode()
    assert _testid(body, "figure-covered") == "1 / 7"
    assert _testid(body, "figure-share") == "14.3%"


def test_builds_table_shows_new_and_renovated_per_kind_and_year(network, leader_client):
    body = leader_client.get("/network/").content.decode()
    table = re.search(r'data-testid="builds">(.*?)</table>', body, re.S).group(1)
    years = re.findall(r'<th class="num">(\d{4})</th>', table)
    assert years == ["2016", "2018", "2019", "2020", "2021", "2022"]  # the last six years with figures
    with override("zh-hans"):
        label = str(Outlet.Kind.VILLAGE_SERVICE.label)
    row = re.search(rf"<td>{label}</td>(.*?)</tr>", table, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == [
        "0 / 0",
        "1 / 0",
        "0 / 0",
        "0 / 0",
        "0 / 0",
        "1 / 2",
    ]


# ---------------------------------------------------------------- town


def test_town_page_lists_villages_with_their_outlets_and_the_uncovered(network, leader_client):
    body = leader_client.get(f"/network/towns/{network.town_b.pk}/").content.decode()
    covered = dict(re.findall(r'data-village="(\d+)" data-covered="(\w+)"', body))
    assert covered == {"330327102201": "no", "330327102202": "no", "330327102203": "yes"}
    outlets = re.findall(r'data-outlet="([\w-]+)"', body)
    assert outlets == ["FC-01", "FC-02", "FC-04", "VS-03", "VS-04", "VS-05"]


def test_town_page_of_clerk_a_shows_no_outlet_of_coop_b(network, client_a):
    body = client_a.get(f"/network/towns/{network.town_b.pk}/").content.decode()
    assert re.findall(r'data-outlet="([\w-]+)"', body) == ["FC-01"]
    assert "VS-05" not in body


# ---------------------------------------------------------------- map


def test_map_draws_from_local_echarts_with_the_visible_outlets(network, client_a):
    Outlet.objects.filter(code__in=["CC-01", "VS-01"]).update(longitude="120.5", latitude="27.5")
    Outlet.objects.filter(code="VS-05").update(longitude="120.6", latitude="27.6")
    body = client_a.get("/network/map/").content.decode()
    data = json.loads(re.search(r'id="network-map-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    codes = sorted(p["code"] for s in data["series"] for p in s["points"])
    assert codes == ["CC-01", "VS-01"]  # VS-05 is coop B's
    assert "/static/vendor/echarts/echarts.min.js" in body
    assert not re.search(r'(src|href)="https?://', body)  # no tiles, no CDN: the machines have no internet


def test_map_without_coordinates_says_so(network, client_a):
    body = client_a.get("/network/map/").content.decode()
    assert 'data-testid="outlet-map-empty"' in body
    assert 'data-testid="without-coordinates"' in body


# ---------------------------------------------------------------- the outlet form's network fields


def _post(network, **changes):
    county = network.county
    data = {
        "organization": county.coop_a.pk,
        "code": "FC-09",
        "name": "桥头农事服务中心",
        "kind": Outlet.Kind.FARM_SERVICE_CENTRE,
        "status": Outlet.Status.OPERATING,
        "region": network.town.pk,
        "opened_year": "2022",
        "grade": "province",
        "grade_status": "declared",
        "declared_year": "2022",
        "hub": "",
        "villages": [network.villages["东村"].pk, network.villages["西村"].pk],
        "service_list": ["agri_inputs", "machinery", "drying"],
        "longitude": "120.45",
        "latitude": "27.45",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _snapshot():
    return list(Outlet.objects.order_by("pk").values()), list(Outlet.villages.through.objects.values())


def test_clerk_creates_a_farm_service_centre_with_grade_services_and_villages(network, client_a):
    response = client_a.post("/network/outlets/new/", _post(network))
    assert response.status_code == 302
    outlet = Outlet.objects.get(code="FC-09")
    assert (outlet.grade, outlet.grade_status, outlet.declared_year) == ("province", "declared", 2022)
    assert outlet.services == "agri_inputs,machinery,drying"
    assert sorted(v.name for v in outlet.villages.all()) == ["东村", "西村"]
    body = client_a.get(f"/network/outlets/{outlet.pk}/").content.decode()
    assert "桥头镇东村" in _testid(body, "outlet-villages")
    with override("zh-hans"):
        assert str(Outlet.Grade.PROVINCE.label) in _testid(body, "outlet-grade")


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"grade": ""}, "grade"),  # a centre needs its grade
        ({"grade_status": ""}, "grade_status"),
        ({"declared_year": ""}, "declared_year"),  # declared without a year
        ({"kind": Outlet.Kind.VILLAGE_SERVICE}, "grade"),  # only a centre has a grade
        ({"declared_year": "1900"}, "declared_year"),
        ({"service_list": ["teleportation"]}, "service_list"),
        ({"villages": [999999]}, "villages"),
    ],
)
def test_network_fields_refuse_bad_input_and_write_nothing(network, client_a, changes, field):
    before = _snapshot()
    response = client_a.post("/network/outlets/new/", _post(network, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert _snapshot() == before


def test_a_town_is_not_a_village_served(network, client_a):
    response = client_a.post("/network/outlets/new/", _post(network, villages=[network.town.pk]))
    assert "villages" in response.context["form"].errors


def test_hubs_may_not_go_round_in_a_loop(network, client_a):
    # CC-01 is the hub of VS-01: VS-01 may not become CC-01's hub
    hub = network.outlets["CC-01"]
    data = _post(
        network,
        code="CC-01",
        name=hub.name,
        kind=Outlet.Kind.COLLECTION_CENTRE,
        grade="",
        grade_status="",
        declared_year="",
        hub=network.outlets["VS-01"].pk,
    )
    before = _snapshot()
    response = client_a.post(f"/network/outlets/{hub.pk}/edit/", data)
    assert response.status_code == 200
    assert "hub" in response.context["form"].errors
    assert _snapshot() == before


def test_list_offers_import_to_clerks_and_filters_by_service(network, client_a, leader_client):
    Outlet.objects.filter(code="VS-01").update(services="agri_inputs,daily_goods")
    body = client_a.get("/network/outlets/").content.decode()
    assert 'href="/base/imports/new/outlets/"' in body
    assert 'data-testid="import"' not in leader_client.get("/network/outlets/").content.decode()
    listed = client_a.get("/network/outlets/?service=daily_goods").content.decode()
    assert network.outlets["VS-01"].name in listed and network.outlets["VS-02"].name not in listed
