"""Village stopping places from Excel through the core engine: a good file, re-import updates, bad
rows named by row and column with nothing written; the list with the villages that lack one, its
export in the import's layout that imports again; who may see and import."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.translation import override
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from gongxiao.caravan.importers import VillagePointImporter
from gongxiao.caravan.models import VillagePoint
from gongxiao.core import excel, roles
from gongxiao.core.models import ImportJob
from gongxiao.core.testing import make_user
from gongxiao.network.models import Outlet

pytestmark = pytest.mark.django_db


def _header(field: str) -> str:
    with override("zh-hans"):
        return str(next(c.header for c in VillagePointImporter.columns if c.field == field))


def points_file(rows: list[dict]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append([_header(c.field) for c in VillagePointImporter.columns])
    for row in rows:
        sheet.append([row.get(c.field, "") for c in VillagePointImporter.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "points.xlsx"
    return buffer


@pytest.fixture
def centre(county):
    """A place the county knows: the collection centre at 120.55 E, 27.59 N."""
    return Outlet.objects.create(
        organization=county.coop_a,
        code="CC-A",
        name="桥头山区农产品集采集配中心",
        kind=Outlet.Kind.COLLECTION_CENTRE,
        region=county.town,
        longitude=Decimal("120.55"),
        latitude=Decimal("27.59"),
    )


def _import(county, rows, dry_run=False):
    importer = VillagePointImporter(county.clerk_a, county.coop_a)
    return excel.run_import(importer, points_file(rows), dry_run=dry_run)


def _good(county):
    return [
        {"code": county.village_a.code, "longitude": 120.58, "latitude": 27.61},
        {"village": "桥头镇下村", "longitude": "120.52", "latitude": "27.63"},
    ]


def test_a_good_file_places_the_villages_by_code_or_town_and_name(county, centre):
    result = _import(county, _good(county))
    assert result.ok and result.written and result.created == 2
    points = {p.village_id: (p.longitude, p.latitude) for p in VillagePoint.objects.all()}
    assert points == {
        county.village_a.pk: (Decimal("120.58"), Decimal("27.61")),
        county.village_b.pk: (Decimal("120.52"), Decimal("27.63")),
    }


def test_importing_again_updates_the_village_and_leaves_the_rest(county, centre):
    _import(county, _good(county))
    rows = _good(county)
    rows[1]["latitude"] = 27.635
    # when
    result = _import(county, rows)
    # then
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert VillagePoint.objects.get(village=county.village_b).latitude == Decimal("27.635")
    assert VillagePoint.objects.count() == 2


@pytest.mark.parametrize(
    "bad,field,words",
    [
        ({"village": "不存在村", "longitude": 120.5, "latitude": 27.6}, "village", "不存在村"),
        (
            {"code": "330327101201", "village": "下村", "longitude": 120.5, "latitude": 27.6},
            "village",
            "330327101201",
        ),
        ({"code": "", "village": "", "longitude": 120.5, "latitude": 27.6}, "village", ""),
        ({"village": "下村", "longitude": 120.5, "latitude": 95}, "latitude", "90"),
        ({"village": "下村", "longitude": 27.6, "latitude": 120.5}, "longitude", "27.6"),
        ({"village": "下村", "longitude": 121.5, "latitude": 27.6}, "longitude", "120.55"),
        ({"village": "下村", "longitude": 120.5, "latitude": 28.2}, "latitude", "27.59"),
        ({"village": "下村", "longitude": 120.5}, "latitude", ""),
        ({"village": "下村", "longitude": "东经120度", "latitude": 27.6}, "longitude", ""),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(county, centre, bad, field, words):
    # given: a good row, then the bad one
    rows = [_good(county)[0], bad]
    # when
    result = _import(county, rows)
    # then
    assert not result.written and not VillagePoint.objects.exists()
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, _header(field))]
    assert words in result.errors[0]["message"]


def test_without_known_places_only_china_bounds_the_coordinates(county):
    far_west = [{"village": "下村", "longitude": 80.5, "latitude": 40.1}]
    assert _import(county, far_west, dry_run=True).ok
    abroad = [{"village": "下村", "longitude": -120.5, "latitude": 27.6}]
    assert _import(county, abroad, dry_run=True).errors[0]["column"] == _header("longitude")


def test_the_list_shows_which_villages_lack_a_point_and_filters_them(county, centre, client_a):
    VillagePoint.objects.create(
        village=county.village_a, longitude=Decimal("120.58"), latitude=Decimal("27.61")
    )
    page = client_a.get("/caravan/village-points/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="missing-points"' in html and "上村" in html and "下村" in html
    assert page.context["page"].missing() == 1
    missing = client_a.get("/caravan/village-points/?has_point=no")
    assert [obj.pk for obj, _cells, _url in missing.context["rows"]] == [county.village_b.pk]
    entered = client_a.get("/caravan/village-points/?has_point=yes")
    assert [obj.pk for obj, _cells, _url in entered.context["rows"]] == [county.village_a.pk]
    in_town = client_a.get(f"/caravan/village-points/?town={county.town.pk}")
    assert len(in_town.context["rows"]) == 2


def test_the_export_is_the_import_layout_and_imports_again(county, centre, client_a):
    VillagePoint.objects.create(
        village=county.village_a, longitude=Decimal("120.58"), latitude=Decimal("27.61")
    )
    xlsx = client_a.get("/caravan/village-points/?export=xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == [_header(c.field) for c in VillagePointImporter.columns]
    assert rows[1][:3] == [county.village_a.code, "桥头镇上村", 120.58]
    assert rows[2][:2] == [county.village_b.code, "桥头镇下村"] and rows[2][2:] == ["", ""]
    # when: the clerk fills in the missing village and imports the file
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sheet["C3"], sheet["D3"] = 120.52, 27.63
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = excel.run_import(VillagePointImporter(county.clerk_a, county.coop_a), buffer, dry_run=False)
    # then
    assert result.ok and (result.created, result.unchanged) == (1, 1)
    assert VillagePoint.objects.get(village=county.village_b).longitude == Decimal("120.52")


def test_upload_check_confirm_through_the_import_pages(county, centre, client_a):
    response = client_a.post(
        "/base/imports/new/village_points/",
        {"organization": county.coop_a.pk, "file": points_file(_good(county))},
        follow=True,
    )
    job = response.context["job"]
    assert job.status == ImportJob.Status.CHECKED and not VillagePoint.objects.exists()
    client_a.post(f"/base/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and VillagePoint.objects.count() == 2


def test_who_may_see_and_import(county, centre, client_a, client_b, leader_client):
    crew = Client()
    crew.force_login(make_user("crew_x", county.coop_a, roles.TRUCK_CREW))
    assert 'data-testid="import"' in client_a.get("/caravan/village-points/").content.decode()
    assert client_a.get("/base/imports/new/village_points/").status_code == 200
    assert client_a.get("/base/imports/template/village_points.xlsx").status_code == 200
    leader_page = leader_client.get("/caravan/village-points/")
    assert leader_page.status_code == 200 and 'data-testid="import"' not in leader_page.content.decode()
    assert leader_client.get("/base/imports/new/village_points/").status_code == 403
    before = VillagePoint.objects.count()
    refused = leader_client.post(
        "/base/imports/new/village_points/",
        {"organization": county.federation.pk, "file": points_file(_good(county))},
    )
    assert refused.status_code == 403 and VillagePoint.objects.count() == before
    assert crew.get("/caravan/village-points/").status_code == 403
    assert crew.get("/base/imports/new/village_points/").status_code == 403
    anonymous = Client().get("/caravan/village-points/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
