"""A licensed chain store with stock, for tests of the counter and the pesticide rules."""

import datetime as dt
from decimal import Decimal

from gongxiao.commerce.models import Business, Category, Package, Product
from gongxiao.commerce.testing import receive, trade_setup
from gongxiao.network.models import Outlet
from gongxiao.supply.models import PesticideLicence


def licensed_shop(county):
    """Coop A's chain store with stock of fertilizer and two pesticides, and a valid licence."""
    trade = trade_setup(county)
    pesticide = Product.objects.create(
        organization=county.federation,
        code="P001",
        name="吡虫啉",
        specification="10% 20克",
        business=Business.AGRI_INPUT,
        category=Category.PESTICIDE,
        base_unit="piece",
        price=Decimal("4"),
        registration_no="PD20050011",
        manufacturer="浙江某农化有限公司",
    )
    restricted = Product.objects.create(
        organization=county.federation,
        code="P009",
        name="克百威颗粒剂",
        business=Business.AGRI_INPUT,
        category=Category.PESTICIDE,
        base_unit="piece",
        price=Decimal("12"),
        registration_no="PD20097777",
        is_restricted=True,
    )
    Package.objects.create(product=pesticide, name="箱", factor=Decimal("100"))
    outlet = Outlet.objects.create(
        organization=county.coop_a,
        code="CS-01",
        name="宜农农资连锁门店（桥头店）",
        kind=Outlet.Kind.CHAIN_STORE,
        region=county.town,
        location=trade.store_a,
        renovated_year=2022,
    )
    licence = PesticideLicence.objects.create(
        outlet=outlet,
        number="农药经许（浙）33032700001",
        valid_from=dt.date(2022, 1, 1),
        valid_to=dt.date(2099, 12, 31),
    )
    for product, quantity, cost in [
        (trade.fertilizer, "1000", "3.00"),
        (pesticide, "200", "2.50"),
        (restricted, "50", "8"),
    ]:
        receive(trade, trade.store_a, product, quantity, cost)
    trade.pesticide = pesticide
    trade.restricted = restricted
    trade.outlet = outlet
    trade.licence = licence
    return trade
