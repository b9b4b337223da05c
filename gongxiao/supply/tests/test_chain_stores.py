"""The chain's page: five unifications, licence warnings and the distribution ratio on counted cases."""

import datetime as dt
from decimal import Decimal

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.testing import receive
from gongxiao.core import clock
from gongxiao.supply.actions import distribution_ratio
from gongxiao.supply.models import UnificationAssessment


def test_distribution_ratio_counts_lines_received_by_transfer(shop):
    # given: the fixture bought 3 lines straight into the store (fertilizer and two pesticides)
    receive(shop, shop.warehouse_a, shop.fertilizer, "1000", "3.00")
    for _ in range(9):
        create_and_confirm(
            shop.county.clerk_a,
            DocumentSpec(
                kind="transfer",
                organization=shop.county.coop_a,
                location=shop.warehouse_a,
                to_location=shop.store_a,
                lines=[LineSpec(shop.fertilizer, Decimal("10"))],
            ),
        )
    # the seed is not a fertilizer or pesticide: it does not count
    receive(shop, shop.store_a, shop.seed, "10", "50")
    today = clock.today()
    # then: 9 distributed of 12 lines
    assert distribution_ratio(shop.outlet, today - dt.timedelta(days=365), today) == Decimal("0.7500")


def test_chain_page_shows_assessment_licence_and_ratio(shop, client_a):
    UnificationAssessment.objects.create(
        outlet=shop.outlet,
        assessed_on=dt.date(2022, 11, 15),
        assessed_by="业务科",
        signage=True,
        rules=True,
        zoning=True,
        distribution=True,
        sales_system=False,
    )
    shop.licence.valid_to = clock.today() + dt.timedelta(days=30)
    shop.licence.save()
    page = client_a.get("/supply/chain-stores/").content.decode()
    assert "4/5" in page
    assert "30 天" in page
    assert "0.0%" in page  # every line so far was bought by the store itself


def test_chain_page_is_scoped(shop, client_b):
    assert shop.outlet.name not in client_b.get("/supply/chain-stores/").content.decode()
