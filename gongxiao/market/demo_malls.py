"""The demo's four malls (seed §二 1): each one's order export layout, a year of its orders, and the
export file it gives at a moment (orders placed by then, with their status then). The demo imports
these files; the tests import them twice.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook

from gongxiao.commerce.models import Business, Category, Location, Product, Unit
from gongxiao.core.models import Organization
from gongxiao.market.models import Channel

CENT = Decimal("0.01")
YEAR = 2022

# code, name, specification, category, unit weight (kg), price, brand (0: 瓯越鲜风, 1: 青山五个鲜)
PRODUCTS = [
    ("L001", "粉干", "500克", Category.PROCESSED, "0.5", "9.90", 0),
    ("L002", "九蒸九晒姜茶", "250克", Category.PROCESSED, "0.25", "39.00", 0),
    ("NT03", "道鑫糕点礼盒", "800克", Category.PROCESSED, "0.8", "68.00", 0),
    ("NT04", "高山土鸡蛋", "30枚", Category.PRODUCE, "1.5", "45.00", 0),
    ("NT05", "山区地瓜粉", "1千克", Category.PROCESSED, "1", "26.00", 0),
    ("NT06", "高山云雾茶", "250克", Category.PROCESSED, "0.25", "168.00", 0),
    ("NT07", "果冻橙", "5千克", Category.PRODUCE, "5", "79.00", 0),
    ("NT08", "高山大米", "5千克", Category.GRAIN_OIL, "5", "49.90", 0),
    ("NT09", "番薯干", "500克", Category.PROCESSED, "0.5", "19.90", 0),
    ("NT10", "笋干", "250克", Category.PROCESSED, "0.25", "36.00", 0),
    ("NT11", "土蜂蜜", "500克", Category.PROCESSED, "0.5", "88.00", 0),
    ("NT12", "香菇干", "250克", Category.PROCESSED, "0.25", "42.00", 0),
    ("NT13", "压榨菜籽油", "5升", Category.GRAIN_OIL, "4.6", "128.00", 0),
    ("NT14", "饭糍", "1千克", Category.PROCESSED, "1", "22.00", 0),
    ("NT15", "鲜笋", "2.5千克", Category.PRODUCE, "2.5", "39.00", 1),
    ("NT16", "鲜香菇", "1千克", Category.PRODUCE, "1", "32.00", 1),
    ("NT17", "芋头", "2.5千克", Category.PRODUCE, "2.5", "25.00", 1),
    ("NT18", "杨梅", "2千克", Category.PRODUCE, "2", "98.00", 1),
    ("NT19", "散养土鸡", "约1.5千克", Category.PRODUCE, "1.5", "138.00", 1),
    ("NT20", "溪鱼", "1千克", Category.PRODUCE, "1", "68.00", 1),
]


@dataclass
class Layout:
    """How one mall's order export looks: its header for each field, and how it writes values."""

    headers: dict[str, str]
    extra: list[str]  # columns the import does not read
    time: str  # strftime format, or "excel" for date cells
    product: str  # "code" or "name"
    paid: str
    refunded: str
    cancelled: str
    refund: str  # "amount", "flag" or "" (status only)
    number: str  # the order number, with {seq} and {date}


@dataclass
class ChannelSpec:
    code: str
    name: str
    platform: str
    operator: str
    url: str
    opened_on: dt.date
    orders: int  # sales orders of the year at scale 1 (refunded and cancelled ones come on top)
    weights: list[int]  # how much each product sells here, in the order of PRODUCTS
    layout: Layout


