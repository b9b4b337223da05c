"""The receipt of a stall order: the counter's receipt (58 mm and A4) with the fair's heading."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from gongxiao.core import clock
from gongxiao.market import actions
from gongxiao.market.models import Channel, ChannelOrder
from gongxiao.market.testing import channel


@pytest.fixture
def fair(market):
    today = clock.today()
    return channel(
        market.county,
        market.county.coop_a,
        market.warehouse_a,
        "FAIR-A",
        name="年货节",
        venue="桥头镇文化广场",
        kind=Channel.Kind.EVENT,
        platform=Channel.Platform.NEW_YEAR_FAIR,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )


def _checkout(client, market, fair, **posted):
    """3 tea at 38.00, 10 eggs at 2.50 and 2 noodles at 12.80, checked out on the stall page."""
    base = f"/market/channels/{fair.pk}/stall"
    for product, quantity in [(market.tea, "3"), (market.eggs, "10"), (market.noodles, "2")]:
        client.post(f"{base}/add/", {"product": product.pk, "package": ""})
        index = len(client.session[f"stall-cart-{fair.pk}"]) - 1
        client.post(f"{base}/lines/{index}/", {"quantity": quantity})
    response = client.post(f"{base}/checkout/", {"method": "mobile", **posted})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ChannelOrder.objects.filter(channel=fair).latest("pk").order_no


def _receipt_url(fair, number, size="58"):
    return f"/market/channels/{fair.pk}/stall/orders/{number}/receipt/?size={size}"


def test_the_checkout_message_links_to_a_receipt_with_lines_total_and_capital_numerals(
    market, fair, client_a
):
    number = _checkout(client_a, market, fair, buyer="王大山")
    stall = client_a.get(f"/market/channels/{fair.pk}/stall/").content.decode()
    link = re.search(r'<a class="alert-link" href="([^"]+)" data-testid="receipt-link">', stall)
    assert link is not None, stall[:3000]
    assert link.group(1) == _receipt_url(fair, number)
    # the list of today's orders links to it as well
    assert f'data-testid="receipt-{number}"' in stall

    receipt = client_a.get(link.group(1))
    assert receipt.status_code == 200
    body = receipt.content.decode()
    assert number in body and "年货节" in body and "桥头镇文化广场" in body
    assert market.county.coop_a.name in body and "王大山" in body
    # the lines: 3 × 38.00 = 114.00, 10 × 2.50 = 25.00, 2 × 12.80 = 25.60
    for text in ["九蒸九晒姜茶", "114.00", "高山土鸡蛋", "25.00", "青山粉干", "25.60", "38.00", "12.80"]:
        assert text in body, text
    assert re.search(r'data-testid="receipt-total">\s*164\.60\s*<', body)
    assert re.search(r'data-testid="receipt-words">壹佰陆拾肆元陆角<', body)
    assert "移动支付：164.60" in body
    assert 'data-testid="receipt-refunded"' not in body
    ordered_at = ChannelOrder.objects.filter(order_no=number).first().ordered_at
    assert timezone.localtime(ordered_at).strftime("%Y-%m-%d %H:%M") in body


def test_the_receipt_prints_at_58_mm_and_on_a4_like_the_counters(market, fair, client_a):
    number = _checkout(client_a, market, fair)
    narrow = client_a.get(_receipt_url(fair, number)).content.decode()
    assert 'class="r58"' in narrow and ".r58 {" in narrow and "@media print" in narrow
    assert 'class="no-print' in narrow and 'data-testid="print"' in narrow
    assert f'href="/market/channels/{fair.pk}/stall/"' in narrow  # back to the stall, not the counter
    wide = client_a.get(_receipt_url(fair, number, "a4")).content.decode()
    assert 'class="a4"' in wide and 'class="table table-sm"' in wide
    assert "壹佰陆拾肆元陆角" in wide


def test_a_refunded_order_is_marked_refunded(market, fair, client_a):
    number = _checkout(client_a, market, fair)
    client_a.post(f"/market/channels/{fair.pk}/stall/cancel/", {"order_no": number, "reason": "顾客不要了"})
    assert not ChannelOrder.objects.filter(order_no=number, status="paid").exists()
    body = client_a.get(_receipt_url(fair, number)).content.decode()
    assert re.search(r'data-testid="receipt-refunded">已退款<', body), body
    assert re.search(r'data-testid="receipt-refund">已退款：164\.60<', body)
    # the receipt keeps what was sold
    assert "壹佰陆拾肆元陆角" in body


def test_a_receipt_of_an_order_already_posted_then_refunded(market, fair, client_a):
    sold = actions.sell_at_stall(
        market.county.clerk_a, fair, [actions.StallLine(market.tea, Decimal("2"))], "cash"
    )
    actions.post_pending(market.county.clerk_a, fair)
    actions.cancel_order(market.county.clerk_a, fair, sold[0].order_no, "茶叶受潮")
    body = client_a.get(_receipt_url(fair, sold[0].order_no)).content.decode()
    assert "已退款" in body and "现金：76.00" in body and "柒拾陆元整" in body


def test_another_organizations_clerk_and_the_leader_are_refused(
    market, fair, client_a, client_b, leader_client
):
    number = _checkout(client_a, market, fair)
    assert client_b.get(_receipt_url(fair, number)).status_code == 404
    assert leader_client.get(_receipt_url(fair, number)).status_code == 403
    # coop B's own fair does not show coop A's order either
    fair_b = channel(
        market.county,
        market.county.coop_b,
        market.warehouse_b,
        "FAIR-B",
        kind=Channel.Kind.EVENT,
        platform=Channel.Platform.NEW_YEAR_FAIR,
    )
    assert client_b.get(_receipt_url(fair_b, number)).status_code == 404
    assert client_a.get(_receipt_url(fair, "ZW-NOPE-1")).status_code == 404


def test_an_online_channel_has_no_stall_receipt(market, client_a):
    assert client_a.get(_receipt_url(market.channel_a, "X1")).status_code == 403
