"""Channels, produce and order files for the tests of the marketing app."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.models import Business, Category, Document, Location, Product, Unit
from gongxiao.core.testing import County
from gongxiao.market.models import BuyerOrder, Channel

# the layout of the test mall's export: an extra column the import does not read, Chinese headers
HEADERS = [
    "订单编号",
    "下单时间",
    "商品编码",
    "商品名称",
    "数量",
    "单价",
    "收货人",
    "订单状态",
    "退款金额",
    "收货地址",
]


@dataclass
class Market:
    county: County
    tea: Product
    eggs: Product
    noodles: Product
    warehouse_a: Location
    warehouse_b: Location
    channel_a: Channel
    channel_b: Channel


def produce(county: County, code: str, name: str, price: str, unit: str = Unit.PIECE) -> Product:
    return Product.objects.create(
        organization=county.federation,
        code=code,
        name=name,
        business=Business.FARM_PRODUCE,
        category=Category.PROCESSED,
        base_unit=unit,
        price=Decimal(price),
    )


def stock_up(location: Location, user: Any, *products: Product, quantity: str = "1000") -> Document:
    return create_and_confirm(
        user,
        DocumentSpec(
            kind=Document.Kind.PURCHASE,
            organization=location.organization,
            location=location,
            partner_name="青山县茶叶专业合作社",
            lines=[LineSpec(p, Decimal(quantity), unit_price=p.price * Decimal("0.6")) for p in products],
        ),
    )


def channel(county: County, organization: Any, location: Location, code: str, **extra: Any) -> Channel:
    values: dict[str, Any] = {
        "organization": organization,
        "code": code,
        "name": f"丰收互联瓯越鲜风专区{code}",
        "kind": Channel.Kind.ONLINE,
        "platform": Channel.Platform.BANK_MALL_ZONE,
        "operator": "青山农商银行",
        "location": location,
        "column_order_no": "订单编号",
        "column_ordered_at": "下单时间",
        "column_product": "商品编码",
        "column_quantity": "数量",
        "column_price": "单价",
        "column_buyer": "收货人",
        "column_status": "订单状态",
        "column_refund": "退款金额",
        "product_match": Channel.ProductMatch.CODE,
    }
    values.update(extra)
    return Channel.objects.create(**values)


def market_setup(county: County) -> Market:
    tea = produce(county, "NT01", "九蒸九晒姜茶", "38.00")
    eggs = produce(county, "NT02", "高山土鸡蛋", "2.50")
    noodles = produce(county, "NT03", "青山粉干", "12.80")
    warehouse_a = Location.objects.create(
        organization=county.coop_a, code="A-EC", name="桥头电商仓", kind=Location.Kind.WAREHOUSE
    )
    warehouse_b = Location.objects.create(
        organization=county.coop_b, code="B-EC", name="溪口电商仓", kind=Location.Kind.WAREHOUSE
    )
    stock_up(warehouse_a, county.clerk_a, tea, eggs, noodles)
    stock_up(warehouse_b, county.clerk_b, tea, eggs, noodles)
    return Market(
        county=county,
        tea=tea,
        eggs=eggs,
        noodles=noodles,
        warehouse_a=warehouse_a,
        warehouse_b=warehouse_b,
        channel_a=channel(county, county.coop_a, warehouse_a, "CH-A"),
        channel_b=channel(county, county.coop_b, warehouse_b, "CH-B"),
    )


def order_row(
    number: str,
    product: Product,
    quantity: Any = 1,
    price: Any = None,
    status: str = "已完成",
    refund: Any = "",
    when: str = "2022-03-05 10:23:45",
    buyer: str = "张三",
) -> list[Any]:
    return [
        number,
        when,
        product.code,
        product.name,
        quantity,
        price if price is not None else float(product.price),
        buyer,
        status,
        refund,
        "青山县桥头镇上村 1 号",
    ]


def order_file(rows: list[list[Any]], headers: list[str] | None = None) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "orders.xlsx"
    return buffer


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day)


def tea_order(county: County, market: Market, **fields: Any) -> BuyerOrder:
    """Coop A's spring-2023 order from a supermarket: 150 kg of tea at 12.50, delivered in April."""
    values: dict[str, Any] = {
        "organization": county.coop_a,
        "buyer_name": "联华超市",
        "buyer_kind": BuyerOrder.BuyerKind.SUPERMARKET,
        "latitude": Decimal("28.01"),
        "longitude": Decimal("120.01"),
        "product": market.tea,
        "year": 2023,
        "season": "spring",
        "quantity_kg": Decimal("150"),
        "price": Decimal("12.50"),
        "deliver_from": dt.date(2023, 4, 1),
        "deliver_to": dt.date(2023, 5, 1),
    } | fields
    return BuyerOrder.objects.create(**values)
