"""Outlets from Excel through the foundation's engine: a good file, bad rows named, re-import, scope."""

import io

import pytest
from django.core.management import call_command
from django.utils.translation import gettext, override
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from gongxiao.commerce.models import Location
from gongxiao.core import excel
from gongxiao.core.models import Organization
from gongxiao.network.importers import OutletImporter
from gongxiao.network.models import Outlet, Service


def _header(field: str) -> str:
    with override("zh-hans"):
        return str(next(c.header for c in OutletImporter.columns if c.field == field))


def outlet_file(rows: list[dict], name: str = "outlets.xlsx") -> io.BytesIO:
    """A file in the template's layout: one header per column, cells by field name."""
    book = Workbook()
    sheet = book.active
    sheet.append([_header(c.field) for c in OutletImporter.columns])
    for row in rows:
        sheet.append([row.get(c.field, "") for c in OutletImporter.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def _label(choice) -> str:
    with override("zh-hans"):
        return str(choice.label)


def good_rows() -> list[dict]:
    """A collection centre as hub, two village service coops under it, a store and a farm service centre."""
    return [
        {
            "code": "CC-11",
            "name": "桥头集采集配中心",
            "kind": _label(Outlet.Kind.COLLECTION_CENTRE),
            "town": "桥头镇",
            "operator": "QS-A",
            "build_type": _label(Outlet.Build.NEW),
            "build_year": 2021,
            "services": "produce, logistics",
            "villages": "下村",
            "longitude": 120.45,
            "latitude": 27.45,
        },
        {
            "code": "VS-11",
            "name": "上村综合服务社",
            "kind": _label(Outlet.Kind.VILLAGE_SERVICE),
            "status": _label(Outlet.Status.OPERATING),
            "town": "桥头镇",
            "village": "上村",
            "hub_code": "CC-11",
            "build_type": _label(Outlet.Build.RENOVATED),
            "build_year": 2022,
            "opened_year": 2010,
            "services": "agri_inputs、daily_goods",
            "villages": "桥头镇下村",
            "address": "上村文化礼堂旁",
        },
        {
            "code": "VS-12",
            "name": "下村综合服务社",
            "kind": "village_service",
            "town": "330327101000",
            "village": "330327101202",
            "hub_code": "CC-11",
            "build_type": "new",
            "build_year": "2022",
        },
        {
            "code": "DS-11",
            "name": "供销直营店（桥头店）",
            "kind": _label(Outlet.Kind.DIRECT_STORE),
            "town": "桥头镇",
            "operator": "桥头供销社",
        },
        {
            "code": "FC-11",
            "name": "桥头农事服务中心",
            "kind": _label(Outlet.Kind.FARM_SERVICE_CENTRE),
            "town": "桥头镇",
            "grade": _label(Outlet.Grade.PROVINCE),
            "grade_status": _label(Outlet.GradeStatus.DECLARED),
            "declared_year": 2022,
            "build_type": _label(Outlet.Build.NEW),
            "build_year": 2020,
            "services": "machinery、drying、testing",
        },
    ]


def _run(county, rows, *, user=None, organization=None, dry_run=False):
    importer = OutletImporter(user or county.clerk_a, organization or county.coop_a)
    return excel.run_import(importer, outlet_file(rows), dry_run=dry_run)


def _snapshot():
    return (
        list(Outlet.objects.order_by("pk").values()),
        list(Outlet.villages.through.objects.order_by("pk").values()),
        list(Location.objects.order_by("pk").values()),
    )


def test_a_good_file_creates_hub_stations_store_and_centre(county):
    # when
    result = _run(county, good_rows())
    # then
    assert result.errors == [] and result.created == 5
    hub = Outlet.objects.get(code="CC-11")
    assert (hub.kind, hub.region, hub.organization) == ("collection_centre", county.town, county.coop_a)
    assert (hub.opened_year, hub.renovated_year, hub.build_type) == (2021, None, "new")
    assert hub.services == "produce,logistics"
    assert [v.name for v in hub.villages.all()] == ["下村"]
    assert str(hub.longitude) == "120.450000"
    upper = Outlet.objects.get(code="VS-11")
    assert (upper.region, upper.hub, upper.opened_year, upper.renovated_year) == (
        county.village_a,
        hub,
        2010,
        2022,
    )
    assert upper.services == "agri_inputs,daily_goods"  # in the order of the choices
    assert [v.name for v in upper.villages.all()] == ["下村"]
    assert Outlet.objects.get(code="VS-12").region == county.village_b
    store = Outlet.objects.get(code="DS-11")
    assert store.location is not None and (store.location.code, store.location.kind) == ("DS-11", "store")
    assert store.location.organization == county.coop_a
    centre = Outlet.objects.get(code="FC-11")
    assert (centre.grade, centre.grade_status, centre.declared_year) == ("province", "declared", 2022)
    assert upper.history.first().history_user == county.clerk_a


def test_the_dry_run_writes_nothing(county):
    before = _snapshot()
    result = _run(county, good_rows(), dry_run=True)
    assert result.ok and result.created == 5 and not result.written
    assert _snapshot() == before


def test_importing_the_same_file_again_changes_nothing(county):
    _run(county, good_rows())
    before = _snapshot()
    history = Outlet.history.count()
    # when
    again = _run(county, good_rows())
    # then
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 5, [])
    assert _snapshot() == before
    assert Outlet.history.count() == history


def test_a_changed_row_updates_its_outlet_by_code(county):
    _run(county, good_rows())
    rows = good_rows()
    rows[1]["name"] = "上村综合服务社（新）"
    rows[1]["villages"] = ""
    rows[1]["hub_code"] = ""
    result = _run(county, rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    upper = Outlet.objects.get(code="VS-11")
    assert (upper.name, upper.hub, list(upper.villages.all())) == ("上村综合服务社（新）", None, [])


BAD = [
    ({"town": "不存在镇"}, "town", "不存在镇"),
    ({"village": "后村"}, "village", "后村"),
    ({"kind": "超市"}, "kind", ""),
    ({"services": _label(Service.AGRI_INPUTS) + "、算命"}, "services", "算命"),
    ({"villages": "上村、天堂村"}, "villages", "天堂村"),
    ({"hub_code": "XX-99"}, "hub_code", "XX-99"),
    ({"operator": "QS-B"}, "operator", "QS-B"),  # coop B is not under coop A
    ({"build_year": 2022, "build_type": ""}, "build_type", ""),
    (
        {"build_type": _label(Outlet.Build.RENOVATED), "build_year": 2009, "opened_year": 2010},
        "build_year",
        "",
    ),
    ({"build_type": _label(Outlet.Build.NEW), "build_year": 1800, "opened_year": ""}, "build_year", "1949"),
    ({"grade": _label(Outlet.Grade.CITY)}, "grade", ""),  # a village service coop has no grade
    ({"longitude": 120.5}, "longitude", ""),  # without latitude
    ({"latitude": 95, "longitude": 120.5}, "latitude", "90"),
    ({"name": ""}, "name", ""),
]


@pytest.mark.parametrize("changes,field,named", BAD)
def test_a_bad_row_is_named_with_its_column_and_nothing_is_written(county, changes, field, named):
    rows = good_rows()
    rows[1].update(changes)
    before = _snapshot()
    # when
    result = _run(county, rows)
    # then
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, _header(field))], result.errors
    assert named in result.errors[0]["message"]
    assert not result.written and result.created == 0
    assert _snapshot() == before


