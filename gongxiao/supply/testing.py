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


def reserve_plan(county, **fields):
    """The county's spring-planting plan of 2023: period November 2022 – April 2023, 40 元/吨/月."""
    from gongxiao.supply.models import ReservePlan

    values = {
        "organization": county.federation,
        "year": 2023,
        "name": "2023年春耕化肥应急储备",
        "kind": ReservePlan.Kind.SPRING,
        "total_quota": Decimal("1600"),
        "period_start": dt.date(2022, 11, 1),
        "subsidy_per_tonne_month": Decimal("40"),
    } | fields
    plan = ReservePlan(**values)
    plan.full_clean()
    plan.save()
    return plan


def urea(county):
    return Product.objects.get_or_create(
        code="F101",
        defaults={
            "organization": county.federation,
            "name": "尿素",
            "business": Business.AGRI_INPUT,
            "category": Category.UREA,
            "price": Decimal("2.6"),
        },
    )[0]


def outside_holder(plan, product, quantity="100", code="CB-01", **quota_fields):
    """An outside consortium holder that reports monthly, with one quota."""
    from gongxiao.supply.models import ReserveHolder, ReserveHolderPartner, ReserveQuota

    holder = ReserveHolder.objects.create(
        plan=plan, code=code, name="农资联合体", tender_date=dt.date(2022, 9, 20), tender_result="中标"
    )
    ReserveHolderPartner.objects.create(holder=holder, name="青山县农资有限公司", is_lead=True)
    ReserveHolderPartner.objects.create(holder=holder, name="青山县惠农农资有限公司")
    quota = ReserveQuota(
        holder=holder, product=product, quantity=Decimal(quantity), warehouse="城北仓库", zone_name="A区"
    )
    for name, value in quota_fields.items():
        setattr(quota, name, value)
    quota.full_clean()
    quota.save()
    return holder
