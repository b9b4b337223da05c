"""A counter checkout through the API costs a bounded number of SQL statements (benchmarks/bench_counter.py).

The bench's sale: a bag of fertilizer by its package, two of a daily good, one pesticide with its
real-name buyer, paid in cash and by phone. If a change adds statements back, the bound fails;
raise it only knowingly (and say why in the commit).
"""

import datetime as dt
import json
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongxiao.commerce.actions import DocumentSpec, LineSpec, confirm_document, create_document
from gongxiao.commerce.integrity import stock_balances_match_moves
from gongxiao.commerce.models import Business, Category, Document, Product
from gongxiao.commerce.stock import on_hand
from gongxiao.commerce.testing import receive
from gongxiao.core.models import ApiToken
from gongxiao.core.testing import make_ric
from gongxiao.supply.models import PesticideSaleRecord

# One checkout of three lines: 14 statements (token with user and organization; permissions; outlet;
# products; packages; licence; balances locked; number; document; lines; payments; real-name record;
# balances; moves), and here the SAVEPOINT/RELEASE of the test's transaction. It was 42 (+2) before
# the draft round trip, the per-line licence lookups and the token's write went.
MAX_STATEMENTS = 16

BUYER = {
    "name": "王大山",
    "id_number": make_ric(dt.date(1985, 6, 1), 31),
    "address": "桥头镇上村 12 号",
    "phone": "13900000001",
    "crop": "水稻",
    "pest": "稻飞虱",
}


def _daily(shop):
    daily = Product.objects.create(
        organization=shop.county.federation,
        code="D001",
        name="洗衣粉",
        business=Business.CONSUMER_GOODS,
        category=Category.DAILY,
        base_unit="piece",
        price=Decimal("9.90"),
    )
    receive(shop, shop.store_a, daily, "100", "7.00")
    return daily


def _sale(shop, daily):
    """160.00 + 19.80 + 4.00 = 183.80 yuan, in cash and by phone."""
    return {
        "outlet_id": shop.outlet.pk,
        "lines": [
            {"product_id": shop.fertilizer.pk, "package_id": shop.bag.pk, "package_quantity": "1"},
            {"product_id": daily.pk, "quantity": "2"},
            {"product_id": shop.pesticide.pk, "quantity": "1", "buyer": BUYER},
        ],
        "payments": [{"method": "cash", "amount": "150.00"}, {"method": "mobile", "amount": "33.80"}],
    }


def _checkout(client, body):
    return client.post("/api/supply/checkout", body, content_type="application/json")


def test_a_three_line_checkout_stays_within_its_statement_budget(shop):
    # given: a token client that has already sold once (the token's last use is recent)
    daily = _daily(shop)
    key = ApiToken.issue(shop.county.clerk_a, "counter")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = json.dumps(_sale(shop, daily))
    assert _checkout(client, body).status_code == 201
    # when
    with CaptureQueriesContext(connection) as queries:
        response = _checkout(client, body)
    # then
    assert response.status_code == 201, response.content
    statements = [query["sql"] for query in queries.captured_queries]
    print(f"{len(statements)} statements:", *statements, sep="\n  ")
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    document = Document.objects.get(pk=response.json()["id"])
    assert document.status == Document.Status.CONFIRMED
    assert document.number.endswith("-000002")
    assert [(line.product_id, line.quantity) for line in document.lines.all()] == [
        (shop.fertilizer.pk, Decimal("50")),
        (daily.pk, Decimal("2")),
        (shop.pesticide.pk, Decimal("1")),
    ]
    assert document.moves.count() == 3
    assert PesticideSaleRecord.objects.filter(line__document=document).count() == 1
    assert on_hand(shop.store_a, daily) == Decimal("96")
    assert stock_balances_match_moves() == []


def test_more_pesticide_lines_cost_no_more_lookups(shop):
    """The store's licence is looked up once per sale, and the counter's own records are not asked for."""
    daily = _daily(shop)
    key = ApiToken.issue(shop.county.clerk_a, "counter")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    one = _sale(shop, daily)
    three = _sale(shop, daily)
    three["lines"] += [
        {"product_id": shop.pesticide.pk, "quantity": "2", "buyer": BUYER},
        {"product_id": shop.pesticide.pk, "quantity": "3", "buyer": BUYER},
    ]
    three["payments"][1]["amount"] = "53.80"
    assert _checkout(client, json.dumps(one)).status_code == 201
    counts = []
    for sale in (one, three):
        with CaptureQueriesContext(connection) as queries:
            response = _checkout(client, json.dumps(sale))
        assert response.status_code == 201, response.content
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert PesticideSaleRecord.objects.count() == 1 + 1 + 3


def test_a_drafts_pesticide_line_is_checked_against_the_records_in_the_database(shop):
    """A sale entered elsewhere as a draft gets its real-name record afterwards; confirming it finds it."""
    draft = create_document(
        shop.county.clerk_a,
        DocumentSpec(
            kind=Document.Kind.SALE,
            organization=shop.county.coop_a,
            location=shop.store_a,
            lines=[LineSpec(shop.pesticide, Decimal("2"))],
        ),
    )
    PesticideSaleRecord.objects.create(
        organization=shop.county.coop_a,
        line=draft.lines.get(),
        buyer_name="王大山",
        buyer_id_number=BUYER["id_number"],
        buyer_address="桥头镇上村 12 号",
        crop="水稻",
        pest="稻飞虱",
        created_by=shop.county.clerk_a,
    )
    confirmed = confirm_document(draft, shop.county.clerk_a)
    assert confirmed.status == Document.Status.CONFIRMED
    assert on_hand(shop.store_a, shop.pesticide) == Decimal("198")