def test_a_farm_service_centre_without_grade_is_refused(county):
    rows = good_rows()
    rows[4]["grade"] = ""
    result = _run(county, rows)
    assert [(e["row"], e["column"]) for e in result.errors] == [(6, _header("grade"))]
    with override("zh-hans"):
        assert result.errors[0]["message"] == gettext(
            "a farm service centre needs its grade (province, city or county)"
        )


def test_a_hub_must_come_before_its_stations(county):
    rows = good_rows()
    rows.append(rows.pop(0))  # the hub last
    result = _run(county, rows)
    assert {(e["row"], e["column"]) for e in result.errors} == {
        (2, _header("hub_code")),
        (3, _header("hub_code")),
    }


def test_hubs_may_not_go_round_in_a_loop(county):
    # given: VS-11 without a hub, and CC-11 under VS-11
    hub, station = good_rows()[:2]
    assert _run(county, [dict(station, hub_code=""), dict(hub, hub_code="VS-11")]).ok
    # when: VS-11 is put under CC-11
    looping = _run(county, [dict(station, hub_code="CC-11")])
    # then
    assert [(e["row"], e["column"]) for e in looping.errors] == [(2, _header("hub_code"))]
    assert "CC-11" in looping.errors[0]["message"]
    assert Outlet.objects.get(code="VS-11").hub is None


