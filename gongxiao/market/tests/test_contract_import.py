"""Village production plans and buyers' orders from Excel through the core engine: a good file, bad
rows named by row and column with nothing written, importing again changes nothing, the rows of
another organization are not touched, who may import."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import override
from openpyxl import Workbook

from gongxiao.caravan.models import VillagePoint
from gongxiao.core import excel, roles
from gongxiao.core.models import ImportJob
from gongxiao.core.testing import make_user
from gongxiao.market import contracts
from gongxiao.market.importers import BuyerOrderImporter, ProductionPlanImporter
from gongxiao.market.models import Allocation, BuyerOrder, ProductionPlan
from gongxiao.market.testing import tea_order
from gongxiao.members.tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal


def header(importer, field: str) -> str:
    with override("zh-hans"):
        return str(next(c.header for c in importer.columns if c.field == field))


def xlsx(importer, rows: list[dict]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append([header(importer, c.field) for c in importer.columns])
    for row in rows:
        sheet.append([row.get(c.field, "") for c in importer.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "contracts.xlsx"
    return buffer


def run(importer_class, user, organization, rows, dry_run=False):
    return excel.run_import(importer_class(user, organization), xlsx(importer_class, rows), dry_run=dry_run)


# ---------------------------------------------------------------- production plans


@pytest.fixture
def farmers(county):
    return member(county, county.coop_a, "李茶农", seq=1), member(county, county.coop_a, "王茶农", seq=2)


@pytest.fixture
def stop_b(county):
    """下村 has a stopping place; 上村 has none."""
    return VillagePoint.objects.create(village=county.village_b, longitude=D("120.4"), latitude=D("27.5"))


def plan_rows(county, market, farmers) -> list[dict]:
    first, second = farmers
    return [
        {
            "code": county.village_a.code,
            "product": market.tea.code,
            "year": 2023,
            "season": "春季",
            "area_mu": 20,
            "expected_kg": "1500.5",
            "longitude": 120.51,
            "latitude": 27.61,
            "members": f"{first.id_number}、{second.id_number}",
            "note": "高山茶",
        },
        {
            "village": "桥头镇下村",
            "product": market.eggs.code,
            "year": 2023,
            "season": "spring",
            "area_mu": "3.5",
            "expected_kg": 800,
        },
    ]


def test_a_good_plan_file_creates_the_plans_with_their_members(county, market, farmers, stop_b):
    # when
    result = run(ProductionPlanImporter, county.clerk_a, county.coop_a, plan_rows(county, market, farmers))
    # then
    assert result.ok and result.written and result.created == 2
    tea = ProductionPlan.objects.get(village=county.village_a)
    assert (tea.organization, tea.product, tea.year, tea.season) == (
        county.coop_a,
        market.tea,
        2023,
        "spring",
    )
    assert (tea.area_mu, tea.expected_kg, tea.longitude, tea.latitude, tea.note) == (
        D("20"),
        D("1500.5"),
        D("120.51"),
        D("27.61"),
        "高山茶",
    )
    assert set(tea.members.all()) == set(farmers)
    eggs = ProductionPlan.objects.get(village=county.village_b)
    # no coordinates in the file: the village's stopping place
    assert (eggs.product, eggs.expected_kg, eggs.longitude, eggs.latitude) == (
        market.eggs,
        D("800"),
        D("120.4"),
        D("27.5"),
    )
    assert not eggs.members.exists()


def test_importing_the_plans_again_changes_nothing_and_a_new_figure_updates(county, market, farmers, stop_b):
    rows = plan_rows(county, market, farmers)
    run(ProductionPlanImporter, county.clerk_a, county.coop_a, rows)
    before = list(ProductionPlan.objects.order_by("pk").values())
    # when: the same file again
    again = run(ProductionPlanImporter, county.clerk_a, county.coop_a, rows)
    # then
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(ProductionPlan.objects.order_by("pk").values()) == before
    # a new expected yield and one member fewer update the plan; a blank members cell keeps them
    rows[0]["expected_kg"] = 1600
    rows[0]["members"] = farmers[0].id_number
    changed = run(ProductionPlanImporter, county.clerk_a, county.coop_a, rows)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    tea = ProductionPlan.objects.get(village=county.village_a)
    assert tea.expected_kg == D("1600") and list(tea.members.all()) == [farmers[0]]
    rows[0]["members"] = ""
    kept = run(ProductionPlanImporter, county.clerk_a, county.coop_a, rows)
    assert (kept.updated, kept.unchanged) == (0, 2)
    assert list(tea.members.all()) == [farmers[0]]


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"village": "无名村"}, "village", "无名村"),
        ({"code": "330327101299"}, "code", "330327101299"),
        ({"code": "", "village": ""}, "village", ""),
        ({"product": "XX99"}, "product", "XX99"),
        ({"season": "雨季"}, "season", ""),
        ({"year": "二〇二三"}, "year", ""),
        ({"expected_kg": -5}, "expected_kg", ""),
        ({"expected_kg": "1.2345"}, "expected_kg", "3"),
        ({"members": "110101199001011237"}, "members", "110101199001011237"),
        ({"longitude": ""}, "longitude", ""),
        ({"longitude": 27.61, "latitude": 120.51}, "longitude", "27.61"),
        ({"longitude": "", "latitude": ""}, "longitude", ""),  # 上村 has no stopping place
    ],
)
def test_a_bad_plan_row_is_named_and_nothing_is_written(county, market, farmers, stop_b, bad, field, words):
    # given: a good row, then the bad one
    good, second = plan_rows(county, market, farmers)
    rows = [second, good | bad]
    # when
    result = run(ProductionPlanImporter, county.clerk_a, county.coop_a, rows)
    # then
    assert not result.written and not ProductionPlan.objects.exists()
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, header(ProductionPlanImporter, field))]
    assert words in result.errors[0]["message"]


def test_the_expected_yield_cannot_fall_below_what_is_allocated(county, market, farmers, stop_b):
    rows = plan_rows(county, market, farmers)
    run(ProductionPlanImporter, county.clerk_a, county.coop_a, rows)
    tea = ProductionPlan.objects.get(village=county.village_a)
    order = tea_order(county, market, latitude=D("27.6"), longitude=D("120.5"), quantity_kg=D("1000"))
    contracts.accept(county.clerk_a, [contracts.Pairing(tea.pk, order.pk, D("1000"), D("1.0"))])
    rows[0]["expected_kg"] = 900
    result = run(ProductionPlanImporter, county.clerk_a, county.coop_a, rows)
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (2, header(ProductionPlanImporter, "expected_kg"))
    ]
    assert "1000" in result.errors[0]["message"]
    tea.refresh_from_db()
    assert tea.expected_kg == D("1500.5")


def test_coop_b_cannot_overwrite_coop_a_plans_nor_name_its_members(county, market, farmers, stop_b):
    rows = plan_rows(county, market, farmers)
    run(ProductionPlanImporter, county.clerk_a, county.coop_a, rows)
    before = list(ProductionPlan.objects.order_by("pk").values())
    rows[1]["expected_kg"] = 1  # the same village, product and season as coop A's plan
    result = run(ProductionPlanImporter, county.clerk_b, county.coop_b, rows)
    assert not result.written
    errors = {(e["row"], e["column"]) for e in result.errors}
    assert errors == {
        (2, header(ProductionPlanImporter, "members")),  # coop A's farmers are not B's members
        (3, "、".join(header(ProductionPlanImporter, f) for f in ("village", "product", "year", "season"))),
    }
    assert list(ProductionPlan.objects.order_by("pk").values()) == before


def test_plans_upload_check_confirm_through_the_import_pages(county, market, farmers, stop_b, client_a):
    response = client_a.post(
        "/base/imports/new/production_plans/",
        {
            "organization": county.coop_a.pk,
            "file": xlsx(ProductionPlanImporter, plan_rows(county, market, farmers)),
        },
        follow=True,
    )
    job = response.context["job"]
    assert job.status == ImportJob.Status.CHECKED and not ProductionPlan.objects.exists()
    client_a.post(f"/base/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and ProductionPlan.objects.count() == 2


# ---------------------------------------------------------------- buyer orders


def order_rows(market) -> list[dict]:
    return [
        {
            "code": "LH-2023-001",
            "buyer_name": "联华超市",
            "buyer_kind": "商超",
            "contact": "赵经理 13900000001",
            "town": "桥头镇",
            "longitude": "120.55",
            "latitude": "27.59",
            "product": market.tea.code,
            "year": 2023,
            "season": "春季",
            "quantity_kg": 1000,
            "price": "12.5",
            "deliver_from": dt.date(2023, 4, 1),
            "deliver_to": "2023-05-01",
        },
        {
            "code": "ST-7",
            "buyer_name": "县一中食堂",
            "buyer_kind": "canteen",
            "longitude": 120.6,
            "latitude": 27.6,
            "product": market.eggs.code,
            "year": 2023,
            "season": "autumn",
            "quantity_kg": "200.25",
            "price": 2,
            "deliver_from": "2023/9/1",
            "deliver_to": "2023年12月31日",
        },
    ]


def test_a_good_order_file_creates_the_orders(county, market):
    result = run(BuyerOrderImporter, county.clerk_a, county.coop_a, order_rows(market))
    assert result.ok and result.written and result.created == 2
    first = BuyerOrder.objects.get(code="LH-2023-001")
    assert (first.organization, first.buyer_name, first.buyer_kind, first.contact, first.town) == (
        county.coop_a,
        "联华超市",
        BuyerOrder.BuyerKind.SUPERMARKET,
        "赵经理 13900000001",
        "桥头镇",
    )
    assert (first.product, first.year, first.season, first.quantity_kg, first.price) == (
        market.tea,
        2023,
        "spring",
        D("1000"),
        D("12.50"),
    )
    assert (first.deliver_from, first.deliver_to) == (dt.date(2023, 4, 1), dt.date(2023, 5, 1))
    second = BuyerOrder.objects.get(code="ST-7")
    assert (second.buyer_kind, second.quantity_kg, second.deliver_from, second.deliver_to) == (
        BuyerOrder.BuyerKind.CANTEEN,
        D("200.25"),
        dt.date(2023, 9, 1),
        dt.date(2023, 12, 31),
    )


def test_importing_the_orders_again_changes_nothing_and_a_new_price_updates(county, market):
    rows = order_rows(market)
    run(BuyerOrderImporter, county.clerk_a, county.coop_a, rows)
    before = list(BuyerOrder.objects.order_by("pk").values())
    again = run(BuyerOrderImporter, county.clerk_a, county.coop_a, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(BuyerOrder.objects.order_by("pk").values()) == before
    rows[1]["price"] = "2.2"
    changed = run(BuyerOrderImporter, county.clerk_a, county.coop_a, rows)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert BuyerOrder.objects.get(code="ST-7").price == D("2.20")


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"code": ""}, "code", ""),
        ({"buyer_kind": "批发商"}, "buyer_kind", ""),
        ({"product": "XX99"}, "product", "XX99"),
        ({"quantity_kg": "一千"}, "quantity_kg", ""),
        ({"price": -1}, "price", ""),
        ({"deliver_from": "4月1日"}, "deliver_from", "2023-03-01"),
        ({"deliver_to": "2023-03-01"}, "deliver_to", ""),
        ({"longitude": "27.59", "latitude": "120.55"}, "longitude", "27.59"),
        ({"code": "ST-7"}, "code", "2"),  # the same order number as row 2
    ],
)
def test_a_bad_order_row_is_named_and_nothing_is_written(county, market, bad, field, words):
    good, second = order_rows(market)
    rows = [second, good | bad]
    result = run(BuyerOrderImporter, county.clerk_a, county.coop_a, rows)
    assert not result.written and not BuyerOrder.objects.exists()
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, header(BuyerOrderImporter, field))]
    assert words in result.errors[0]["message"]


def test_an_allocated_order_keeps_its_product_and_allocated_quantity(county, market):
    rows = order_rows(market)
    run(BuyerOrderImporter, county.clerk_a, county.coop_a, rows)
    order = BuyerOrder.objects.get(code="LH-2023-001")
    plan = ProductionPlan.objects.create(
        organization=county.coop_a,
        village=county.village_a,
        product=market.tea,
        year=2023,
        season="spring",
        area_mu=D("20"),
        expected_kg=D("700"),
        latitude=D("27.6"),
        longitude=D("120.5"),
    )
    Allocation.objects.create(plan=plan, order=order, quantity_kg=D("700"), km=D("1.0"))
    rows[0] |= {"product": market.eggs.code}
    rows[1]["price"] = 3
    product = run(BuyerOrderImporter, county.clerk_a, county.coop_a, rows)
    assert [(e["row"], e["column"]) for e in product.errors] == [(2, header(BuyerOrderImporter, "product"))]
    rows[0] |= {"product": market.tea.code, "quantity_kg": 600}
    quantity = run(BuyerOrderImporter, county.clerk_a, county.coop_a, rows)
    assert [(e["row"], e["column"]) for e in quantity.errors] == [
        (2, header(BuyerOrderImporter, "quantity_kg"))
    ]
    assert "700" in quantity.errors[0]["message"]
    order.refresh_from_db()
    assert (order.product, order.quantity_kg) == (market.tea, D("1000"))
    assert BuyerOrder.objects.get(code="ST-7").price == D("2.00")


def test_the_same_order_number_in_another_organization_is_another_order(county, market):
    run(BuyerOrderImporter, county.clerk_a, county.coop_a, order_rows(market))
    rows = order_rows(market)
    rows[0]["quantity_kg"] = 5
    result = run(BuyerOrderImporter, county.clerk_b, county.coop_b, rows)
    assert result.ok and (result.created, result.updated) == (2, 0)
    assert BuyerOrder.objects.get(organization=county.coop_a, code="LH-2023-001").quantity_kg == D("1000")
    assert BuyerOrder.objects.get(organization=county.coop_b, code="LH-2023-001").quantity_kg == D("5")


# ---------------------------------------------------------------- who may import


@pytest.mark.parametrize(
    ("name", "list_url"),
    [("production_plans", "market:contract_plans"), ("buyer_orders", "market:contract_orders")],
)
def test_who_may_import_plans_and_orders(county, market, client_a, leader_client, name, list_url):
    assert 'data-testid="import"' in client_a.get(reverse(list_url)).content.decode()
    assert client_a.get(f"/base/imports/new/{name}/").status_code == 200
    template = client_a.get(f"/base/imports/template/{name}.xlsx")
    assert template.status_code == 200 and template["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    leader_page = leader_client.get(reverse(list_url))
    assert leader_page.status_code == 200 and 'data-testid="import"' not in leader_page.content.decode()
    assert leader_client.get(f"/base/imports/new/{name}/").status_code == 403
    rows = order_rows(market) if name == "buyer_orders" else []
    refused = leader_client.post(
        f"/base/imports/new/{name}/",
        {"organization": county.federation.pk, "file": xlsx(BuyerOrderImporter, rows)},
    )
    assert refused.status_code == 403 and not BuyerOrder.objects.exists()
    bookkeeper = Client()
    bookkeeper.force_login(make_user("bookkeeper_a", county.coop_a, roles.BOOKKEEPER))
    assert bookkeeper.get(f"/base/imports/new/{name}/").status_code == 403
    assert not ImportJob.objects.exists()


def test_coop_b_cannot_import_into_coop_a(county, market, client_b):
    response = client_b.post(
        "/base/imports/new/buyer_orders/",
        {"organization": county.coop_a.pk, "file": xlsx(BuyerOrderImporter, order_rows(market))},
    )
    assert response.status_code == 200  # the form refuses coop A, which B may not choose
    assert "organization" in response.context["form"].errors
    assert not ImportJob.objects.exists() and not BuyerOrder.objects.exists()
