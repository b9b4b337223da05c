"""Spring campaigns through their pages: the campaign, deliveries to outlets, reversals, households reached."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.models import Document, StockMove
from gongxiao.commerce.stock import on_hand
from gongxiao.commerce.testing import receive
from gongxiao.core import roles
from gongxiao.core.models import Region
from gongxiao.core.testing import make_user
from gongxiao.members.tests.factories import member
from gongxiao.supply.actions import campaign_summary, deliver
from gongxiao.supply.models import Campaign, CampaignDelivery, CampaignDistribution


@pytest.fixture
def campaign(shop):
    return Campaign.objects.create(
        organization=shop.county.coop_a,
        name="春耕送肥下乡",
        starts_on=dt.date(2022, 2, 21),
        ends_on=dt.date(2022, 3, 31),
        partners="县农资协会",
    )


@pytest.fixture
def stocked(shop):
    """5,000 kg of compound fertilizer (100 bags) and 100 kg of seed in coop A's warehouse."""
    shop.seed.unit_weight_kg = Decimal("1")
    shop.seed.save()
    receive(shop, shop.warehouse_a, shop.fertilizer, "5000", "3.00")
    receive(shop, shop.warehouse_a, shop.seed, "100", "50")
    return shop


def _lines(*rows, total=5):
    """The delivery form's line rows; a row is (item, quantity), None for an empty row."""
    data = {"lines-TOTAL_FORMS": str(total), "lines-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        if row is not None:
            data[f"lines-{index}-item"], data[f"lines-{index}-quantity"] = row
    return data


def _delivery_post(shop, *rows):
    return {"source": shop.warehouse_a.pk, "outlet": shop.outlet.pk, "note": "", **_lines(*rows)}


def _bags(shop):
    return f"{shop.fertilizer.pk}-{shop.bag.pk}"


def _kg(product):
    return f"{product.pk}-"


def _deliver(shop, campaign, bags="60"):
    return deliver(
        shop.county.clerk_a,
        campaign,
        DocumentSpec(
            kind="transfer",
            organization=shop.county.coop_a,
            location=shop.warehouse_a,
            to_location=shop.store_a,
            lines=[LineSpec(shop.fertilizer, package=shop.bag, package_quantity=Decimal(bags))],
        ),
        shop.outlet,
    )


def _snapshot():
    return (
        list(Campaign.objects.order_by("pk").values()),
        list(CampaignDelivery.objects.order_by("pk").values()),
        list(CampaignDistribution.objects.order_by("pk").values()),
        list(Document.objects.order_by("pk").values("pk", "status", "number")),
        StockMove.objects.count(),
    )


# -- the campaign ------------------------------------------------------------------------------------


def test_clerk_creates_a_campaign_and_edits_its_partners(county, client_a):
    # given the new-campaign form of clerk A
    assert client_a.get("/supply/campaigns/new/").status_code == 200
    # when it is posted
    response = client_a.post(
        "/supply/campaigns/new/",
        {
            "organization": county.coop_a.pk,
            "name": "2024春耕送肥下乡",
            "starts_on": "2024-02-20",
            "ends_on": "2024-03-31",
            "partners": "县农资协会",
            "note": "送肥、送种子",
        },
    )
    # then the campaign is there, and its page is where the clerk lands
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supply/campaigns/{campaign.pk}/"
    assert (campaign.organization, campaign.starts_on, campaign.note) == (
        county.coop_a,
        dt.date(2024, 2, 20),
        "送肥、送种子",
    )
    assert "新建" in client_a.get("/supply/campaigns/").content.decode()
    client_a.post(
        f"/supply/campaigns/{campaign.pk}/edit/",
        {
            "organization": county.coop_a.pk,
            "name": campaign.name,
            "starts_on": "2024-02-20",
            "ends_on": "2024-03-31",
            "partners": "县农资协会、县农技站",
        },
    )
    campaign.refresh_from_db()
    assert campaign.partners == "县农资协会、县农技站"


def test_a_campaign_ending_before_it_starts_is_refused(county, client_a):
    response = client_a.post(
        "/supply/campaigns/new/",
        {
            "organization": county.coop_a.pk,
            "name": "送肥下乡",
            "starts_on": "2024-03-01",
            "ends_on": "2024-02-01",
        },
    )
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    assert Campaign.objects.count() == 0


def test_dates_cannot_leave_recorded_households_outside(shop, campaign, client_a):
    CampaignDistribution.objects.create(
        campaign=campaign, town=shop.county.town, households=40, day=dt.date(2022, 3, 20)
    )
    response = client_a.post(
        f"/supply/campaigns/{campaign.pk}/edit/",
        {
            "organization": shop.county.coop_a.pk,
            "name": campaign.name,
            "starts_on": "2022-02-21",
            "ends_on": "2022-03-10",
        },
    )
    assert "2022-03-20" in response.context["form"].errors["ends_on"][0]
    campaign.refresh_from_db()
    assert campaign.ends_on == dt.date(2022, 3, 31)


# -- deliveries --------------------------------------------------------------------------------------


def test_a_delivery_from_the_page_is_a_confirmed_transfer_the_summary_counts(stocked, campaign, client_a):
    shop = stocked
    page = f"/supply/campaigns/{campaign.pk}/deliveries/new/"
    form = client_a.get(page)
    assert form.status_code == 200 and shop.outlet.name in form.content.decode()
    # when: 60 bags on the first row, 20 kg of seed on the third (the second left empty)
    response = client_a.post(page, _delivery_post(shop, (_bags(shop), "60"), None, (_kg(shop.seed), "20")))
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    delivery = CampaignDelivery.objects.get(campaign=campaign)
    transfer = delivery.document
    assert (transfer.kind, transfer.status, transfer.to_location, delivery.outlet) == (
        Document.Kind.TRANSFER,
        Document.Status.CONFIRMED,
        shop.store_a,
        shop.outlet,
    )
    assert [(line.product, line.quantity) for line in transfer.lines.order_by("pk")] == [
        (shop.fertilizer, Decimal("3000")),
        (shop.seed, Decimal("20")),
    ]
    assert on_hand(shop.warehouse_a, shop.fertilizer) == Decimal("2000")
    assert on_hand(shop.store_a, shop.fertilizer) == Decimal("4000")  # 1,000 of its own + 3,000 delivered
    detail = client_a.get(f"/supply/campaigns/{campaign.pk}/").content.decode()
    assert "送出复合肥 3 吨、种子 20 公斤" in detail and transfer.number in detail


def test_a_delivery_beyond_stock_is_refused_on_the_form_and_writes_nothing(stocked, campaign, client_a):
    shop = stocked
    before = _snapshot()
    response = client_a.post(
        f"/supply/campaigns/{campaign.pk}/deliveries/new/",
        _delivery_post(shop, (_kg(shop.seed), "10"), (_bags(shop), "101")),
    )
    assert response.status_code == 200
    errors = response.context["trade_errors"]
    assert len(errors) == 1 and "第 2 行" in errors[0] and "库存不足" in errors[0]
    assert "库存不足" in response.content.decode()
    assert _snapshot() == before
    # the form comes back as it was posted
    assert response.context["lines"].forms[1]["quantity"].value() == "101"


def test_a_delivery_without_lines_or_with_a_bad_quantity_is_refused(stocked, campaign, client_a):
    shop = stocked
    page = f"/supply/campaigns/{campaign.pk}/deliveries/new/"
    before = _snapshot()
    empty = client_a.post(page, _delivery_post(shop))
    assert "单据没有明细行" in empty.content.decode()
    bad = client_a.post(page, _delivery_post(shop, (_bags(shop), "0"), (_kg(shop.seed), "")))
    lines = bad.context["lines"]
    assert "quantity" in lines.forms[0].errors and "quantity" in lines.forms[1].errors
    outlet_is_source = client_a.post(
        page,
        {**_delivery_post(shop, (_bags(shop), "1")), "outlet": shop.outlet.pk, "source": shop.store_a.pk},
    )
    assert "source" in outlet_is_source.context["form"].errors  # a store is not a warehouse to ship from
    assert _snapshot() == before


def test_reversing_a_delivery_takes_it_out_of_the_campaign(stocked, campaign, client_a):
    shop = stocked
    transfer = _deliver(shop, campaign, bags="60")
    delivery = CampaignDelivery.objects.get()
    page = f"/supply/campaigns/{campaign.pk}/deliveries/{delivery.pk}/reverse/"
    assert transfer.number in client_a.get(page).content.decode()
    # without a reason nothing happens
    refused = client_a.post(page, {"reason": " "})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    assert Document.objects.get(pk=transfer.pk).status == Document.Status.CONFIRMED
    # with one, the transfer is reversed and the figures no longer count it
    response = client_a.post(page, {"reason": "送错门店"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == Document.Status.REVERSED
    assert Document.objects.get(reverses=transfer).note == "送错门店"
    summary = campaign_summary(campaign)
    assert (summary.compound_tonnes, summary.fertilizer_tonnes, summary.deliveries) == (
        Decimal("0.000"),
        Decimal("0.000"),
        0,
    )
    assert on_hand(shop.warehouse_a, shop.fertilizer) == Decimal("5000")
    detail = client_a.get(f"/supply/campaigns/{campaign.pk}/").content.decode()
    assert "送出复合肥 0 吨" in detail and "已冲销" in detail
    # a second reversal is refused with the reason and changes nothing
    before = _snapshot()
    again = client_a.post(page, {"reason": "再冲一次"})
    assert again.context["errors"] and _snapshot() == before


def test_a_delivery_the_outlet_no_longer_holds_cannot_be_reversed(stocked, campaign, client_a):
    shop = stocked
    _deliver(shop, campaign, bags="10")  # 500 kg; the store then holds 1,500
    passed_on = DocumentSpec(
        kind="transfer",
        organization=shop.county.coop_a,
        location=shop.store_a,
        to_location=shop.warehouse_a,
        lines=[LineSpec(shop.fertilizer, Decimal("1400"))],
    )
    create_and_confirm(shop.county.clerk_a, passed_on)
    before = _snapshot()
    delivery = CampaignDelivery.objects.get()
    response = client_a.post(
        f"/supply/campaigns/{campaign.pk}/deliveries/{delivery.pk}/reverse/", {"reason": "退回"}
    )
    assert response.status_code == 200 and "库存不足" in " ".join(response.context["errors"])
    assert _snapshot() == before


# -- households reached ------------------------------------------------------------------------------


def test_households_are_recorded_by_count_or_by_member(shop, campaign, client_a):
    farmer = member(shop.county, shop.county.coop_a, "李四", 7, phone="13900000007")
    url = f"/supply/campaigns/{campaign.pk}/distributions/new/"
    town = shop.county.town.pk
    counted = client_a.post(url, {"day": "2022-02-22", "town": town, "member_key": "", "households": "120"})
    assert counted.status_code == 302
    by_member = client_a.post(
        url, {"day": "2022-02-23", "town": town, "member_key": "13900000007", "households": "1"}
    )
    assert by_member.status_code == 302
    rows = list(CampaignDistribution.objects.order_by("pk").values_list("households", "member", "day"))
    assert rows == [(120, None, dt.date(2022, 2, 22)), (1, farmer.pk, dt.date(2022, 2, 23))]
    detail = client_a.get(f"/supply/campaigns/{campaign.pk}/")
    assert detail.context["summary"].households == 121
    assert "李四" in detail.content.decode()


@pytest.mark.parametrize(
    "posted,field",
    [
        ({"day": "2022-04-02", "households": "5"}, "day"),  # after the campaign
        ({"day": "2022-02-22", "households": "0"}, "households"),
        ({"day": "2022-02-22", "households": "3", "member_key": "13900000007"}, "households"),
        ({"day": "2022-02-22", "households": "1", "member_key": "13911111111"}, "member_key"),  # nobody
        ({"day": "2022-02-22", "households": "1", "member_key": "OUTSIDE"}, "member_key"),  # other town
        ({"day": "2022-02-22", "households": "1", "member_key": "AGAIN"}, "member_key"),  # counted twice
    ],
)
def test_bad_household_records_are_refused_on_the_campaign_page(shop, campaign, client_a, posted, field):
    county = shop.county
    member(county, county.coop_a, "李四", 7, phone="13900000007")
    other_town = Region.objects.add_root({"code": "330327102000", "name": "溪口镇", "level": "town"})
    if posted.get("member_key") == "OUTSIDE":
        posted = {**posted, "member_key": "13900000007", "town": other_town.pk}
    if posted.get("member_key") == "AGAIN":
        again = member(county, county.coop_a, "王五", 8, phone="13900000008")
        CampaignDistribution.objects.create(
            campaign=campaign, town=county.town, member=again, households=1, day=dt.date(2022, 2, 21)
        )
        posted = {**posted, "member_key": again.id_number}
    before = _snapshot()
    response = client_a.post(
        f"/supply/campaigns/{campaign.pk}/distributions/new/", {"town": county.town.pk, **posted}
    )
    assert response.status_code == 200
    assert field in response.context["distribution_form"].errors
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert _snapshot() == before


# -- who may do what ---------------------------------------------------------------------------------


def test_clerk_b_gets_404_on_coop_a_campaign_and_changes_nothing(stocked, campaign, client_b):
    shop = stocked
    _deliver(shop, campaign, bags="10")
    delivery = CampaignDelivery.objects.get()
    base = f"/supply/campaigns/{campaign.pk}"
    before = _snapshot()
    for url in [
        f"{base}/",
        f"{base}/edit/",
        f"{base}/deliveries/new/",
        f"{base}/deliveries/{delivery.pk}/reverse/",
    ]:
        assert client_b.get(url).status_code == 404, url
    posts = [
        (
            f"{base}/edit/",
            {
                "organization": shop.county.coop_b.pk,
                "name": "改名",
                "starts_on": "2022-02-21",
                "ends_on": "2022-03-31",
            },
        ),
        (f"{base}/deliveries/new/", _delivery_post(shop, (_bags(shop), "10"))),
        (f"{base}/deliveries/{delivery.pk}/reverse/", {"reason": "冲掉"}),
        (
            f"{base}/distributions/new/",
            {"day": "2022-02-22", "town": shop.county.town.pk, "households": "50"},
        ),
    ]
    for url, data in posts:
        assert client_b.post(url, data).status_code == 404, url
    assert "春耕送肥下乡" not in client_b.get("/supply/campaigns/").content.decode()
    assert _snapshot() == before


def test_clerk_b_cannot_create_a_campaign_for_coop_a(county, client_b):
    response = client_b.post(
        "/supply/campaigns/new/",
        {
            "organization": county.coop_a.pk,
            "name": "送肥下乡",
            "starts_on": "2024-02-01",
            "ends_on": "2024-03-01",
        },
    )
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert Campaign.objects.count() == 0


def test_readers_see_the_campaign_without_actions_and_may_not_write(stocked, campaign, leader_client, county):
    shop = stocked
    _deliver(shop, campaign, bags="10")
    delivery = CampaignDelivery.objects.get()
    bookkeeper = make_user("bookkeeper_a", county.coop_a, roles.BOOKKEEPER)
    bookkeeper_client = Client()
    bookkeeper_client.force_login(bookkeeper)
    base = f"/supply/campaigns/{campaign.pk}"
    before = _snapshot()
    for client in (leader_client, bookkeeper_client):
        page = client.get(f"{base}/")
        assert page.status_code == 200
        assert not (page.context["can_deliver"] or page.context["can_reverse"] or page.context["can_edit"])
        assert page.context["distribution_form"] is None
        assert 'data-testid="deliver"' not in page.content.decode()
        assert client.get(f"{base}/deliveries/new/").status_code == 403
        assert (
            client.post(f"{base}/deliveries/new/", _delivery_post(shop, (_bags(shop), "1"))).status_code
            == 403
        )
        assert client.post(f"{base}/deliveries/{delivery.pk}/reverse/", {"reason": "x"}).status_code == 403
        assert (
            client.post(
                f"{base}/distributions/new/", {"day": "2022-02-22", "town": county.town.pk, "households": "9"}
            ).status_code
            == 403
        )
        assert client.post("/supply/campaigns/new/", {"name": "x"}).status_code == 403
    assert _snapshot() == before


def test_a_delivery_of_another_campaign_is_not_reachable_through_this_one(stocked, campaign, client_a):
    shop = stocked
    other = Campaign.objects.create(
        organization=shop.county.coop_a,
        name="秋播送种",
        starts_on=dt.date(2022, 9, 1),
        ends_on=dt.date(2022, 10, 31),
    )
    _deliver(shop, other, bags="10")
    delivery = CampaignDelivery.objects.get()
    before = _snapshot()
    url = f"/supply/campaigns/{campaign.pk}/deliveries/{delivery.pk}/reverse/"
    assert client_a.post(url, {"reason": "x"}).status_code == 404
    assert _snapshot() == before
