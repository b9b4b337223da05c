"""Outlet pages: list, detail, create and edit in the browser, scoped to the user's organization subtree."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils.translation import gettext, override
from python_calamine import CalamineWorkbook

from gongxiao.commerce.models import Location
from gongxiao.core import roles
from gongxiao.core.models import Region
from gongxiao.core.testing import make_user
from gongxiao.network.models import Outlet
from gongxiao.supply.models import UnificationAssessment
from gongxiao.supply.testing import licensed_shop


@pytest.fixture
def shop(county):
    """Coop A's licensed chain store CS-01 (location A-ST), and coop B's chain store CS-02 (location B-ST)."""
    trade = licensed_shop(county)
    trade.outlet_b = Outlet.objects.create(
        organization=county.coop_b,
        code="CS-02",
        name="宜农农资连锁门店（溪口店）",
        kind=Outlet.Kind.CHAIN_STORE,
        region=county.village_b,
        location=trade.store_b,
    )
    return trade


def _store_post(county, **changes):
    data = {
        "organization": county.coop_a.pk,
        "code": "CS-09",
        "name": "桥头上村农资店",
        "kind": Outlet.Kind.CHAIN_STORE,
        "status": Outlet.Status.OPERATING,
        "region": county.village_a.pk,
        "address": "上村中心街 8 号",
        "opened_year": "2015",
        "renovated_year": "2022",
        "create_location": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _errors(response, field):
    with override("zh-hans"):
        return [str(error) for error in response.context["form"].errors[field]]


def _snapshot():
    return (
        list(Outlet.objects.order_by("pk").values()),
        list(Location.objects.order_by("pk").values()),
    )


def _exported_codes(response) -> list[str]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    return [row[0] for row in sheet[1:]]


# ---------------------------------------------------------------- create and edit


def test_clerk_creates_a_store_and_its_stock_location_together(county, shop, client_a):
    # when
    response = client_a.post("/network/outlets/new/", _store_post(county))
    # then
    outlet = Outlet.objects.get(code="CS-09")
    assert response.status_code == 302
    assert response["Location"] == f"/network/outlets/{outlet.pk}/"
    location = outlet.location
    assert location is not None
    assert (location.code, location.name, location.kind) == ("CS-09", "桥头上村农资店", Location.Kind.STORE)
    assert location.organization == county.coop_a
    assert location.address == "上村中心街 8 号"
    assert outlet.region == county.village_a
    assert outlet.history.count() >= 1


def test_a_store_without_location_is_refused_when_none_is_to_be_created(county, shop, client_a):
    before = _snapshot()
    response = client_a.post("/network/outlets/new/", _store_post(county, create_location=None))
    assert response.status_code == 200
    with override("zh-hans"):
        assert _errors(response, "location") == [gettext("a store needs its stock location")]
    assert 'data-testid="error-location"' in response.content.decode()
    assert _snapshot() == before


def test_a_service_coop_needs_no_stock_location(county, shop, client_a):
    response = client_a.post(
        "/network/outlets/new/",
        _store_post(county, code="VS-01", kind=Outlet.Kind.VILLAGE_SERVICE, create_location=None),
    )
    assert response.status_code == 302
    assert Outlet.objects.get(code="VS-01").location is None


def test_the_new_location_may_not_take_a_code_already_used(county, shop, client_a):
    before = _snapshot()
    response = client_a.post("/network/outlets/new/", _store_post(county, code="A-WH"))
    assert response.status_code == 200
    [message] = _errors(response, "location")
    assert "A-WH" in message
    assert _snapshot() == before


def test_clerk_chooses_an_existing_free_location(county, shop, client_a):
    response = client_a.post(
        "/network/outlets/new/", _store_post(county, location=shop.warehouse_a.pk, create_location=None)
    )
    assert response.status_code == 302
    assert Outlet.objects.get(code="CS-09").location == shop.warehouse_a
    assert Location.objects.count() == 3  # nothing created


def test_location_choices_are_the_users_free_locations(county, shop, client_a):
    form = client_a.get("/network/outlets/new/").context["form"]
    # A-ST belongs to CS-01 already; B-ST is coop B's
    assert list(form.fields["location"].queryset) == [shop.warehouse_a]
    edit = client_a.get(f"/network/outlets/{shop.outlet.pk}/edit/").context["form"]
    assert shop.store_a in edit.fields["location"].queryset


def test_the_county_office_may_not_give_coop_as_store_the_location_of_coop_b(county, shop):
    office = make_user("office", county.federation, roles.DEPARTMENT_STAFF)
    client = Client()
    client.force_login(office)
    spare_b = Location.objects.create(
        organization=county.coop_b, code="B-WH", name="溪口仓库", kind="warehouse"
    )
    before = _snapshot()
    response = client.post(
        "/network/outlets/new/", _store_post(county, location=spare_b.pk, create_location=None)
    )
    assert response.status_code == 200
    [message] = _errors(response, "location")
    assert county.coop_b.name in message
    assert _snapshot() == before


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"region": "county"}, "region"),  # the county itself is not a town or village
        ({"opened_year": "1800"}, "opened_year"),
        ({"opened_year": "2020", "renovated_year": "2019"}, "renovated_year"),
        ({"name": ""}, "name"),
        ({"code": "CS-01"}, "code"),  # taken by coop A's store
        ({"longitude": "200"}, "longitude"),
    ],
)
def test_bad_input_gets_a_message_on_the_field_and_writes_nothing(county, shop, client_a, changes, field):
    if changes.get("region") == "county":
        changes["region"] = county.county_region.pk
    before = _snapshot()
    response = client_a.post("/network/outlets/new/", _store_post(county, **changes))
    assert response.status_code == 200
    assert _errors(response, field), response.context["form"].errors
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert _snapshot() == before


def test_region_choices_are_towns_and_villages_with_their_town(county, shop, client_a):
    field = client_a.get("/network/outlets/new/").context["form"].fields["region"]
    labels = [label for _value, label in field.choices][1:]
    assert labels == ["桥头镇", "桥头镇上村", "桥头镇下村"]


def test_clerk_edits_an_outlet_and_the_change_is_in_its_history(county, shop, client_a):
    outlet = shop.outlet
    data = _store_post(
        county,
        code=outlet.code,
        name="宜农农资连锁门店（桥头中心店）",
        status=Outlet.Status.CLOSED,
        location=outlet.location_id,
        create_location=None,
    )
    response = client_a.post(f"/network/outlets/{outlet.pk}/edit/", data)
    assert response.status_code == 302
    outlet.refresh_from_db()
    assert outlet.name == "宜农农资连锁门店（桥头中心店）"
    assert outlet.status == Outlet.Status.CLOSED
    assert outlet.location == shop.store_a
    assert outlet.history.first().history_user == county.clerk_a
    detail = client_a.get(f"/network/outlets/{outlet.pk}/").content.decode()
    assert "桥头中心店" in detail


def test_an_outlet_cannot_be_its_own_hub(county, shop, client_a):
    form = client_a.get(f"/network/outlets/{shop.outlet.pk}/edit/").context["form"]
    assert shop.outlet not in form.fields["hub"].queryset


# ---------------------------------------------------------------- data scope


@pytest.mark.parametrize("who,sees", [("leader", True), ("a", True), ("b", False)])
def test_list_detail_and_export_show_visible_outlets_only(
    county, shop, leader_client, client_a, client_b, who, sees
):
    client = {"leader": leader_client, "a": client_a, "b": client_b}[who]
    assert (shop.outlet.name in client.get("/network/outlets/").content.decode()) is sees
    assert client.get(f"/network/outlets/{shop.outlet.pk}/").status_code == (200 if sees else 404)
    assert ("CS-01" in _exported_codes(client.get("/network/outlets/?export=xlsx"))) is sees


def test_clerk_b_cannot_edit_an_outlet_of_coop_a(county, shop, client_b):
    before = _snapshot()
    assert client_b.get(f"/network/outlets/{shop.outlet.pk}/edit/").status_code == 404
    response = client_b.post(
        f"/network/outlets/{shop.outlet.pk}/edit/",
        _store_post(county, organization=county.coop_b.pk, code="CS-01", name="改名"),
    )
    assert response.status_code == 404
    assert _snapshot() == before


def test_clerk_b_cannot_create_an_outlet_for_coop_a(county, shop, client_b):
    before = _snapshot()
    response = client_b.post("/network/outlets/new/", _store_post(county))
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert _snapshot() == before


def test_leader_sees_every_outlet_but_may_not_write(county, shop, leader_client):
    body = leader_client.get("/network/outlets/").content.decode()
    assert shop.outlet.name in body and shop.outlet_b.name in body
    assert 'data-testid="create"' not in body
    assert leader_client.get("/network/outlets/new/").status_code == 403
    before = _snapshot()
    assert (
        leader_client.post(f"/network/outlets/{shop.outlet.pk}/edit/", _store_post(county)).status_code == 403
    )
    assert leader_client.post("/network/outlets/new/", _store_post(county)).status_code == 403
    assert _snapshot() == before


def test_store_clerk_may_look_but_not_create(county, shop):
    clerk = make_user("store_1", county.coop_a, roles.STORE_CLERK)
    client = Client()
    client.force_login(clerk)
    assert shop.outlet.name in client.get("/network/outlets/").content.decode()
    assert client.get(f"/network/outlets/{shop.outlet.pk}/").status_code == 200
    assert client.get("/network/outlets/new/").status_code == 403


def test_anonymous_is_sent_to_login(county, shop):
    client = Client()
    for url in ["/network/outlets/", f"/network/outlets/{shop.outlet.pk}/", "/network/outlets/new/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


# ---------------------------------------------------------------- list: filter, search, export


def test_filtered_export_holds_only_the_visible_matching_rows(county, shop, client_a, leader_client):
    Outlet.objects.create(
        organization=county.coop_a,
        code="VS-01",
        name="上村综合服务社",
        kind=Outlet.Kind.VILLAGE_SERVICE,
        region=county.village_a,
    )
    assert _exported_codes(client_a.get("/network/outlets/?kind=chain_store&export=xlsx")) == ["CS-01"]
    assert _exported_codes(leader_client.get("/network/outlets/?kind=chain_store&export=xlsx")) == [
        "CS-01",
        "CS-02",
    ]
    assert _exported_codes(leader_client.get("/network/outlets/?kind=village_service&export=xlsx")) == [
        "VS-01"
    ]


def test_list_filters_by_town_status_and_searches_name_code_and_address(county, shop, leader_client):
    other_town = Region.objects.add_child(
        county.county_region, {"code": "330327102000", "name": "溪口镇", "level": Region.Level.TOWN}
    )
    Outlet.objects.create(
        organization=county.coop_b,
        code="PP-01",
        name="溪口农产品直销点",
        kind=Outlet.Kind.PRODUCE_POINT,
        status=Outlet.Status.PLANNED,
        region=other_town,
        address="溪口老街 3 号",
    )

    def codes(query: str) -> list[str]:
        return _exported_codes(leader_client.get(f"/network/outlets/?{query}&export=xlsx"))

    assert codes(f"town={county.town.pk}") == ["CS-01", "CS-02"]
    assert codes(f"town={other_town.pk}") == ["PP-01"]
    assert codes("status=planned") == ["PP-01"]
    assert codes("q=老街") == ["PP-01"]
    assert codes("q=cs-02") == ["CS-02"]
    assert codes("q=溪口店") == ["CS-02"]
    assert codes("sort=-code") == ["PP-01", "CS-02", "CS-01"]


def test_export_names_town_and_village(county, shop, leader_client):
    response = leader_client.get("/network/outlets/?q=CS-02&export=xlsx")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert sheet[1][:2] == ["CS-02", "宜农农资连锁门店（溪口店）"]
    assert "桥头镇" in sheet[1] and "下村" in sheet[1]


def test_outlet_list_does_not_query_per_row(county, shop, client_a, django_assert_max_num_queries):
    for number in range(20):
        Outlet.objects.create(
            organization=county.coop_a,
            code=f"VS-{number:02d}",
            name=f"综合服务社{number}",
            kind=Outlet.Kind.VILLAGE_SERVICE,
            region=county.village_a,
        )
    with django_assert_max_num_queries(12):
        client_a.get("/network/outlets/")


# ---------------------------------------------------------------- detail


def test_detail_shows_location_latest_assessment_and_licences_with_links(county, shop, client_a):
    older = UnificationAssessment.objects.create(
        outlet=shop.outlet, assessed_on=dt.date(2022, 5, 1), assessed_by="业务科", signage=True
    )
    latest = UnificationAssessment.objects.create(
        outlet=shop.outlet,
        assessed_on=dt.date(2022, 11, 15),
        assessed_by="业务科",
        signage=True,
        rules=True,
        zoning=True,
        distribution=True,
        sales_system=True,
    )
    body = client_a.get(f"/network/outlets/{shop.outlet.pk}/").content.decode()
    assert f"/trade/stock/?location={shop.store_a.pk}" in body
    assert f"/supply/stores/assessments/{latest.pk}/" in body
    assert f"/supply/stores/assessments/{older.pk}/" not in body
    assert "5/5" in body
    assert f"/supply/stores/licences/{shop.licence.pk}/" in body
    assert shop.licence.number in body
    assert f"/supply/stores/assessments/new/?outlet={shop.outlet.pk}" in body
    assert f"/supply/stores/licences/new/?outlet={shop.outlet.pk}" in body


def test_detail_of_a_store_without_licence_says_so(county, shop, leader_client):
    shop.licence.delete()
    body = leader_client.get(f"/network/outlets/{shop.outlet.pk}/").content.decode()
    assert 'data-testid="outlet-licences"' in body
    with override("zh-hans"):
        assert gettext("no licence") in body
    assert "/supply/stores/licences/new/" not in body  # the leader only looks
