"""Products and locations for tests of the trading core and the apps that sell through it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.models import Business, Category, Document, Location, Package, Product
from gongxiao.core.testing import County


@dataclass
class Trade:
    county: County
    fertilizer: Product
    bag: Package
    seed: Product
    warehouse_a: Location
    store_a: Location
    store_b: Location


def trade_setup(county: County) -> Trade:
    fertilizer = Product.objects.create(
        organization=county.federation,
        code="F001",
        name="复合肥",
        specification="15-15-15",
        business=Business.AGRI_INPUT,
        category=Category.COMPOUND,
        price=Decimal("3.2000"),
    )
    bag = Package.objects.create(product=fertilizer, name="袋", factor=Decimal("50"))
    seed = Product.objects.create(
        organization=county.federation,
        code="S001",
        name="水稻种子",
        business=Business.AGRI_INPUT,
        category=Category.SEED,
        price=Decimal("60"),
    )
    return Trade(
        county=county,
        fertilizer=fertilizer,
        bag=bag,
        seed=seed,
        warehouse_a=Location.objects.create(
            organization=county.coop_a, code="A-WH", name="桥头仓库", kind="warehouse"
        ),
        store_a=Location.objects.create(
            organization=county.coop_a, code="A-ST", name="桥头门店", kind="store"
        ),
        store_b=Location.objects.create(
            organization=county.coop_b, code="B-ST", name="溪口门店", kind="store"
        ),
    )


def receive(
    trade: Trade, location: Location, product: Product, quantity: str, cost: str, user=None
) -> Document:  # type: ignore[no-untyped-def]
    return create_and_confirm(
        user or trade.county.clerk_a
        if location.organization_id == trade.county.coop_a.pk
        else trade.county.clerk_b,
        DocumentSpec(
            kind=Document.Kind.PURCHASE,
            organization=location.organization,
            location=location,
            partner_name="县农资公司",
            lines=[LineSpec(product, Decimal(quantity), unit_price=Decimal(cost))],
        ),
    )
