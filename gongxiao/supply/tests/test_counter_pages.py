"""The sales counter through its pages: search, cart, checkout with a real-name buyer, receipt, closing."""

import datetime as dt
from decimal import Decimal

from gongxiao.commerce.models import Document
from gongxiao.commerce.stock import on_hand
from gongxiao.core.testing import make_ric
from gongxiao.supply.models import CounterClosing, PesticideSaleRecord

BUYER = {
    "buyer_name": "王大山",
    "buyer_address": "桥头镇上村 12 号",
    "buyer_crop": "水稻",
    "buyer_pest": "稻飞虱",
}


def _fill_cart(client, shop):
    base = f"/supply/counter/{shop.outlet.pk}"
    client.post(f"{base}/add/", {"product": shop.fertilizer.pk, "package": shop.bag.pk})
    client.post(f"{base}/add/", {"product": shop.fertilizer.pk, "package": shop.bag.pk})
    return client.post(f"{base}/add/", {"product": shop.pesticide.pk, "package": ""})


def test_search_finds_by_pinyin_initials_and_code(shop, client_a):
    base = f"/supply/counter/{shop.outlet.pk}"
    assert "复合肥" in client_a.get(f"{base}/search/?q=fhf").content.decode()
    assert "吡虫啉" in client_a.get(f"{base}/search/?q=P001").content.decode()


def test_checkout_with_pesticide_buyer_prints_a_receipt_in_words(shop, client_a):
    cart = _fill_cart(client_a, shop).content.decode()
    assert "324.00" in cart  # 2 bags × 160.00 + 1 × 4.00
    response = client_a.post(
        f"/supply/counter/{shop.outlet.pk}/checkout/",
        {"method": "cash", **BUYER, "buyer_id_number": make_ric(dt.date(1985, 6, 1), 31)},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    sale = Document.objects.get(kind="sale")
    assert sale.total_amount == Decimal("324.00")
    assert PesticideSaleRecord.objects.get().line.product == shop.pesticide
    assert on_hand(shop.store_a, shop.fertilizer) == Decimal("900")
    receipt = client_a.get(response["Location"]).content.decode()
    assert "叁佰贰拾肆元整" in receipt and sale.number in receipt
    assert client_a.get(f"/supply/counter/{shop.outlet.pk}/").context["cart"] == []


def test_checkout_without_buyer_id_keeps_the_cart_and_sells_nothing(shop, client_a):
    _fill_cart(client_a, shop)
    response = client_a.post(f"/supply/counter/{shop.outlet.pk}/checkout/", {"method": "cash", **BUYER})
    body = response.content.decode()
    assert "身份证号码" in body and "必填" in body
    assert Document.objects.filter(kind="sale").count() == 0
    assert len(client_a.get(f"/supply/counter/{shop.outlet.pk}/").context["cart"]) == 2


def test_wrong_quantity_is_refused_with_the_line(shop, client_a):
    _fill_cart(client_a, shop)
    response = client_a.post(f"/supply/counter/{shop.outlet.pk}/lines/0/", {"quantity": "-2"})
    assert "第 1 行" in response.content.decode()


def test_daily_closing_compares_counted_cash(shop, client_a):
    client_a.post(
        f"/supply/counter/{shop.outlet.pk}/add/", {"product": shop.fertilizer.pk, "package": shop.bag.pk}
    )
    client_a.post(f"/supply/counter/{shop.outlet.pk}/checkout/", {"method": "cash"})
    page = client_a.get(f"/supply/counter/{shop.outlet.pk}/closing/")
    assert page.context["figures"].expected_cash == Decimal("160.00")
    refused = client_a.post(f"/supply/counter/{shop.outlet.pk}/closing/", {"counted_cash": "150"})
    assert "说明" in refused.content.decode() or "原因" in refused.content.decode()
    assert CounterClosing.objects.count() == 0
    client_a.post(f"/supply/counter/{shop.outlet.pk}/closing/", {"counted_cash": "150", "note": "找零差错"})
    closing = CounterClosing.objects.get()
    assert (closing.expected_cash, closing.counted_cash, closing.difference) == (
        Decimal("160.00"),
        Decimal("150"),
        Decimal("-10.00"),
    )
    client_a.post(f"/supply/counter/{shop.outlet.pk}/closing/", {"counted_cash": "160"})
    assert CounterClosing.objects.count() == 1


def test_clerk_b_cannot_use_coop_a_counter(shop, client_b):
    assert client_b.get(f"/supply/counter/{shop.outlet.pk}/").status_code == 404
    assert client_b.post(f"/supply/counter/{shop.outlet.pk}/checkout/", {"method": "cash"}).status_code == 404
    assert client_b.get(f"/supply/counter/{shop.outlet.pk}/closing/").status_code == 404


def test_leader_cannot_sell(shop, leader_client):
    assert leader_client.get(f"/supply/counter/{shop.outlet.pk}/").status_code == 403