CHANNELS = [
    ChannelSpec(
        "EC-ABC",
        "中国农业银行积分商城“青山供销馆”",
        Channel.Platform.BANK_POINTS_MALL,
        "中国农业银行青山支行",
        "https://mall.example-abchina.cn/qsgx",
        dt.date(2021, 11, 1),
        620,
        [8, 6, 4, 5, 3, 4, 3, 6, 3, 2, 4, 3, 5, 2, 1, 1, 1, 1, 2, 1],
        Layout(
            {
                "order_no": "订单号",
                "ordered_at": "下单时间",
                "product": "商品编号",
                "quantity": "兑换数量",
                "unit_price": "单价(元)",
                "buyer": "收货人",
                "status": "订单状态",
                "refund": "退款金额",
            },
            ["商品名称", "收货地址", "物流单号"],
            "%Y-%m-%d %H:%M:%S",
            "code",
            "已完成",
            "已退款",
            "已取消",
            "amount",
            "ABC{date}{seq:05d}",
        ),
    ),
    ChannelSpec(
        "EC-FSHL",
        "青山农商银行“丰收互联”商城“瓯越鲜风”专区",
        Channel.Platform.BANK_MALL_ZONE,
        "青山农村商业银行",
        "https://fshl.example-rcb.cn/zone/oyxf",
        dt.date(2022, 1, 1),
        2508,
        [9, 8, 5, 8, 4, 3, 6, 5, 5, 3, 3, 4, 3, 4, 3, 3, 2, 2, 2, 2],
        Layout(
            {
                "order_no": "子订单编号",
                "ordered_at": "创建时间",
                "product": "商家编码",
                "quantity": "购买数量",
                "unit_price": "成交价",
                "buyer": "买家昵称",
                "status": "交易状态",
                "refund": "是否退款",
            },
            ["主订单编号", "商品标题", "店铺", "备注"],
            "%Y/%m/%d %H:%M",
            "code",
            "交易成功",
            "退款成功",
            "交易关闭",
            "flag",
            "2022{date}{seq:07d}",
        ),
    ),
    ChannelSpec(
        "EC-NB",
        "“农博”掌上App“供销优选”门店",
        Channel.Platform.AGRI_APP_SHOP,
        "省农产品电商服务平台",
        "https://app.example-nongbo.cn/shop/gxyx",
        dt.date(2022, 3, 1),
        880,
        [10, 9, 6, 3, 4, 2, 2, 3, 3, 2, 2, 2, 2, 3, 1, 1, 1, 1, 1, 1],
        Layout(
            {
                "order_no": "订单ID",
                "ordered_at": "支付时间",
                "product": "SKU编码",
                "quantity": "件数",
                "unit_price": "单价",
                "buyer": "收件人",
                "status": "状态",
                "refund": "退款额",
            },
            ["SKU名称", "配送方式"],
            "excel",
            "code",
            "已完成",
            "已退款",
            "已关闭",
            "amount",
            "NB{date}{seq:06d}",
        ),
    ),
    ChannelSpec(
        "EC-WX",
        "青山供销优选微信小程序",
        Channel.Platform.OWN_SHOP,
        "青山县供销总公司",
        "",
        dt.date(2022, 5, 20),
        460,
        [3, 2, 2, 6, 2, 1, 4, 3, 1, 1, 1, 2, 2, 2, 5, 5, 4, 4, 5, 4],
        Layout(
            {
                "order_no": "单号",
                "ordered_at": "时间",
                "product": "商品",
                "quantity": "数量",
                "unit_price": "价格",
                "buyer": "客户",
                "status": "状态",
            },
            [],
            "%Y-%m-%d %H:%M",
            "name",
            "已完成",
            "退款成功",
            "已取消",
            "",
            "WX{date}{seq:04d}",
        ),
    ),
]

# how busy each month is for online orders: Spring Festival, bayberry season, mid-autumn, Double 11
SEASON = {1: 1.8, 2: 0.7, 3: 0.7, 4: 0.8, 5: 0.9, 6: 1.2, 7: 0.8, 8: 0.8, 9: 1.4, 10: 1.0, 11: 1.5, 12: 1.6}
MID_YEAR = dt.datetime(YEAR, 7, 1, 9, 0)
YEAR_END = dt.datetime(YEAR, 12, 31, 23, 30)


@dataclass
class DemoLine:
    product: Product
    quantity: int
    price: Decimal
    refund: Decimal = Decimal("0")  # a partial refund of this line

    @property
    def amount(self) -> Decimal:
        return (self.price * self.quantity).quantize(CENT, ROUND_HALF_UP)


@dataclass
class DemoOrder:
    number: str
    ordered_at: dt.datetime  # local time, naive
    buyer: str
    lines: list[DemoLine]
    outcome: str = "paid"  # paid | refunded | cancelled | partly_refunded
    changed_at: dt.datetime | None = None  # when it was refunded or cancelled

    def status_at(self, moment: dt.datetime) -> str:
        return self.outcome if self.changed_at is not None and self.changed_at <= moment else "paid"


