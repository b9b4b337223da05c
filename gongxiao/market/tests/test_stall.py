"""A fair's stall: checkouts recorded at once, the day posted as one document with its payments."""

import datetime as dt
from decimal import Decimal

import pytest

from gongxiao.commerce.errors import InsufficientStock, TradeError
from gongxiao.commerce.models import Document, StockBalance
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
        kind=Channel.Kind.EVENT,
        platform=Channel.Platform.NEW_YEAR_FAIR,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )


def _sell(market, fair, method="mobile", **lines):
    products = {"tea": market.tea, "eggs": market.eggs, "noodles": market.noodles}
    return actions.sell_at_stall(
        market.county.clerk_a,
        fair,
        [actions.StallLine(products[name], Decimal(q)) for name, q in lines.items()],
        method,
    )


def _stock(market, product):
    return StockBalance.objects.get(location=market.warehouse_a, product=product).quantity


def test_checkouts_wait_and_the_closing_posts_them_with_their_payments(market, fair):
    first = _sell(market, fair, "mobile", tea=2, eggs=10)
    _sell(market, fair, "cash", noodles=1)
    assert len(first) == 2 and first[0].order_no == first[1].order_no
    assert _stock(market, market.tea) == Decimal("1000")  # nothing posted yet
    document = actions.post_pending(market.county.clerk_a, fair)
    assert document.channel == "fair" and document.total_amount == Decimal("113.80")
    assert {p.method: p.amount for p in document.payments.all()} == {
        "mobile": Decimal("101.00"),
        "cash": Decimal("12.80"),
    }
    assert _stock(market, market.tea) == Decimal("998")
    assert actions.post_pending(market.county.clerk_a, fair) is None


def test_a_refund_at_the_stall_before_and_after_the_closing(market, fair):
    waiting = _sell(market, fair, tea=1)[0]
    actions.cancel_order(market.county.clerk_a, fair, waiting.order_no, "顾客不要了")
    assert ChannelOrder.objects.get(pk=waiting.pk).status == "refunded"
    assert not Document.objects.filter(kind="sale").exists()
    posted = _sell(market, fair, "cash", eggs=4)[0]
    kept = _sell(market, fair, "mobile", noodles=1)[0]
    sale = actions.post_pending(market.county.clerk_a, fair)
    actions.cancel_order(market.county.clerk_a, fair, posted.order_no, "鸡蛋破损")
    sale.refresh_from_db()
    assert sale.status == "reversed"
    blue = Document.objects.get(kind="sale", status="confirmed", reverses__isnull=True)
    assert blue.total_amount == Decimal("12.80")
    assert [(p.method, p.amount) for p in blue.payments.all()] == [("mobile", Decimal("12.80"))]
    assert ChannelOrder.objects.get(pk=kept.pk).document_id == blue.pk
    assert _stock(market, market.eggs) == Decimal("1000")
    with pytest.raises(TradeError):
        actions.cancel_order(market.county.clerk_a, fair, posted.order_no, "again")


def test_refusals_write_nothing(market, fair):
    with pytest.raises(InsufficientStock):
        _sell(market, fair, tea=1001)
    with pytest.raises(TradeError):
        _sell(market, fair, "credit", tea=1)
    with pytest.raises(TradeError):
        actions.sell_at_stall(
            market.county.clerk_b, fair, [actions.StallLine(market.tea, Decimal(1))], "cash"
        )
    fair.ends_on = clock.today() - dt.timedelta(days=1)
    fair.starts_on = fair.ends_on - dt.timedelta(days=2)
    fair.save()
    with pytest.raises(TradeError):
        _sell(market, fair, tea=1)
    assert not ChannelOrder.objects.exists()


def test_the_stall_page_on_a_phone(market, fair, client_a):
    page = client_a.get(f"/market/channels/{fair.pk}/stall/")
    assert page.status_code == 200 and "NT01" in page.content.decode()
    client_a.post(f"/market/channels/{fair.pk}/stall/add/", {"product": market.tea.pk, "package": ""})
    cart = client_a.post(f"/market/channels/{fair.pk}/stall/lines/0/", {"quantity": "3"})
    assert "114.00" in cart.content.decode()
    done = client_a.post(
        f"/market/channels/{fair.pk}/stall/checkout/", {"method": "cash"}, HTTP_HX_REQUEST="true"
    )
    assert done.headers["HX-Redirect"] == f"/market/channels/{fair.pk}/stall/"
    order = ChannelOrder.objects.get()
    assert (order.quantity, order.amount, order.payment_method, order.source) == (
        Decimal("3"),
        Decimal("114.00"),
        "cash",
        "stall",
    )
    client_a.post(f"/market/channels/{fair.pk}/stall/close/")
    assert ChannelOrder.objects.get().document.total_amount == Decimal("114.00")
    empty = client_a.post(f"/market/channels/{fair.pk}/stall/checkout/", {"method": "cash"})
    assert empty.context.get("checkout_errors")


def test_one_product_at_two_prices_in_one_checkout_is_refused_naming_the_lines(market, fair):
    lines = [
        actions.StallLine(market.tea, Decimal(1), Decimal("38.00")),
        actions.StallLine(market.eggs, Decimal(10)),
        actions.StallLine(market.tea, Decimal(2), Decimal("35.00")),
    ]
    with pytest.raises(TradeError) as refused:
        actions.sell_at_stall(market.county.clerk_a, fair, lines, "cash")
    assert "3" in refused.value.messages[0] and "38" in refused.value.messages[0]
    assert not ChannelOrder.objects.exists()
    same_price = [actions.StallLine(market.tea, Decimal(1)), actions.StallLine(market.tea, Decimal(2))]
    (order,) = actions.sell_at_stall(market.county.clerk_a, fair, same_price, "cash")
    assert order.quantity == 3
