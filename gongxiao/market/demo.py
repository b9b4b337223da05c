"""Demo marketing (seed §二 1-2): two regional brands with 20 local products and their producers,
four online channels with a year of orders, two fairs with their stall sales.

As the e-commerce clerk of the head company would have done it in 2022, under the demo clock:
the products bought from the brands' producers into the e-commerce warehouse; each mall's order
export, in that mall's own columns, imported through the engine at mid-year (January to June)
and at the year's end (the whole year: the first half's orders again, unchanged, except those
refunded since, which are reversed); at the two fairs, every checkout at the stall, the stall
closed and posted each evening, and one order refunded.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.models import Business, Category, Document, Location, Product, Unit
from gongxiao.core import clock, roles
from gongxiao.core.demo import DemoContext, DemoError, step
from gongxiao.core.excel import IMPORTERS, run_import
from gongxiao.core.models import Organization, User
from gongxiao.market import actions
from gongxiao.market.models import Brand, Channel, ChannelOrder
from gongxiao.market.statistics import compute
from gongxiao.members.models import Member

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
BRANDS = [
    (
        "瓯越鲜风",
        "瓯越好风物，鲜味自山来",
        2019,
        "市级区域公共品牌，统一标准、统一包装、统一营销的本地农特产品。",
    ),
    ("青山五个鲜", "笋、菇、芋、梅、鸡，山里五个鲜", 2021, "县级生鲜农产品品牌，产地直采，冷链直达。"),
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

# name, platform, first day, last day, venue, organizers, visitors, online views, checkouts at scale 1
FAIRS = [
    (
        "“家的温暖、家的味道”年货节",
        Channel.Platform.NEW_YEAR_FAIR,
        dt.date(2022, 1, 21),
        dt.date(2022, 1, 25),
        "青山县供销大厦广场",
        "青山县供销合作社联合社、青山县商务局",
        12600,
        86000,
        520,
    ),
    (
        "2022年青山农旅名特优产品展销会",
        Channel.Platform.TRADE_FAIR,
        dt.date(2022, 10, 14),
        dt.date(2022, 10, 16),
        "青山县文化广场",
        "青山县供销合作社联合社、青山县农业农村局、青山县文化和旅游局",
        18300,
        152000,
        480,
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


def import_export(user: User, channel: Channel, file: io.BytesIO) -> Any:
    importer = IMPORTERS[f"channel_orders:{channel.pk}"](user, channel.organization)
    result = run_import(importer, file, dry_run=False)
    if result.errors:
        lines = result.error_lines()
        raise DemoError(f"{channel} 的订单导入失败：\n" + "\n".join(lines[:20]))
    return result


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


@dataclass
class Needs:
    by_product: dict[int, int] = field(default_factory=dict)

    def add(self, product: Product, quantity: int) -> None:
        self.by_product[product.pk] = self.by_product.get(product.pk, 0) + quantity


def _buy(
    user: User,
    location: Location,
    producers: dict[int, Member],
    products: list[Product],
    needs: Needs,
    on: dt.datetime,
) -> int:
    """Purchases of what the channels will sell, one document per producer."""
    by_producer: dict[int, list[LineSpec]] = {}
    for product in products:
        quantity = needs.by_product.get(product.pk, 0)
        if quantity:
            spare = max(10, quantity // 10)
            line = LineSpec(
                product,
                Decimal(quantity + spare),
                unit_price=(product.price * Decimal("0.62")).quantize(CENT),
            )
            by_producer.setdefault(producers[product.pk].pk, []).append(line)
    members = {m.pk: m for m in producers.values()}
    with clock.travel(on):
        for member_pk, lines in by_producer.items():
            create_and_confirm(
                user,
                DocumentSpec(
                    kind=Document.Kind.PURCHASE,
                    organization=location.organization,
                    location=location,
                    member=members[member_pk],
                    partner_name=members[member_pk].name,
                    lines=lines,
                    note="品牌农产品产地直采",
                ),
            )
    return len(by_producer)


@step("线上渠道、展销活动与区域公共品牌")
def market(ctx: DemoContext) -> str:
    assert ctx.head_company is not None
    rng = ctx.rng
    company = ctx.head_company
    user = ctx.add_user("ecom01", company, roles.DEPARTMENT_STAFF)
    products = produce(company)
    producers_pool = list(
        Member.objects.filter(
            kind__in=[Member.Kind.COOPERATIVE, Member.Kind.FAMILY_FARM, Member.Kind.ENTERPRISE]
        ).order_by("pk")[:400]
    )
    if not producers_pool:
        raise DemoError("会员中没有合作社、家庭农场或企业，无法安排品牌的生产主体。")
    rng.shuffle(producers_pool)
    brands = []
    producers: dict[int, Member] = {}
    for index, (name, slogan, year, text) in enumerate(BRANDS):
        brand = Brand.objects.create(
            organization=ctx.federation or company,
            name=name,
            slogan=slogan,
            launched_year=year,
            description=text,
        )
        own = [p for p, row in zip(products, PRODUCTS, strict=True) if row[6] == index]
        makers = (producers_pool[:8] if index == 0 else producers_pool[8:13]) or producers_pool[-1:]
        brand.products.set(own)
        brand.producers.set(makers)
        for number, product in enumerate(own):
            producers[product.pk] = makers[number % len(makers)]
        brands.append(brand)
    warehouse = Location.objects.create(
        organization=company, code="WH-EC", name="供销优选电商仓", kind=Location.Kind.WAREHOUSE
    )

    # the year's orders of each mall, and the fairs' checkouts, known in advance to buy the stock
    plans = []
    first_half, second_half = Needs(), Needs()
    for spec in CHANNELS:
        orders = make_orders(rng, spec, products, ctx.scaled(spec.orders), ctx.person_name)
        for order in orders:
            half = first_half if order.ordered_at < MID_YEAR else second_half
            for line in order.lines:
                half.add(line.product, line.quantity)
        plans.append((spec, orders))
    fair_sales: list[list[tuple[dt.datetime, list[tuple[Product, int]], str]]] = []
    for _name, _platform, first, last, *_rest, checkouts in FAIRS:
        sales = []
        fair_days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        for _ in range(ctx.scaled(checkouts)):
            day = rng.choice(fair_days)
            moment = dt.datetime.combine(day, dt.time(rng.randrange(9, 17), rng.randrange(60)))
            picks = rng.choices(
                products,
                weights=[1] * 14 + [2] * 6 if first.month > 6 else [3] * 14 + [1] * 6,
                k=rng.choice([1, 1, 2, 3]),
            )
            basket = [(p, rng.choice([1, 1, 2, 2, 3, 4])) for p in dict.fromkeys(picks)]
            half = first_half if first < MID_YEAR.date() else second_half
            for product, quantity in basket:
                half.add(product, quantity)
            sales.append((moment, basket, rng.choice(["mobile", "mobile", "mobile", "cash", "bank_card"])))
        fair_sales.append(sorted(sales, key=lambda s: s[0]))
    channels = [make_channel(spec, company, warehouse) for spec, _orders in plans]
    for channel, brand in zip(channels, [brands[0], brands[0], brands[0], brands[1]], strict=True):
        channel.brands.set(brands if brand is brands[1] else [brand])

    fairs = []
    for (name, platform, first, last, venue, organizers, visitors, views, _n), sales in zip(
        FAIRS, fair_sales, strict=True
    ):
        fair = Channel.objects.create(
            organization=company,
            code=f"FAIR-{first:%Y%m}",
            name=name,
            kind=Channel.Kind.EVENT,
            platform=platform,
            operator="青山县供销合作社联合社",
            location=warehouse,
            starts_on=first,
            ends_on=last,
            venue=venue,
            organizers=organizers,
            visitors=visitors,
            online_views=views,
        )
        fair.brands.set(brands)
        fairs.append((fair, sales))

    def sell_at_fair(fair: Channel, sales: list[Any]) -> None:
        """Every checkout at the stall; the stall closed and posted each evening."""
        open_day = None
        for moment, basket, method in sales:
            if open_day is not None and moment.date() != open_day:
                with clock.travel(dt.datetime.combine(open_day, dt.time(18))):
                    actions.post_pending(user, fair)
            open_day = moment.date()
            with clock.travel(moment):
                actions.sell_at_stall(
                    user, fair, [actions.StallLine(p, Decimal(q)) for p, q in basket], method
                )
        if open_day is not None:
            with clock.travel(dt.datetime.combine(open_day, dt.time(18))):
                if fair.lines().pending().exists():
                    actions.post_pending(user, fair)

    # in the order of the calendar: stock bought in January, the New-Year fair, stock for the second
    # half in June, the first half's exports on July 1st, the trade fair in October, the year's end
    purchases = _buy(user, warehouse, producers, products, first_half, dt.datetime(YEAR, 1, 4, 9))
    new_year_fair, trade_fair = fairs
    sell_at_fair(*new_year_fair)
    with clock.travel(dt.datetime(YEAR, 1, 26, 10)):
        last_order = new_year_fair[0].lines().order_by("-pk").first()
        if last_order is not None:
            actions.cancel_order(user, new_year_fair[0], last_order.order_no, "顾客退货：礼盒破损")
    purchases += _buy(user, warehouse, producers, products, second_half, dt.datetime(YEAR, 6, 20, 9))
    for channel, (spec, orders) in zip(channels, plans, strict=True):
        with clock.travel(MID_YEAR):
            import_export(user, channel, export_file(spec, orders, MID_YEAR))
    sell_at_fair(*trade_fair)
    refunded_later = 0
    for channel, (spec, orders) in zip(channels, plans, strict=True):
        with clock.travel(YEAR_END):
            result = import_export(user, channel, export_file(spec, orders, YEAR_END))
            refunded_later += result.updated

    whole_year = (dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
    online = compute(channels[1].lines(), *whole_year)
    fair_channels = Channel.objects.filter(pk__in=[fair.pk for fair, _sales in fairs])
    events = compute(ChannelOrder.objects.filter(channel__in=fair_channels), *whole_year, fair_channels)
    return (
        f"{len(brands)} 个区域公共品牌、{len(products)} 种农特产品、{purchases} 张产地采购单；"
        f"{len(channels)} 个线上渠道（各自的导出格式，年中、年末各导入一次，{refunded_later} 行后来退款或取消并红冲）；"
        f"“丰收互联”专区{online.sentence()}；展销活动：{events.event_sentence()}"
    )
