"""A mall pushes its orders with the channel's token: validated like an import, recorded once."""

import json
from decimal import Decimal

from gongxiao.commerce.models import Document
from gongxiao.core.models import ApiToken
from gongxiao.market import actions
from gongxiao.market.models import ChannelOrder

URL = "/api/market/push/orders"


def _push(client, token, orders):
    return client.post(
        URL,
        json.dumps({"orders": orders}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _order(number, product="NT01", quantity=2, **extra):
    data = {
        "order_no": number,
        "ordered_at": "2022-05-01 10:00:00",
        "product": product,
        "quantity": quantity,
        "price": "38.00",
    }
    data.update(extra)
    return data


def _state():
    return list(ChannelOrder.objects.order_by("pk").values()), Document.objects.count()


def test_a_push_is_recorded_once_and_waits_to_be_posted(market, client):
    token = actions.issue_push_token(market.county.clerk_a, market.channel_a)
    orders = [_order("P1"), _order("P1", "NT02", 12, price="2.50"), _order("P2", buyer="李四")]
    first = _push(client, token, orders)
    second = _push(client, token, orders)
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 3, "updated": 0, "unchanged": 0, "waiting": 2}
    assert second.json() == {"created": 0, "updated": 0, "unchanged": 3, "waiting": 2}
    assert ChannelOrder.objects.filter(channel=market.channel_a, source="push").count() == 3
    assert not Document.objects.filter(kind="sale").exists()
    # the day's posting books them as one sale document, as the clerk who issued the token
    document = actions.post_pending(market.county.clerk_a, market.channel_a)
    assert document.total_amount == Decimal("76.00") * 2 + Decimal("30.00")
    assert set(ChannelOrder.objects.values_list("document_id", flat=True)) == {document.pk}


def test_a_pushed_refund_of_a_posted_order_reverses_it(market, client):
    token = actions.issue_push_token(market.county.clerk_a, market.channel_a)
    _push(client, token, [_order("P1"), _order("P2")])
    sale = actions.post_pending(market.county.clerk_a, market.channel_a)
    response = _push(client, token, [_order("P2", status="refunded")])
    assert response.json()["updated"] == 1
    sale.refresh_from_db()
    assert sale.status == "reversed"
    live = Document.objects.get(kind="sale", status="confirmed", reverses__isnull=True)
    assert live.total_amount == Decimal("76.00")


def test_a_bad_push_names_the_order_and_field_and_writes_nothing(market, client):
    token = actions.issue_push_token(market.county.clerk_a, market.channel_a)
    before = _state()
    response = _push(client, token, [_order("P1"), _order("P2", product="XX99"), _order("P3", quantity=0)])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["order"], e["order_no"], e["field"]) for e in errors] == [
        (2, "P2", "product"),
        (3, "P3", "quantity"),
    ]
    assert "XX99" in errors[0]["message"]
    assert _state() == before


def test_only_the_channels_own_token_is_accepted(market, client):
    token_a = actions.issue_push_token(market.county.clerk_a, market.channel_a)
    token_b = actions.issue_push_token(market.county.clerk_b, market.channel_b)
    _t, user_key = ApiToken.issue(market.county.clerk_a, "a user's token")
    before = _state()
    assert _push(client, "", [_order("X1")]).status_code == 401
    assert _push(client, user_key, [_order("X1")]).status_code == 401
    assert _push(client, "mk_" + "x" * 43, [_order("X1")]).status_code == 401
    assert _state() == before
    # a token pushes into its own channel only
    assert _push(client, token_b, [_order("X1")]).status_code == 200
    assert ChannelOrder.objects.get().channel == market.channel_b
    # a replaced or revoked token stops working
    actions.issue_push_token(market.county.clerk_a, market.channel_a)
    assert _push(client, token_a, [_order("X2")]).status_code == 401
    actions.revoke_push_token(market.county.clerk_b, market.channel_b)
    assert _push(client, token_b, [_order("X3")]).status_code == 401
    assert ChannelOrder.objects.count() == 1


def test_a_token_stops_working_when_its_issuer_may_no_longer_write(market, client):
    token = actions.issue_push_token(market.county.clerk_a, market.channel_a)
    market.county.clerk_a.is_active = False
    market.county.clerk_a.save()
    assert _push(client, token, [_order("X1")]).status_code == 401
    assert not ChannelOrder.objects.exists()
