"""The agri-input API: counter checkout (split payments, every refusal writes nothing), the counter's day,
the pesticide sales ledger, licences and chain stores, and who may see and do what."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.models import (
    Batch,
    Business,
    Category,
    Document,
    DocumentLine,
    Payment,
    Product,
    StockBalance,
    StockMove,
)
from gongxiao.commerce.stock import on_hand
from gongxiao.core import clock
from gongxiao.core.models import ApiToken
from gongxiao.core.testing import make_ric
from gongxiao.members.tests.factories import member
from gongxiao.network.models import Outlet
from gongxiao.supply.models import (
    CounterClosing,
    PesticideLicence,
    PesticideSaleRecord,
    UnificationAssessment,
)

BUYER = {
    "name": "王大山",
    "id_number": make_ric(dt.date(1985, 6, 1), 31),
    "address": "桥头镇上村 12 号",
    "phone": "13900000001",
    "crop": "水稻",
    "pest": "稻飞虱",
}


def _key(user):
    return ApiToken.issue(user, "test")[1]


def _post(url, data, key=None, client=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return (client or Client()).post(url, json.dumps(data), content_type="application/json", **headers)


def _get(url, key=None, client=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return (client or Client()).get(url, **headers)


def _sale(shop, lines=None, payments=None, **extra):
    """2 bags of fertilizer (100 kg × 3.20) and 3 pesticides (× 4.00) with their buyer: 332.00 yuan."""
    data = {
        "outlet_id": shop.outlet.pk,
        "lines": lines
        if lines is not None
        else [
            {"product_id": shop.fertilizer.pk, "package_id": shop.bag.pk, "package_quantity": "2"},
            {"product_id": shop.pesticide.pk, "quantity": "3", "buyer": BUYER},
        ],
        "payments": payments if payments is not None else [{"method": "cash", "amount": "332.00"}],
    }
    data.update(extra)
    return data


def _written():
    """Everything a checkout writes, to prove that a refused one wrote nothing."""
    return {
        "documents": Document.objects.count(),
        "lines": DocumentLine.objects.count(),
        "payments": Payment.objects.count(),
        "moves": StockMove.objects.count(),
        "records": PesticideSaleRecord.objects.count(),
        "balances": sorted(StockBalance.objects.values_list("pk", "quantity", "value")),
    }


# ---------------------------------------------------------------- checkout


def test_checkout_confirms_the_sale_moves_stock_and_records_the_buyer(shop):
    # given
    key = _key(shop.county.clerk_a)
    # when
    response = _post("/api/supply/checkout", _sale(shop), key)
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["number"].startswith("XS-QS-A-")
    assert body["channel"] == "counter"
    assert Decimal(body["total_amount"]) == Decimal("332.00")
    assert [(line["product_id"], Decimal(line["quantity"])) for line in body["lines"]] == [
        (shop.fertilizer.pk, Decimal("100")),
        (shop.pesticide.pk, Decimal("3")),
    ]
    assert on_hand(shop.store_a, shop.fertilizer) == Decimal("900")
    assert on_hand(shop.store_a, shop.pesticide) == Decimal("197")
    record = PesticideSaleRecord.objects.get()
    assert (record.buyer_name, record.buyer_id_number, record.crop, record.pest) == (
        "王大山",
        BUYER["id_number"],
        "水稻",
        "稻飞虱",
    )
    assert record.line.document_id == body["id"]
    assert record.organization == shop.county.coop_a


def test_split_payment_is_kept_per_method(shop):
    payments = [{"method": "cash", "amount": "300.00"}, {"method": "mobile", "amount": "32.00"}]
    response = _post("/api/supply/checkout", _sale(shop, payments=payments), _key(shop.county.clerk_a))
    assert response.status_code == 201, response.content
    assert sorted((p["method"], Decimal(p["amount"])) for p in response.json()["payments"]) == [
        ("cash", Decimal("300.00")),
        ("mobile", Decimal("32.00")),
    ]
    assert sorted(Payment.objects.values_list("method", "amount")) == [
        ("cash", Decimal("300.00")),
        ("mobile", Decimal("32.00")),
    ]


def test_payments_that_do_not_add_up_are_refused(shop):
    before = _written()
    payments = [{"method": "cash", "amount": "300.00"}, {"method": "mobile", "amount": "30.00"}]
    response = _post("/api/supply/checkout", _sale(shop, payments=payments), _key(shop.county.clerk_a))
    assert response.status_code == 422
    assert "已收 330.00 元，单据合计 332.00 元" in response.json()["detail"]
    assert _written() == before


def test_a_checkout_needs_a_payment(shop):
    before = _written()
    response = _post("/api/supply/checkout", _sale(shop, payments=[]), _key(shop.county.clerk_a))
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"]
    assert _written() == before


def test_credit_is_only_for_a_member(shop):
    before = _written()
    credit = [{"method": "credit", "amount": "332.00"}]
    response = _post("/api/supply/checkout", _sale(shop, payments=credit), _key(shop.county.clerk_a))
    assert response.status_code == 422
    assert "赊" in response.json()["detail"] or "credit" in response.json()["detail"]
    assert _written() == before
    buyer = member(shop.county, shop.county.coop_a)
    sale = _sale(shop, payments=credit, member_id=buyer.pk)
    assert _post("/api/supply/checkout", sale, _key(shop.county.clerk_a)).status_code == 201


def test_member_is_recorded_on_the_sale(shop):
    buyer = member(shop.county, shop.county.coop_a)
    response = _post("/api/supply/checkout", _sale(shop, member_id=buyer.pk), _key(shop.county.clerk_a))
    assert response.status_code == 201, response.content
    assert response.json()["member_id"] == buyer.pk


def test_another_coops_member_is_refused(shop):
    outsider = member(shop.county, shop.county.coop_b)
    before = _written()
    response = _post("/api/supply/checkout", _sale(shop, member_id=outsider.pk), _key(shop.county.clerk_a))
    assert response.status_code == 422
    assert "会员" in response.json()["detail"] and "无权查看" in response.json()["detail"]
    assert _written() == before


def _total(lines):
    total = Decimal("0")
    for line in lines:
        product = Product.objects.get(pk=line["product_id"])
        quantity = Decimal(line.get("quantity") or 0)
        if line.get("package_id"):
            quantity = Decimal(line["package_quantity"]) * product.packages.get(pk=line["package_id"]).factor
        total += (quantity * product.price).quantize(Decimal("0.01"))
    return total


def _banned(shop):
    shop.pesticide.is_banned = True
    shop.pesticide.save()
    return [{"product_id": shop.pesticide.pk, "quantity": "1", "buyer": BUYER}]


def _expired_batch(shop):
    daily = Product.objects.create(
        organization=shop.county.federation,
        code="D001",
        name="洗衣粉",
        business=Business.CONSUMER_GOODS,
        category=Category.DAILY,
        base_unit="piece",
        price=Decimal("9.90"),
        tracks_batches=True,
    )
    batch = Batch.objects.create(product=daily, batch_no="20200101", expires_on=dt.date(2021, 1, 1))
    create_and_confirm(
        shop.county.clerk_a,
        DocumentSpec(
            kind="purchase",
            organization=shop.county.coop_a,
            location=shop.store_a,
            lines=[LineSpec(daily, Decimal("10"), unit_price=Decimal("6"), batch=batch)],
        ),
    )
    return [
        {"product_id": shop.fertilizer.pk, "quantity": "1"},
        {"product_id": daily.pk, "quantity": "1", "batch_id": batch.pk},
    ]


def _no_stock(shop):
    return [
        {"product_id": shop.fertilizer.pk, "quantity": "1"},
        {"product_id": shop.fertilizer.pk, "package_id": shop.bag.pk, "package_quantity": "20"},
    ]


def _no_licence(shop):
    shop.licence.valid_to = dt.date(2022, 12, 31)
    shop.licence.save()
    return [{"product_id": shop.pesticide.pk, "quantity": "1", "buyer": BUYER}]


def _restricted(shop):
    return [{"product_id": shop.restricted.pk, "quantity": "1", "buyer": BUYER}]


def _no_buyer(shop):
    return [
        {"product_id": shop.fertilizer.pk, "quantity": "1"},
        {"product_id": shop.pesticide.pk, "quantity": "1"},
    ]


def _no_buyer_id(shop):
    return [{"product_id": shop.pesticide.pk, "quantity": "1", "buyer": {**BUYER, "id_number": ""}}]


def _wrong_buyer_id(shop):
    wrong = BUYER["id_number"][:-1] + ("0" if BUYER["id_number"][-1] != "0" else "1")
    return [{"product_id": shop.pesticide.pk, "quantity": "1", "buyer": {**BUYER, "id_number": wrong}}]


def _invisible_product(shop):
    theirs = Product.objects.create(
        organization=shop.county.coop_b,
        code="B001",
        name="溪口土特产",
        business=Business.FARM_PRODUCE,
        category=Category.PROCESSED,
        price=Decimal("10"),
    )
    return [{"product_id": theirs.pk, "quantity": "1"}]


def _no_quantity(shop):
    return [{"product_id": shop.fertilizer.pk}, {"product_id": shop.fertilizer.pk, "quantity": "1"}]


@pytest.mark.parametrize(
    "make_lines,status,expected",
    [
        (_banned, 422, ["第 1 行", "禁用产品，不得销售"]),
        (_expired_batch, 422, ["第 2 行“批次”", "批次 20200101 已于 2021-01-01 过期"]),
        (_no_stock, 409, ["第 2 行“数量”", "库存不足：现有 999 千克，需要 1000 千克"]),
        (_no_licence, 422, ["第 1 行", "没有有效的农药经营许可证"]),
        (_restricted, 422, ["第 1 行", "不含限制使用农药"]),
        (_no_buyer, 422, ["第 2 行", "实名"]),
        (_no_buyer_id, 422, ["第 1 行“购买人身份证号码”：必填"]),
        (_wrong_buyer_id, 422, ["第 1 行“购买人身份证号码”", "校验位不正确"]),
        (_invisible_product, 422, ["第 1 行“商品”", "不存在，或您无权查看"]),
        (_no_quantity, 422, ["第 1 行“数量”：必填"]),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_refused_checkout_says_which_line_and_writes_nothing(shop, make_lines, status, expected):
    # given
    lines = make_lines(shop)
    key = _key(shop.county.clerk_a)
    before = _written()
    stock_before = {
        p.pk: on_hand(shop.store_a, p) for p in (shop.fertilizer, shop.pesticide, shop.restricted)
    }
    # when: paid in full, so that only the refusal under test can stop the sale
    payments = [{"method": "cash", "amount": str(_total(lines))}]
    response = _post("/api/supply/checkout", _sale(shop, lines=lines, payments=payments), key)
    # then
    assert response.status_code == status, response.content.decode()
    body = response.json()
    messages = [error["message"] for error in body["errors"]]
    assert any(all(part in message for part in expected) for message in messages), messages
    assert all(message in body["detail"] for message in messages)
    assert not any("收款" in message for message in messages), messages
    assert _written() == before
    assert {p.pk: on_hand(shop.store_a, p) for p in (shop.fertilizer, shop.pesticide, shop.restricted)} == (
        stock_before
    )


def test_schema_errors_name_the_field_in_chinese(shop):
    data = _sale(shop, payments=[{"method": "barter", "amount": "332.00"}])
    response = _post("/api/supply/checkout", data, _key(shop.county.clerk_a))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "payments.0.method"
    assert "不是可选的值" in response.json()["errors"][0]["message"]
    assert Document.objects.filter(kind="sale").count() == 0


# ---------------------------------------------------------------- the counter's day


def _sell_split(shop, key):
    payments = [{"method": "cash", "amount": "300.00"}, {"method": "mobile", "amount": "32.00"}]
    response = _post("/api/supply/checkout", _sale(shop, payments=payments), key)
    assert response.status_code == 201, response.content


def test_day_figures_count_sales_and_payments_by_method(shop):
    key = _key(shop.county.clerk_a)
    _sell_split(shop, key)
    body = _get(f"/api/supply/outlets/{shop.outlet.pk}/day", key).json()
    assert body["sales_count"] == 1
    assert Decimal(body["sales_total"]) == Decimal("332.00")
    assert {k: Decimal(v) for k, v in body["by_method"].items()} == {
        "cash": Decimal("300.00"),
        "mobile": Decimal("32.00"),
    }
    assert Decimal(body["expected_cash"]) == Decimal("300.00")
    assert body["closing"] is None
    yesterday = clock.today() - dt.timedelta(days=1)
    earlier = _get(f"/api/supply/outlets/{shop.outlet.pk}/day?date={yesterday.isoformat()}", key).json()
    assert (earlier["date"], earlier["sales_count"], earlier["by_method"]) == (yesterday.isoformat(), 0, {})


def test_closing_needs_a_note_for_a_difference_and_happens_once(shop):
    key = _key(shop.county.clerk_a)
    _sell_split(shop, key)
    url = f"/api/supply/outlets/{shop.outlet.pk}/closing"
    refused = _post(url, {"counted_cash": "290.00"}, key)
    assert refused.status_code == 422
    assert "备注" in refused.json()["detail"]
    assert CounterClosing.objects.count() == 0
    closed = _post(url, {"counted_cash": "290.00", "note": "找零差错"}, key)
    assert closed.status_code == 201, closed.content
    assert Decimal(closed.json()["difference"]) == Decimal("-10.00")
    again = _post(url, {"counted_cash": "300.00"}, key)
    assert again.status_code == 409
    assert "已经日结" in again.json()["detail"]
    assert CounterClosing.objects.get().counted_cash == Decimal("290.00")
    day = _get(f"/api/supply/outlets/{shop.outlet.pk}/day", key).json()
    assert Decimal(day["closing"]["counted_cash"]) == Decimal("290.00")


# ---------------------------------------------------------------- ledger, licences, chain stores


def test_pesticide_sales_ledger_filters_by_date_and_outlet(shop):
    key = _key(shop.county.clerk_a)
    _sell_split(shop, key)
    rows = _get("/api/supply/pesticide-sales", key).json()["items"]
    assert [
        (r["product_name"], r["registration_no"], Decimal(r["quantity"]), r["buyer_name"]) for r in rows
    ] == [("吡虫啉", "PD20050011", Decimal("3"), "王大山")]
    assert rows[0]["date"] == clock.today().isoformat()
    today, tomorrow = clock.today(), clock.today() + dt.timedelta(days=1)
    assert _get(f"/api/supply/pesticide-sales?date_from={today}&date_to={today}", key).json()["count"] == 1
    assert _get(f"/api/supply/pesticide-sales?date_from={tomorrow}", key).json()["count"] == 0
    assert _get(f"/api/supply/pesticide-sales?outlet_id={shop.outlet.pk}", key).json()["count"] == 1
    other = Outlet.objects.create(
        organization=shop.county.coop_a,
        code="CS-02",
        name="桥头仓库门市",
        kind=Outlet.Kind.CHAIN_STORE,
        region=shop.county.town,
        location=shop.warehouse_a,
    )
    assert _get(f"/api/supply/pesticide-sales?outlet_id={other.pk}", key).json()["count"] == 0


def test_licences_warn_before_expiry_by_the_setting(shop, settings):
    settings.LICENCE_WARNING_DAYS = 60
    shop.licence.valid_to = clock.today() + dt.timedelta(days=45)
    shop.licence.save()
    later = PesticideLicence.objects.create(
        outlet=shop.outlet,
        number="农药经许（浙）33032700002",
        valid_from=clock.today(),
        valid_to=clock.today() + dt.timedelta(days=61),
    )
    old = PesticideLicence.objects.create(
        outlet=shop.outlet,
        number="农药经许（浙）33032700000",
        valid_from=dt.date(2015, 1, 1),
        valid_to=dt.date(2019, 12, 31),
    )
    rows = {r["id"]: r for r in _get("/api/supply/licences", _key(shop.county.clerk_a)).json()}
    assert (rows[shop.licence.pk]["days_left"], rows[shop.licence.pk]["warning"]) == (45, True)
    assert (rows[later.pk]["days_left"], rows[later.pk]["warning"], rows[later.pk]["expired"]) == (
        61,
        False,
        False,
    )
    assert (rows[old.pk]["expired"], rows[old.pk]["warning"]) == (True, True)
    assert rows[old.pk]["outlet_name"] == shop.outlet.name


def test_chain_stores_show_unifications_met_and_distribution_ratio(shop):
    UnificationAssessment.objects.create(
        outlet=shop.outlet,
        assessed_on=dt.date(2022, 11, 15),
        assessed_by="业务科",
        signage=True,
        rules=True,
        zoning=True,
        distribution=True,
        sales_system=False,
    )
    UnificationAssessment.objects.create(
        outlet=shop.outlet, assessed_on=dt.date(2021, 5, 1), assessed_by="业务科", signage=True
    )
    key = _key(shop.county.clerk_a)
    [store] = _get(f"/api/supply/chain-stores?year={clock.today().year}", key).json()
    assert (store["code"], store["assessment"]["met"], store["assessment"]["meets_all"]) == (
        "CS-01",
        4,
        False,
    )
    assert store["assessment"]["assessed_on"] == "2022-11-15"
    # the fixture's three fertilizer and pesticide lines were bought by the store itself
    assert Decimal(store["distribution_ratio"]) == Decimal("0")
    assert (Decimal(store["distribution_target"]), store["meets_distribution_target"]) == (
        Decimal("0.70"),
        False,
    )
    [last_year] = _get(f"/api/supply/chain-stores?year={clock.today().year - 1}", key).json()
    assert last_year["distribution_ratio"] is None


# ---------------------------------------------------------------- who may see and do what


@pytest.mark.parametrize(
    "method,url",
    [
        ("post", "/api/supply/checkout"),
        ("get", "/api/supply/outlets/{outlet}/day"),
        ("post", "/api/supply/outlets/{outlet}/closing"),
        ("get", "/api/supply/pesticide-sales"),
        ("get", "/api/supply/licences"),
        ("get", "/api/supply/chain-stores"),
    ],
)
def test_anonymous_gets_401_and_writes_nothing(shop, method, url):
    before = _written()
    url = url.format(outlet=shop.outlet.pk)
    if method == "post":
        response = _post(url, _sale(shop) if url.endswith("checkout") else {"counted_cash": "0"})
    else:
        response = _get(url)
    assert response.status_code == 401
    assert "登录" in response.json()["detail"] or "令牌" in response.json()["detail"]
    assert _written() == before
    assert CounterClosing.objects.count() == 0


def test_clerk_b_cannot_sell_or_close_at_coop_a_store(shop):
    key = _key(shop.county.clerk_b)
    before = _written()
    checkout = _post("/api/supply/checkout", _sale(shop), key)
    closing = _post(f"/api/supply/outlets/{shop.outlet.pk}/closing", {"counted_cash": "0"}, key)
    day = _get(f"/api/supply/outlets/{shop.outlet.pk}/day", key)
    assert (checkout.status_code, closing.status_code, day.status_code) == (404, 404, 404)
    assert _written() == before
    assert CounterClosing.objects.count() == 0


def test_clerk_b_sees_none_of_coop_a_records(shop):
    _sell_split(shop, _key(shop.county.clerk_a))
    key = _key(shop.county.clerk_b)
    assert _get("/api/supply/pesticide-sales", key).json()["count"] == 0
    assert _get(f"/api/supply/pesticide-sales?outlet_id={shop.outlet.pk}", key).status_code == 404
    assert _get("/api/supply/licences", key).json() == []
    assert _get("/api/supply/chain-stores", key).json() == []


def test_leader_sees_everything_and_sells_nothing(shop):
    _sell_split(shop, _key(shop.county.clerk_a))
    key = _key(shop.county.leader)
    before = _written()
    response = _post("/api/supply/checkout", _sale(shop), key)
    assert response.status_code == 403
    assert "无权" in response.json()["detail"]
    assert _written() == before
    assert (
        _post(f"/api/supply/outlets/{shop.outlet.pk}/closing", {"counted_cash": "300"}, key).status_code
        == 403
    )
    assert CounterClosing.objects.count() == 0
    assert _get("/api/supply/pesticide-sales", key).json()["count"] == 1
    assert _get(f"/api/supply/outlets/{shop.outlet.pk}/day", key).json()["sales_count"] == 1
    assert [r["number"] for r in _get("/api/supply/licences", key).json()] == [shop.licence.number]
    assert [s["code"] for s in _get("/api/supply/chain-stores", key).json()] == ["CS-01"]


def test_revoked_token_is_refused(shop):
    token, key = ApiToken.issue(shop.county.clerk_a, "counter")
    token.revoke()
    assert _post("/api/supply/checkout", _sale(shop), key).status_code == 401
    assert Document.objects.filter(kind="sale").count() == 0


def test_session_checkout_needs_csrf(shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(shop.county.clerk_a)
    before = _written()
    response = _post("/api/supply/checkout", _sale(shop), client=client)
    assert response.status_code in (401, 403)
    assert _written() == before


def test_session_login_works_for_reads(shop, client_a):
    assert _get("/api/supply/licences", client=client_a).status_code == 200
    assert "/api/supply/checkout" in client_a.get("/api/openapi.json").json()["paths"]
