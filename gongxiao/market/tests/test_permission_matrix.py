"""Who may see and change coop A's channels, orders, brands and stall: the county leader, clerk A,
clerk B, a store clerk of A and an anonymous visitor. Every page and API operation is tried; a
refused write changes nothing."""

import datetime as dt
import io
import json

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from gongxiao.commerce.models import Document
from gongxiao.core import clock, roles
from gongxiao.core.excel import IMPORTERS, run_import
from gongxiao.core.testing import make_user
from gongxiao.market.models import Brand, Channel, ChannelOrder
from gongxiao.market.testing import channel, order_file, order_row


@pytest.fixture
def world(market):
    county = market.county
    for ch, user, number in [
        (market.channel_a, county.clerk_a, "AAA-1"),
        (market.channel_b, county.clerk_b, "BBB-1"),
    ]:
        result = run_import(
            IMPORTERS[f"channel_orders:{ch.pk}"](user),
            order_file([order_row(number, market.tea, 1)]),
            dry_run=False,
        )
        assert result.ok
    today = clock.today()
    fair = channel(
        county,
        county.coop_a,
        market.warehouse_a,
        "FAIR-A",
        name="桥头年货节",
        kind=Channel.Kind.EVENT,
        platform=Channel.Platform.NEW_YEAR_FAIR,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    brand = Brand.objects.create(organization=county.coop_a, name="桥头鲜")
    brand.products.set([market.tea])
    return market, fair, brand


def _snapshot():
    return (
        list(Channel.objects.order_by("pk").values()),
        list(ChannelOrder.objects.order_by("pk").values()),
        list(Brand.objects.order_by("pk").values()),
        list(Document.objects.order_by("pk").values("pk", "status")),
    )


def _exported(response) -> str:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    return json.dumps(sheet, ensure_ascii=False, default=str)


@pytest.mark.parametrize(
    "who,sees_a,sees_b", [("leader", True, True), ("a", True, False), ("b", False, True)]
)
def test_lists_details_and_exports(world, leader_client, client_a, client_b, who, sees_a, sees_b):
    market, fair, brand = world
    client = {"leader": leader_client, "a": client_a, "b": client_b}[who]
    a, b = market.channel_a, market.channel_b
    channels = client.get("/market/").content.decode()
    assert (a.name in channels, b.name in channels) == (sees_a, sees_b)
    assert (a.name in _exported(client.get("/market/?export=xlsx"))) is sees_a
    assert (fair.name in client.get("/market/events/").content.decode()) is sees_a
    orders = client.get("/market/orders/").content.decode()
    assert ("AAA-1" in orders, "BBB-1" in orders) == (sees_a, sees_b)
    assert ("AAA-1" in _exported(client.get("/market/orders/?export=xlsx"))) is sees_a
    assert (brand.name in client.get("/market/brands/").content.decode()) is sees_a
    status = 200 if sees_a else 404
    assert client.get(f"/market/channels/{a.pk}/").status_code == status
    assert client.get(f"/market/channels/{fair.pk}/").status_code == status
    assert client.get(f"/market/brands/{brand.pk}/").status_code == status
    assert client.get(f"/market/statistics/?channel={a.pk}").status_code == status
    stats = client.get("/market/statistics/?year=2022").context["stats"]
    assert stats.orders == sees_a + sees_b
    # the API
    api_names = {c["name"] for c in client.get("/api/market/channels").json()}
    assert (a.name in api_names, b.name in api_names) == (sees_a, sees_b)
    assert client.get(f"/api/market/channels/{a.pk}").status_code == status
    api_orders = {o["order_no"] for o in client.get("/api/market/orders").json()["items"]}
    assert ("AAA-1" in api_orders, "BBB-1" in api_orders) == (sees_a, sees_b)
    assert client.get(f"/api/market/orders?channel_id={a.pk}").status_code == status
    assert (brand.pk in {x["id"] for x in client.get("/api/market/brands").json()}) is sees_a
    assert client.get(f"/api/market/brands/{brand.pk}").status_code == status
    assert client.get(f"/api/market/statistics?year=2022&channel_id={a.pk}").status_code == status


def test_clerk_b_cannot_change_anything_of_coop_a(world, client_b):
    market, fair, brand = world
    a = market.channel_a
    before = _snapshot()
    pages = [
        f"/market/channels/{a.pk}/edit/",
        f"/market/channels/{a.pk}/columns/",
        f"/market/channels/{a.pk}/import/",
        f"/market/channels/{a.pk}/template.xlsx",
        f"/market/channels/{a.pk}/token/",
        f"/market/channels/{fair.pk}/stall/",
        f"/market/channels/{fair.pk}/stall/search/?q=NT",
        f"/market/brands/{brand.pk}/edit/",
    ]
    for url in pages:
        assert client_b.get(url).status_code == 404, url
    posts = [
        (f"/market/channels/{a.pk}/edit/", {"name": "改名", "organization": market.county.coop_b.pk}),
        (f"/market/channels/{a.pk}/columns/", {"column_order_no": "x"}),
        (f"/market/channels/{a.pk}/import/", {"file": order_file([order_row("X1", market.tea)])}),
        (f"/market/channels/{a.pk}/token/", {"action": "issue"}),
        (f"/market/channels/{a.pk}/post/", {}),
        (f"/market/channels/{fair.pk}/stall/add/", {"product": market.tea.pk}),
        (f"/market/channels/{fair.pk}/stall/lines/0/", {"quantity": "2"}),
        (f"/market/channels/{fair.pk}/stall/checkout/", {"method": "cash"}),
        (f"/market/channels/{fair.pk}/stall/cancel/", {"order_no": "AAA-1", "reason": "x"}),
        (f"/market/channels/{fair.pk}/stall/close/", {}),
        (f"/market/brands/{brand.pk}/edit/", {"name": "改名", "organization": market.county.coop_b.pk}),
    ]
    for url, data in posts:
        assert client_b.post(url, data).status_code == 404, url
    # creating for coop A: the organization is not offered
    response = client_b.post(
        "/market/channels/new/",
        {
            "organization": market.county.coop_a.pk,
            "code": "X",
            "name": "X",
            "kind": "online",
            "platform": "own_shop",
            "location": market.warehouse_a.pk,
        },
    )
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    response = client_b.post("/market/brands/new/", {"organization": market.county.coop_a.pk, "name": "冒名"})
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    # the API
    for url, data in [
        (f"/api/market/channels/{a.pk}/post", {}),
        (
            f"/api/market/channels/{fair.pk}/stall-orders",
            {"method": "cash", "lines": [{"product_id": market.tea.pk, "quantity": "1"}]},
        ),
    ]:
        assert client_b.post(url, json.dumps(data), content_type="application/json").status_code == 404, url
    assert _snapshot() == before


def test_the_leader_may_read_but_not_write(world, leader_client):
    market, fair, brand = world
    a = market.channel_a
    before = _snapshot()
    for url in [
        f"/market/channels/{a.pk}/edit/",
        f"/market/channels/{a.pk}/columns/",
        f"/market/channels/{a.pk}/import/",
        f"/market/channels/{a.pk}/token/",
        f"/market/channels/{fair.pk}/stall/",
        "/market/channels/new/",
        f"/market/brands/{brand.pk}/edit/",
        "/market/brands/new/",
    ]:
        assert leader_client.get(url).status_code == 403, url
    assert leader_client.post(f"/market/channels/{a.pk}/post/").status_code == 403
    assert (
        leader_client.post(f"/market/channels/{fair.pk}/stall/checkout/", {"method": "cash"}).status_code
        == 403
    )
    for url, data in [
        (f"/api/market/channels/{a.pk}/post", {}),
        (
            f"/api/market/channels/{fair.pk}/stall-orders",
            {"method": "cash", "lines": [{"product_id": market.tea.pk, "quantity": "1"}]},
        ),
    ]:
        assert (
            leader_client.post(url, json.dumps(data), content_type="application/json").status_code == 403
        ), url
    assert _snapshot() == before


def test_a_store_clerk_sells_at_the_stall_but_does_not_import(world):
    market, fair, _brand = world
    clerk = make_user("store_a", market.county.coop_a, roles.STORE_CLERK)
    client = Client()
    client.force_login(clerk)
    assert client.get(f"/market/channels/{fair.pk}/stall/").status_code == 200
    response = client.post(
        f"/api/market/channels/{fair.pk}/stall-orders",
        json.dumps({"method": "mobile", "lines": [{"product_id": market.tea.pk, "quantity": "2"}]}),
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()[0]["amount"] == "76.00"
    before = _snapshot()
    assert client.get(f"/market/channels/{market.channel_a.pk}/import/").status_code == 403
    assert (
        client.post(f"/market/channels/{market.channel_a.pk}/token/", {"action": "issue"}).status_code == 403
    )
    assert client.get(f"/market/channels/{market.channel_a.pk}/edit/").status_code == 403
    assert _snapshot() == before


def test_clerk_b_cannot_see_or_confirm_an_import_of_coop_a(world, client_a, client_b):
    market, _fair, _brand = world
    response = client_a.post(
        f"/market/channels/{market.channel_a.pk}/import/",
        {"file": order_file([order_row("AAA-2", market.tea)])},
        follow=True,
    )
    job = response.context["job"]
    before = _snapshot()
    assert client_b.get(f"/base/imports/{job.pk}/").status_code == 404
    assert client_b.post(f"/base/imports/{job.pk}/confirm/").status_code == 404
    assert _snapshot() == before


def test_anonymous_is_sent_to_login_and_the_api_refuses(world):
    market, fair, _brand = world
    client = Client()
    for url in [
        "/market/",
        "/market/events/",
        "/market/orders/",
        "/market/brands/",
        "/market/statistics/",
        f"/market/channels/{market.channel_a.pk}/",
        f"/market/channels/{fair.pk}/stall/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    for url in ["/api/market/channels", "/api/market/orders", "/api/market/brands", "/api/market/statistics"]:
        assert client.get(url).status_code == 401, url
    assert (
        client.post(
            f"/api/market/channels/{fair.pk}/stall-orders", "{}", content_type="application/json"
        ).status_code
        == 401
    )


def test_a_county_brand_is_seen_below_the_federation_but_written_only_there(world, client_a):
    market, _fair, _brand = world
    county_brand = Brand.objects.create(organization=market.county.federation, name="瓯越鲜风")
    before = _snapshot()
    assert county_brand.name in client_a.get("/market/brands/").content.decode()
    assert client_a.get(f"/market/brands/{county_brand.pk}/").status_code == 200
    assert client_a.get(f"/market/brands/{county_brand.pk}/edit/").status_code == 403
    assert client_a.post(f"/market/brands/{county_brand.pk}/edit/", {"name": "改名"}).status_code == 403
    assert _snapshot() == before