def test_a_stock_location_code_taken_is_refused_for_a_new_store(county):
    Location.objects.create(organization=county.coop_a, code="DS-11", name="旧仓库", kind="warehouse")
    result = _run(county, good_rows())
    assert [(e["row"], e["column"]) for e in result.errors] == [(5, _header("code"))]
    assert "DS-11" in result.errors[0]["message"]


def test_the_same_code_twice_in_a_file_is_refused(county):
    rows = good_rows()
    rows.append(dict(rows[2], name="重复"))
    result = _run(county, rows)
    assert [e["row"] for e in result.errors] == [7]


def test_clerk_b_cannot_import_over_coop_as_outlets(county, client_b):
    # given: coop A's outlets
    _run(county, good_rows())
    before = _snapshot()
    rows = good_rows()[1:2]
    rows[0].update(name="冒名顶替", hub_code="", operator="")
    # when
    response = client_b.post(
        "/base/imports/new/outlets/",
        {"organization": county.coop_b.pk, "file": outlet_file(rows)},
        follow=True,
    )
    # then
    job = response.context["job"]
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, _header("code"))]
    with override("zh-hans"):
        assert job.errors[0]["message"] == gettext(
            "already registered by another organization; ask them or the county office"
        )
    assert _snapshot() == before


def test_clerk_b_cannot_import_for_coop_a(county, client_b):
    response = client_b.post(
        "/base/imports/new/outlets/", {"organization": county.coop_a.pk, "file": outlet_file(good_rows())}
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not Outlet.objects.exists()


def test_a_hub_of_another_coop_is_not_offered(county):
    _run(county, good_rows()[:1])
    rows = [dict(good_rows()[2], code="VS-21", village="下村", operator="")]
    result = _run(county, rows, user=county.clerk_b, organization=county.coop_b)
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, _header("hub_code"))]


def test_the_leader_may_not_import(county, leader_client):
    response = leader_client.get("/base/imports/new/outlets/")
    assert response.status_code == 403


def test_upload_check_and_confirm_through_the_pages(county, client_a):
    response = client_a.post(
        "/base/imports/new/outlets/",
        {"organization": county.coop_a.pk, "file": outlet_file(good_rows())},
        follow=True,
    )
    job = response.context["job"]
    assert job.status == "checked" and job.created_count == 5
    assert not Outlet.objects.exists()
    client_a.post(f"/base/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done"
    assert Outlet.objects.count() == 5


def test_the_list_export_reimports_unchanged(county, client_a):
    # given
    _run(county, good_rows())
    # when: the list's export, hubs first whatever the sort
    response = client_a.get("/network/outlets/?sort=-code&export=xlsx")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert sheet[0] == [_header(c.field) for c in OutletImporter.columns]
    codes = [row[0] for row in sheet[1:]]
    assert codes.index("CC-11") < codes.index("VS-11") and codes.index("CC-11") < codes.index("VS-12")
    before = _snapshot()
    again = excel.run_import(
        OutletImporter(county.clerk_a, county.coop_a), io.BytesIO(response.content), dry_run=False
    )
    # then
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 5, [])
    assert _snapshot() == before


def test_export_command_writes_the_template_layout(county, tmp_path):
    _run(county, good_rows())
    path = tmp_path / "outlets.xlsx"
    call_command("export", "outlets", str(path), "--user", "clerk_a", stdout=io.StringIO())
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sorted(row[0] for row in sheet[1:]) == ["CC-11", "DS-11", "FC-11", "VS-11", "VS-12"]


def test_an_operator_below_the_importing_coop_is_accepted(county):
    unit = Organization.objects.add_child(
        Organization.objects.get(pk=county.coop_a.pk),
        {"code": "QS-A-1", "name": "桥头供销社为农服务中心", "kind": Organization.Kind.UNIT},
    )
    rows = good_rows()
    rows[2]["operator"] = "桥头供销社为农服务中心"
    result = _run(county, rows)
    assert result.ok
    assert Outlet.objects.get(code="VS-12").organization == unit
