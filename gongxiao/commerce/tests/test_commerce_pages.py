"""Trade documents through the pages and the API: who may see, confirm and reverse them."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from gongxiao.commerce.models import Document, StockBalance
from gongxiao.commerce.stock import on_hand
from gongxiao.commerce.testing import receive
from gongxiao.core.models import ApiToken


def _draft_form(trade, quantity="2"):
    return {
        "kind": "sale",
        "location": trade.store_a.pk,
        "channel": "counter",
        "partner_name": "",
        "lines-TOTAL_FORMS": "6",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": trade.fertilizer.pk,
        "lines-0-package": trade.bag.pk,
        "lines-0-quantity": quantity,
        "lines-0-unit_price": "160",
    }


def test_clerk_enters_confirms_and_reverses_a_sale(trade, client_a):
    receive(trade, trade.store_a, trade.fertilizer, "1000", "3.00")
    response = client_a.post("/trade/documents/new/", _draft_form(trade))
    assert response.status_code == 302, response.content.decode()[-3000:]
    document = Document.objects.get(kind="sale")
    assert (document.status, document.total_amount) == ("draft", Decimal("320.00"))
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("1000")
    client_a.post(f"/trade/documents/{document.pk}/confirm/")
    document.refresh_from_db()
    assert document.status == "confirmed"
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("900")
    page = client_a.get(f"/trade/documents/{document.pk}/").content.decode()
    assert document.number in page and "320.00" in page
    client_a.post(f"/trade/documents/{document.pk}/reverse/", {"reason": "顾客退货"})
    document.refresh_from_db()
    assert document.status == "reversed"
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("1000")


def test_overselling_through_the_page_shows_the_message_and_changes_nothing(trade, client_a):
    receive(trade, trade.store_a, trade.fertilizer, "60", "3.00")
    client_a.post("/trade/documents/new/", _draft_form(trade, "2"))
    document = Document.objects.get(kind="sale")
    response = client_a.post(f"/trade/documents/{document.pk}/confirm/", follow=True)
    assert "库存不足" in response.content.decode()
    document.refresh_from_db()
    assert document.status == "draft"
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("60")


def test_clerk_b_can_neither_see_nor_touch_documents_of_coop_a(trade, client_b):
    purchase = receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    assert client_b.get(f"/trade/documents/{purchase.pk}/").status_code == 404
    assert client_b.post(f"/trade/documents/{purchase.pk}/reverse/", {"reason": "x"}).status_code == 404
    assert purchase.number not in client_b.get("/trade/documents/").content.decode()
    assert "桥头门店" not in client_b.get("/trade/stock/").content.decode()
    response = client_b.post("/trade/documents/new/", _draft_form(trade))
    assert response.status_code == 200 and "location" in response.context["header"].errors
    purchase.refresh_from_db()
    assert purchase.status == "confirmed"
    assert Document.objects.count() == 1


def test_leader_sees_but_cannot_confirm(trade, leader_client, client_a):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    client_a.post("/trade/documents/new/", _draft_form(trade, "1"))
    draft = Document.objects.get(kind="sale")
    assert leader_client.get(f"/trade/documents/{draft.pk}/").status_code == 200
    assert leader_client.post(f"/trade/documents/{draft.pk}/confirm/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_pages_open(trade, client_a):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    for url in [
        "/trade/products/",
        f"/trade/products/{trade.fertilizer.pk}/",
        "/trade/locations/",
        "/trade/stock/",
        "/trade/documents/",
        "/trade/documents/new/",
        "/trade/products/new/",
        "/trade/locations/new/",
    ]:
        assert client_a.get(url).status_code == 200, url


def _api(key):
    client = Client()

    def call(method, url, data=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}", "content_type": "application/json"}
        if data is None:
            return getattr(client, method)(url, **kwargs)
        return getattr(client, method)(url, json.dumps(data), **kwargs)

    return call


def test_api_sale_with_payment_and_reversal(trade):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    _token, key = ApiToken.issue(trade.county.clerk_a, "pos")
    call = _api(key)
    payload = {
        "kind": "sale",
        "location_id": trade.store_a.pk,
        "channel": "counter",
        "confirm": True,
        "lines": [
            {
                "product_id": trade.fertilizer.pk,
                "package_id": trade.bag.pk,
                "package_quantity": "1",
                "unit_price": "3.6",
            }
        ],
        "payments": [{"method": "mobile", "amount": "180.00"}],
    }
    created = call("post", "/api/documents", payload)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "confirmed" and body["lines"][0]["unit_cost"] == "3.0000"
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("50")
    too_much = dict(
        payload,
        lines=[{"product_id": trade.fertilizer.pk, "quantity": "51", "unit_price": "3.6"}],
        payments=[],
    )
    refused = call("post", "/api/documents", too_much)
    assert refused.status_code == 422 and "库存不足" in refused.json()["detail"]
    reversed_ = call("post", f"/api/documents/{body['id']}/reverse", {"reason": "退货"})
    assert reversed_.status_code == 200 and reversed_.json()["reverses_id"] == body["id"]
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("100")


def test_api_scope(trade):
    purchase = receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    _token, key_b = ApiToken.issue(trade.county.clerk_b, "b")
    call = _api(key_b)
    assert call("get", f"/api/documents/{purchase.pk}").status_code == 404
    assert call("post", f"/api/documents/{purchase.pk}/reverse", {"reason": "x"}).status_code == 404
    assert call("get", "/api/stock").json()["count"] == 0
    refused = call(
        "post",
        "/api/documents",
        {
            "kind": "sale",
            "location_id": trade.store_a.pk,
            "lines": [{"product_id": trade.fertilizer.pk, "quantity": "1"}],
        },
    )
    assert refused.status_code == 422
    assert Document.objects.count() == 1
    assert StockBalance.objects.get().quantity == Decimal("100")
    # the county catalog is visible to every coop
    assert call("get", "/api/products").json()["count"] == 2


@pytest.mark.parametrize("role_user", ["clerk_a"])
def test_store_clerk_role_may_sell_but_not_edit_products(trade, role_user):
    from gongxiao.core import roles
    from gongxiao.core.testing import make_user

    clerk = make_user("store_1", trade.county.coop_a, roles.STORE_CLERK)
    assert clerk.has_perm("commerce.confirm_document")
    assert not clerk.has_perm("commerce.change_product")
    assert not clerk.has_perm("commerce.reverse_document")
