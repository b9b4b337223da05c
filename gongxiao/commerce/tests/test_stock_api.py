"""The stock-on-hand API (/api/stock): each balance with its location's and product's codes, in scope."""

from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.models import Batch, Document
from gongxiao.commerce.testing import receive
from gongxiao.core.models import ApiToken


def _get(user, **params):
    _token, key = ApiToken.issue(user, "stock")
    response = Client().get("/api/stock", params, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    return response.json()


def _stock(trade):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    batch = Batch.objects.create(product=trade.seed, batch_no="2024-03")
    create_and_confirm(
        trade.county.clerk_a,
        DocumentSpec(
            kind=Document.Kind.PURCHASE,
            organization=trade.county.coop_a,
            location=trade.warehouse_a,
            partner_name="种子公司",
            lines=[LineSpec(trade.seed, Decimal("5"), unit_price=Decimal("60"), batch=batch)],
        ),
    )
    receive(trade, trade.store_b, trade.fertilizer, "40", "3.10")
    return batch


def test_stock_api_gives_each_balance_with_codes_and_only_the_clerks_own_locations(trade):
    batch = _stock(trade)
    body = _get(trade.county.clerk_a)
    assert body["count"] == 2
    assert body["items"] == [
        {
            "location_id": trade.store_a.pk,
            "location_code": "A-ST",
            "product_id": trade.fertilizer.pk,
            "product_code": "F001",
            "batch_id": None,
            "quantity": "100.000",
            "value": "300.00",
        },
        {
            "location_id": trade.warehouse_a.pk,
            "location_code": "A-WH",
            "product_id": trade.seed.pk,
            "product_code": "S001",
            "batch_id": batch.pk,
            "quantity": "5.000",
            "value": "300.00",
        },
    ]
    assert [item["location_code"] for item in _get(trade.county.clerk_b)["items"]] == ["B-ST"]
    assert _get(trade.county.leader)["count"] == 3


def test_stock_api_filters_by_location_and_product(trade):
    _stock(trade)
    leader = trade.county.leader
    by_location = _get(leader, location_id=trade.store_b.pk)["items"]
    assert [(i["location_code"], i["quantity"]) for i in by_location] == [("B-ST", "40.000")]
    by_product = _get(leader, product_id=trade.fertilizer.pk)["items"]
    assert [i["location_code"] for i in by_product] == ["A-ST", "B-ST"]
    # another coop's location gives nothing, not that coop's stock
    assert _get(trade.county.clerk_a, location_id=trade.store_b.pk) == {"items": [], "count": 0}


def test_stock_api_sends_as_many_queries_for_many_rows_as_for_one(trade):
    _token, key = ApiToken.issue(trade.county.leader, "stock")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    receive(trade, trade.store_a, trade.seed, "1", "60")
    client.get("/api/stock")  # the token's first use writes its last_used_at; later ones need not
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/stock").json()["count"] == 1
    _stock(trade)
    with CaptureQueriesContext(connection) as four:
        assert client.get("/api/stock").json()["count"] == 4
    assert len(four) == len(one)


def test_stock_api_pages_follow_one_another_in_order_and_end_empty(trade):
    _stock(trade)
    pages = [_get(trade.county.leader, page=number, page_size=2) for number in (1, 2, 3)]
    assert [page["count"] for page in pages] == [3, 3, 3]
    assert [(i["location_code"], i["product_code"]) for page in pages for i in page["items"]] == [
        ("A-ST", "F001"),
        ("A-WH", "S001"),
        ("B-ST", "F001"),
    ]
    assert pages[2]["items"] == []


def test_a_store_reads_its_whole_stock_in_one_page_of_up_to_a_thousand(trade):
    from gongxiao.commerce.models import Product, StockBalance

    products = Product.objects.bulk_create(
        Product(
            organization=trade.county.federation, code=f"X{n:04d}", name=f"商品{n}", business="agri_input"
        )
        for n in range(300)
    )
    StockBalance.objects.bulk_create(
        StockBalance(location=trade.store_a, product=p, quantity=Decimal("1"), value=Decimal("1"))
        for p in products
    )
    assert len(_get(trade.county.clerk_a, page_size=250)["items"]) == 250
    whole = _get(trade.county.clerk_a, page_size=5000)
    assert len(whole["items"]) == whole["count"] == 300
    assert _get(trade.county.clerk_b, page_size=1000) == {"items": [], "count": 0}
