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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.models import Business, Category, Document, Location, Product, Unit
from gongxiao.core import clock, roles
from gongxiao.core.demo import DemoContext, DemoError, step
from gongxiao.core.excel import IMPORTERS, run_import
from gongxiao.core.models import User
from gongxiao.market import actions, contracts
from gongxiao.market.demo_malls import (
    CENT,
    CHANNELS,
    MID_YEAR,
    PRODUCTS,
    YEAR,
    YEAR_END,
    export_file,
    make_channel,
    make_orders,
    produce,
)
from gongxiao.market.models import Brand, BuyerOrder, Channel, ChannelOrder, ProductionPlan
from gongxiao.market.statistics import compute
from gongxiao.members.models import Member

BRANDS = [
    (
        "瓯越鲜风",
        "瓯越好风物，鲜味自山来",
        2019,
        "市级区域公共品牌，统一标准、统一包装、统一营销的本地农特产品。",
    ),
    ("青山五个鲜", "笋、菇、芋、梅、鸡，山里五个鲜", 2021, "县级生鲜农产品品牌，产地直采，冷链直达。"),
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


def import_export(user: User, channel: Channel, file: io.BytesIO) -> Any:
    importer = IMPORTERS[f"channel_orders:{channel.pk}"](user, channel.organization)
    result = run_import(importer, file, dry_run=False)
    if result.errors:
        lines = result.error_lines()
        raise DemoError(f"{channel} 的订单导入失败：\n" + "\n".join(lines[:20]))
    return result


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


# ---------------------------------------------------------------- contract farming (订单农业，一村一品)

CONTRACT_PRODUCE = [  # code, name, price per kg paid to farmers
    ("CF-001", "高山茶青", Decimal("36")),
    ("CF-002", "春笋", Decimal("4.5")),
    ("CF-003", "高山蔬菜", Decimal("3.2")),
    ("CF-004", "土鸡蛋", Decimal("16")),
]
BUYERS = [  # name, kind, town
    ("联华超市温州店", "supermarket", "鹿城区"),
    ("永辉超市瑞安店", "supermarket", "瑞安市"),
    ("鲜丰农产品供应链公司", "supply_chain", "瓯海区"),
    ("浙南果蔬配送中心", "supply_chain", "龙湾区"),
    ("县城菜市场", "wet_market", "县城"),
    ("桥头农贸市场", "wet_market", "桥头镇"),
    ("县第一中学食堂", "canteen", "县城"),
    ("县人民医院食堂", "canteen", "县城"),
    ("温州大学食堂", "canteen", "瓯海区"),
    ("盒马鲜生温州仓", "supermarket", "龙湾区"),
]
CONTRACT_YEAR = 2023


def contract_season(
    user: User,
    organization: Any,
    location: Location,
    villages: list[Any],
    members_by_village: dict[int, list[Member]],
    rng: Any,
    plans: int = 30,
    buyers: int = 10,
) -> tuple[int, int, Any, int]:
    """One season (2023 spring): village plans, buyers' orders, the matching accepted, some collection."""
    products = []
    for code, name, farm_price in CONTRACT_PRODUCE:
        product = Product.objects.filter(code=code).first() or Product.objects.create(
            organization=organization,
            code=code,
            name=name,
            business=Business.FARM_PRODUCE,
            category=Category.PRODUCE,
            base_unit=Unit.KG,
            price=farm_price * 2,
        )
        products.append(product)
    made = []
    for village in villages[:plans]:
        index = rng.randrange(len(products))
        area = Decimal(rng.randrange(20, 300))
        plan = ProductionPlan.objects.create(
            organization=organization,
            village=village,
            product=products[index],
            year=CONTRACT_YEAR,
            season="spring",
            area_mu=area,
            expected_kg=area * Decimal(rng.randrange(80, 400)),
            latitude=Decimal(f"{27.70 + rng.random() * 0.5:.6f}"),
            longitude=Decimal(f"{119.90 + rng.random() * 0.6:.6f}"),
        )
        plan.members.set(members_by_village.get(village.pk, [])[: rng.randrange(5, 15)])
        made.append(plan)
    for name, kind, town in BUYERS[:buyers]:
        product = rng.choice(products)
        BuyerOrder.objects.create(
            organization=organization,
            buyer_name=name,
            buyer_kind=kind,
            town=town,
            latitude=Decimal(f"{27.60 + rng.random() * 0.7:.6f}"),
            longitude=Decimal(f"{119.80 + rng.random() * 0.9:.6f}"),
            product=product,
            year=CONTRACT_YEAR,
            season="spring",
            quantity_kg=Decimal(rng.randrange(5, 60) * 1000),
            price=next(price for code, _n, price in CONTRACT_PRODUCE if code == product.code)
            * Decimal("1.3"),
            deliver_from=dt.date(CONTRACT_YEAR, 4, 1),
            deliver_to=dt.date(CONTRACT_YEAR, 5, 31),
        )
    with clock.travel(dt.datetime(CONTRACT_YEAR, 3, 20, 10, 0)):
        result = contracts.match(user, CONTRACT_YEAR, "spring")
        contracts.accept(user, result.pairings)
    collected = 0
    with clock.travel(dt.datetime(CONTRACT_YEAR, 4, 15, 9, 0)):
        for plan in made[: max(1, len(made) // 3)]:
            farmers = list(plan.members.all()[:5])
            price = next(p for code, _n, p in CONTRACT_PRODUCE if code == plan.product.code)
            rows = [
                (farmer, Decimal(rng.randrange(50, 400)), price, Decimal(rng.randrange(50, 400)) * price)
                for farmer in farmers
            ]
            rows = [(f, w, p, min(paid, (w * p).quantize(Decimal("0.01")))) for f, w, p, paid in rows]
            if rows:
                contracts.collect(user, plan, location, rows)
                collected += len(rows)
    return len(made), buyers, result, collected


@step("订单农业：一村一品生产计划与采购商订单匹配")
def contract_farming(ctx: DemoContext) -> str:
    assert ctx.head_company is not None
    company = ctx.head_company
    user = ctx.users.get("ecom01") or ctx.add_user("ecom01", company, roles.DEPARTMENT_STAFF)
    location = Location.objects.filter(code="WH-EC").first() or Location.objects.create(
        organization=company, code="WH-EC", name="供销优选电商仓", kind=Location.Kind.WAREHOUSE
    )
    members_by_village: dict[int, list[Member]] = {}
    for member in Member.objects.filter(kind=Member.Kind.HOUSEHOLD, is_active=True).order_by("pk")[:6000]:
        members_by_village.setdefault(member.village_id, []).append(member)
    villages = [v for v in ctx.villages if v.pk in members_by_village] or ctx.villages
    villages = ctx.rng.sample(villages, min(30, len(villages)))
    plans, buyers, result, collected = contract_season(
        user, company, location, villages, members_by_village, ctx.rng
    )
    return (
        f"{CONTRACT_YEAR} 年春季 {plans} 个村级生产计划、{buyers} 家采购商订单；匹配 {len(result.pairings)} 条、"
        f"覆盖 {result.covered} kg，未满足 {sum(result.unmet.values(), Decimal(0))} kg；{collected} 笔农户收购"
    )
