"""A spring campaign: deliveries as confirmed transfers, households reached, the seed's sentence."""

import datetime as dt
from decimal import Decimal

import pytest

from gongxiao.commerce.actions import DocumentSpec, LineSpec
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.stock import on_hand
from gongxiao.commerce.testing import receive
from gongxiao.supply.actions import campaign_summary, deliver
from gongxiao.supply.models import Campaign, CampaignDistribution


@pytest.fixture
def campaign(shop):
    return Campaign.objects.create(
        organization=shop.county.coop_a,
        name="春耕送肥下乡",
        starts_on=dt.date(2022, 2, 21),
        ends_on=dt.date(2022, 3, 31),
        partners="县农资协会",
    )


def _delivery(shop, bags="60", seed="20"):
    shop.seed.unit_weight_kg = Decimal("1")
    shop.seed.save()
    return DocumentSpec(
        kind="transfer",
        organization=shop.county.coop_a,
        location=shop.warehouse_a,
        to_location=shop.store_a,
        lines=[
            LineSpec(shop.fertilizer, package=shop.bag, package_quantity=Decimal(bags)),
            LineSpec(shop.seed, Decimal(seed)),
        ],
    )


def test_summary_reads_like_the_report(shop, campaign, client_a):
    receive(shop, shop.warehouse_a, shop.fertilizer, "5000", "3.00")
    receive(shop, shop.warehouse_a, shop.seed, "100", "50")
    deliver(shop.county.clerk_a, campaign, _delivery(shop), shop.outlet)
    CampaignDistribution.objects.create(
        campaign=campaign, town=shop.county.town, households=120, day=dt.date(2022, 2, 22)
    )
    CampaignDistribution.objects.create(
        campaign=campaign, town=shop.county.town, households=35, day=dt.date(2022, 2, 23)
    )
    summary = campaign_summary(campaign)
    assert (summary.compound_tonnes, summary.seed_kg, summary.households) == (
        Decimal("3.000"),
        Decimal("20.000"),
        155,
    )
    assert summary.sentence() == "送出复合肥 3 吨、种子 20 公斤，受惠农户约 155 户"
    assert on_hand(shop.store_a, shop.fertilizer) == Decimal(
        "4000"
    )  # 1,000 bought by the store + 3,000 delivered
    page = client_a.get(f"/supply/campaigns/{campaign.pk}/").content.decode()
    assert "送出复合肥 3 吨" in page


def test_a_delivery_beyond_stock_writes_nothing(shop, campaign):
    with pytest.raises(TradeError):
        deliver(shop.county.clerk_a, campaign, _delivery(shop, bags="10"), shop.outlet)
    assert campaign.deliveries.count() == 0


def test_campaigns_are_scoped(shop, campaign, client_b):
    assert client_b.get(f"/supply/campaigns/{campaign.pk}/").status_code == 404
    assert "春耕送肥下乡" not in client_b.get("/supply/campaigns/").content.decode()
    with pytest.raises(TradeError):
        deliver(shop.county.clerk_b, campaign, _delivery(shop), shop.outlet)