def make_orders(
    rng: random.Random, spec: ChannelSpec, products: list[Product], target: int, names: Any
) -> list[DemoOrder]:
    """A year of the channel's orders: `target` of them sales at the year's end, plus the refunded
    and cancelled ones (about 4 %), some of them refunded weeks after the order."""
    start = max(dt.date(YEAR, 1, 1), spec.opened_on)
    days = [start + dt.timedelta(days=n) for n in range((dt.date(YEAR, 12, 31) - start).days + 1)]
    weights = [SEASON[day.month] for day in days]
    partial_allowed = spec.layout.refund == "amount"
    orders: list[DemoOrder] = []
    sales = 0
    while sales < target:
        day = rng.choices(days, weights=weights)[0]
        moment = dt.datetime.combine(day, dt.time(rng.randrange(8, 23), rng.randrange(60), rng.randrange(60)))
        chosen = rng.choices(products, weights=spec.weights, k=rng.choice([1, 1, 1, 1, 2, 2, 3]))
        lines: list[DemoLine] = []
        for product in dict.fromkeys(chosen):
            lines.append(DemoLine(product, rng.choice([1, 1, 1, 2, 2, 3, 5]), product.price))
        order = DemoOrder("", moment, names(), lines)
        roll = rng.random()
        if roll < 0.025:
            order.outcome = "refunded"
        elif roll < 0.04:
            order.outcome = "cancelled"
        elif roll < 0.05 and partial_allowed:
            order.outcome = "partly_refunded"
            lines[0].refund = (lines[0].amount * Decimal("0.3")).quantize(CENT)
        if order.outcome != "paid":
            wait = (
                dt.timedelta(hours=rng.randrange(2, 24))
                if order.outcome == "cancelled"
                else dt.timedelta(days=rng.randrange(3, 50))
            )
            order.changed_at = moment + wait
        if order.status_at(YEAR_END) in ("paid", "partly_refunded"):
            sales += 1
        orders.append(order)
    orders.sort(key=lambda o: o.ordered_at)
    for seq, order in enumerate(orders, start=1):
        order.number = spec.layout.number.format(date=order.ordered_at.strftime("%m%d"), seq=seq)
    return orders


def export_file(spec: ChannelSpec, orders: list[DemoOrder], until: dt.datetime) -> io.BytesIO:
    """The mall's export of the orders placed before `until`, with their status at that moment."""
    layout = spec.layout
    fields = list(layout.headers)
    book = Workbook()
    sheet = book.active
    sheet.append([layout.headers[f] for f in fields] + layout.extra)
    for order in orders:
        if order.ordered_at > until:
            break
        status = order.status_at(until)
        word = {
            "paid": layout.paid,
            "partly_refunded": layout.paid,
            "refunded": layout.refunded,
            "cancelled": layout.cancelled,
        }[status]
        when: Any = order.ordered_at if layout.time == "excel" else order.ordered_at.strftime(layout.time)
        for line in order.lines:
            refund: Any = ""
            if layout.refund == "amount":
                refund = {"refunded": float(line.amount), "partly_refunded": float(line.refund)}.get(
                    status, 0
                )
            elif layout.refund == "flag":
                refund = "是" if status == "refunded" else "否"
            values = {
                "order_no": order.number,
                "ordered_at": when,
                "product": line.product.code if layout.product == "code" else line.product.name,
                "quantity": line.quantity,
                "unit_price": float(line.price),
                "buyer": order.buyer,
                "status": word,
                "refund": refund,
            }
            extra = {
                "商品名称": line.product.name,
                "商品标题": f"【瓯越鲜风】{line.product}",
                "SKU名称": str(line.product),
                "收货地址": "浙江省青山县",
                "物流单号": f"SF{abs(hash(order.number)) % 10**12:012d}",
                "主订单编号": order.number[:-2],
                "店铺": spec.name,
                "配送方式": "快递",
                "备注": "",
            }
            sheet.append([values[f] for f in fields] + [extra[h] for h in layout.extra])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def make_channel(spec: ChannelSpec, organization: Organization, location: Location) -> Channel:
    layout = spec.layout
    headers = layout.headers
    return Channel.objects.create(
        organization=organization,
        code=spec.code,
        name=spec.name,
        kind=Channel.Kind.ONLINE,
        platform=spec.platform,
        operator=spec.operator,
        url=spec.url,
        location=location,
        opened_on=spec.opened_on,
        column_order_no=headers["order_no"],
        column_ordered_at=headers["ordered_at"],
        column_product=headers["product"],
        column_quantity=headers["quantity"],
        column_price=headers["unit_price"],
        column_buyer=headers.get("buyer", ""),
        column_status=headers.get("status", ""),
        column_refund=headers.get("refund", ""),
        product_match=Channel.ProductMatch.CODE if layout.product == "code" else Channel.ProductMatch.NAME,
        refund_words=f"{layout.refunded},退款完成",
        cancel_words=f"{layout.cancelled},已取消",
    )


def produce(organization: Organization) -> list[Product]:
    """The brands' 20 products in the head company's catalog (the two the stores sell already, kept)."""
    made = []
    for code, name, spec, category, weight, price, _brand in PRODUCTS:
        product = Product.objects.filter(organization=organization, code=code).first()
        if product is None:
            product = Product.objects.create(
                organization=organization,
                code=code,
                name=name,
                specification=spec,
                business=Business.FARM_PRODUCE,
                category=category,
                base_unit=Unit.PIECE,
                unit_weight_kg=Decimal(weight),
                price=Decimal(price),
            )
        made.append(product)
    return made
