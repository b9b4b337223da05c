"""The sales counter through its pages: search, cart, checkout with a real-name buyer, receipt, closing."""

import datetime as dt
from decimal import Decimal

from gongxiao.commerce.models import Document, Payment, StockMove
from gongxiao.commerce.stock import on_hand
from gongxiao.core.testing import make_ric
from gongxiao.members.tests.factories import member
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


# -- split payments ----------------------------------------------------------------------------------


def _two_bags(client, shop):
    base = f"/supply/counter/{shop.outlet.pk}"
    client.post(f"{base}/add/", {"product": shop.fertilizer.pk, "package": shop.bag.pk})
    return client.post(f"{base}/add/", {"product": shop.fertilizer.pk, "package": shop.bag.pk})


def _split(**amounts):
    return {f"pay_{method}": amount for method, amount in amounts.items()}


def test_a_sale_split_between_cash_and_mobile_payment(shop, client_a):
    # given two bags, 320.00 due
    assert "320.00" in _two_bags(client_a, shop).content.decode()
    # when the customer pays 100 in cash and the rest by phone
    response = client_a.post(
        f"/supply/counter/{shop.outlet.pk}/checkout/",
        {"method": "cash", **_split(cash="100", mobile="220.00")},
    )
    # then one sale with both payments, and the day expects only the cash in the drawer
    assert response.status_code == 302, response.content.decode()[:3000]
    sale = Document.objects.get(kind="sale")
    assert sorted(sale.payments.values_list("method", "amount")) == [
        ("cash", Decimal("100.00")),
        ("mobile", Decimal("220.00")),
    ]
    receipt = client_a.get(response["Location"]).content.decode()
    assert "现金" in receipt and "220.00" in receipt
    assert client_a.get(f"/supply/counter/{shop.outlet.pk}/closing/").context[
        "figures"
    ].expected_cash == Decimal("100.00")


def test_split_amounts_that_do_not_add_up_are_refused_and_nothing_is_written(shop, client_a):
    _two_bags(client_a, shop)
    moves = StockMove.objects.count()
    response = client_a.post(
        f"/supply/counter/{shop.outlet.pk}/checkout/",
        {"method": "cash", **_split(cash="100", bank_card="200")},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "已收 300.00 元" in body and "320.00 元" in body
    assert Document.objects.filter(kind="sale").count() == 0 and StockMove.objects.count() == moves
    assert Payment.objects.count() == 0
    # the clerk's amounts stay on the form, the split open, the cart kept
    assert 'value="200"' in body and "<details" in body and " open" in body
    assert len(client_a.get(f"/supply/counter/{shop.outlet.pk}/").context["cart"]) == 1


def test_a_malformed_amount_names_its_method(shop, client_a):
    _two_bags(client_a, shop)
    response = client_a.post(
        f"/supply/counter/{shop.outlet.pk}/checkout/", {**_split(cash="1OO", mobile="220.001")}
    )
    errors = response.context["checkout_errors"]
    assert len(errors) == 2 and "现金" in errors[0] and "移动支付" in errors[1]
    assert Document.objects.filter(kind="sale").count() == 0


def test_credit_without_a_member_is_refused(shop, client_a):
    _two_bags(client_a, shop)
    url = f"/supply/counter/{shop.outlet.pk}/checkout/"
    for posted in [{"method": "credit"}, {"method": "cash", **_split(cash="20", credit="300")}]:
        response = client_a.post(url, posted)
        assert response.status_code == 200
        assert any("赊销" in e for e in response.context["checkout_errors"]), response.context[
            "checkout_errors"
        ]
    assert Document.objects.filter(kind="sale").count() == 0 and Payment.objects.count() == 0


def test_credit_for_a_member_is_accepted(shop, client_a):
    farmer = member(shop.county, shop.county.coop_a, "李四", 7)
    _two_bags(client_a, shop)
    response = client_a.post(
        f"/supply/counter/{shop.outlet.pk}/checkout/",
        {"member": farmer.pk, "method": "cash", **_split(cash="20", credit="300")},
    )
    assert response.status_code == 302
    sale = Document.objects.get(kind="sale")
    assert sale.member == farmer
    assert sorted(sale.payments.values_list("method", "amount")) == [
        ("cash", Decimal("20.00")),
        ("credit", Decimal("300.00")),
    ]
