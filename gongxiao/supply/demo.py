"""Demo agri-input supply: the chain's catalog, the head warehouse, five renovated chain stores with
their five-unification assessments and pesticide licences, and a year of trade.

Everything goes through the actions under the demo clock, as clerks would have entered it day by
day: purchases into the head warehouse, the chain's distribution to the stores, counter checkouts
(real-name records for pesticides), a stocktake and a customer return.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gongxiao.commerce.actions import (
    DocumentSpec,
    LineSpec,
    PaymentSpec,
    create_and_confirm,
    reverse_document,
)
from gongxiao.commerce.errors import InsufficientStock
from gongxiao.commerce.models import Business, Category, Document, Location, Package, Product, Unit
from gongxiao.commerce.stock import on_hand
from gongxiao.core import clock, roles
from gongxiao.core.demo import Coop, DemoContext, step
from gongxiao.core.models import User
from gongxiao.members.models import Member
from gongxiao.network.models import Outlet
from gongxiao.supply.actions import Buyer, Checkout, CounterLine, campaign_summary, checkout, deliver
from gongxiao.supply.models import Campaign, CampaignDistribution, PesticideLicence, UnificationAssessment

# code, name, specification, business, category, unit, package (name, factor), cost, price, registration
CATALOG = [
    ("F001", "尿素", "N46%", Business.AGRI_INPUT, Category.UREA, Unit.KG, ("袋", 50), "2.60", "3.00", ""),
    (
        "F002",
        "复合肥",
        "15-15-15",
        Business.AGRI_INPUT,
        Category.COMPOUND,
        Unit.KG,
        ("袋", 50),
        "3.10",
        "3.60",
        "",
    ),
    (
        "F003",
        "水稻配方肥",
        "18-8-14",
        Business.AGRI_INPUT,
        Category.FORMULA,
        Unit.KG,
        ("袋", 40),
        "3.00",
        "3.50",
        "",
    ),
    (
        "F004",
        "氯化钾",
        "K2O 60%",
        Business.AGRI_INPUT,
        Category.POTASH,
        Unit.KG,
        ("袋", 50),
        "3.40",
        "3.90",
        "",
    ),
    (
        "F005",
        "茶树专用有机肥",
        "有机质≥45%",
        Business.AGRI_INPUT,
        Category.ORGANIC,
        Unit.KG,
        ("袋", 40),
        "1.20",
        "1.50",
        "",
    ),
    (
        "P001",
        "吡虫啉可湿性粉剂",
        "10% 20克",
        Business.AGRI_INPUT,
        Category.PESTICIDE,
        Unit.PIECE,
        ("箱", 100),
        "2.50",
        "4.00",
        "PD20050011",
    ),
    (
        "P002",
        "阿维菌素乳油",
        "1.8% 100毫升",
        Business.AGRI_INPUT,
        Category.PESTICIDE,
        Unit.PIECE,
        ("箱", 60),
        "5.00",
        "8.00",
        "PD20080152",
    ),
    (
        "P003",
        "草甘膦水剂",
        "30% 1升",
        Business.AGRI_INPUT,
        Category.PESTICIDE,
        Unit.PIECE,
        ("箱", 12),
        "14.00",
        "20.00",
        "PD20092365",
    ),
    (
        "S001",
        "杂交水稻种子",
        "甬优1540 1千克",
        Business.AGRI_INPUT,
        Category.SEED,
        Unit.PIECE,
        ("箱", 20),
        "88.00",
        "110.00",
        "",
    ),
    (
        "S002",
        "玉米种子",
        "浙糯玉5号 500克",
        Business.AGRI_INPUT,
        Category.SEED,
        Unit.PIECE,
        ("箱", 40),
        "22.00",
        "30.00",
        "",
    ),
    (
        "M001",
        "农用地膜",
        "0.01毫米",
        Business.AGRI_INPUT,
        Category.FILM,
        Unit.KG,
        ("卷", 10),
        "13.00",
        "16.00",
        "",
    ),
    (
        "D001",
        "大米",
        "5千克",
        Business.CONSUMER_GOODS,
        Category.GRAIN_OIL,
        Unit.PIECE,
        ("箱", 4),
        "22.00",
        "29.90",
        "",
    ),
    (
        "D002",
        "菜籽油",
        "5升",
        Business.CONSUMER_GOODS,
        Category.GRAIN_OIL,
        Unit.PIECE,
        ("箱", 4),
        "62.00",
        "75.00",
        "",
    ),
    (
        "D003",
        "洗衣粉",
        "1.5千克",
        Business.CONSUMER_GOODS,
        Category.DAILY,
        Unit.PIECE,
        ("箱", 8),
        "14.00",
        "19.80",
        "",
    ),
    (
        "L001",
        "粉干",
        "500克",
        Business.FARM_PRODUCE,
        Category.PROCESSED,
        Unit.PIECE,
        ("箱", 20),
        "6.50",
        "9.90",
        "",
    ),
    (
        "L002",
        "九蒸九晒姜茶",
        "250克",
        Business.FARM_PRODUCE,
        Category.PROCESSED,
        Unit.PIECE,
        ("箱", 24),
        "28.00",
        "39.00",
        "",
    ),
]

CROPS = ["水稻", "茶叶", "柑橘", "蔬菜", "玉米"]
PESTS = ["稻飞虱", "稻纵卷叶螟", "茶小绿叶蝉", "红蜘蛛", "蚜虫", "杂草"]
SUPPLIER_PHONES = {
    "县兴农农业生产资料有限公司": "0577-68812345",
    "县供合农业生产资料有限公司": "0577-68823456",
    "市农资集团有限公司": "0577-88834567",
}
SUPPLIERS = ["县兴农农业生产资料有限公司", "县供合农业生产资料有限公司", "市农资集团有限公司"]
YEAR_START = dt.date(2022, 1, 4)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0)


# valid_to of the five stores' licences: one expires soon after the demo is built, to show the warning
LICENCE_ENDS = [
    dt.date(2027, 12, 31),
    dt.date(2027, 6, 30),
    dt.date(2027, 1, 31),
    dt.date(2027, 9, 30),
    dt.date(2028, 3, 31),
]


@step("农资连锁门店（五统一、许可证）与一年的购销")
def trade(ctx: DemoContext) -> str:
    assert ctx.head_company is not None
    rng = ctx.rng
    company_user = ctx.add_user("company01", ctx.head_company, roles.DEPARTMENT_STAFF)
    products: list[tuple[Product, Package, Decimal]] = []
    for code, name, spec, business, category, unit, (
        package_name,
        per_package,
    ), cost_text, price, reg in CATALOG:
        product = Product.objects.create(
            organization=ctx.head_company,
            code=code,
            name=name,
            specification=spec,
            business=business,
            category=category,
            base_unit=unit,
            price=Decimal(price),
            registration_no=reg,
            manufacturer="浙江某农化有限公司" if category == Category.PESTICIDE else "",
            barcode=f"69{rng.randrange(10**10, 10**11)}",
        )
        if category == Category.SEED:  # seeds are counted in bags; statistics report kilograms
            product.unit_weight_kg = Decimal("1") if code == "S001" else Decimal("0.5")
            product.save(update_fields=["unit_weight_kg"])
        package = Package.objects.create(product=product, name=package_name, factor=Decimal(per_package))
        products.append((product, package, Decimal(cost_text)))
    warehouse = Location.objects.create(
        organization=ctx.head_company, code="WH-01", name="县供销总公司农资仓库", kind=Location.Kind.WAREHOUSE
    )
    stores: list[tuple[Location, Coop]] = []
    for coop in ctx.coops[:5]:
        unit = coop.units[0] if coop.units else coop.organization
        store = Location.objects.create(
            organization=unit,
            code=f"ST-{coop.organization.code}",
            kind=Location.Kind.STORE,
            name=f"宜农农资连锁门店（{coop.organization.name.removesuffix('供销社')}店）",
        )
        stores.append((store, coop))
    outlets: dict[int, Outlet] = {}
    for number, (store, coop) in enumerate(stores):
        outlet = Outlet.objects.create(
            organization=store.organization,
            code=f"CS-{number + 1:02d}",
            name=store.name,
            kind=Outlet.Kind.CHAIN_STORE,
            region=coop.towns[0],
            opened_year=rng.choice([2009, 2012, 2015]),
            renovated_year=2022,
            location=store,
            address=f"{coop.towns[0].name}{rng.choice(['中心街', '人民路', '解放路'])}{rng.randrange(1, 120)}号",
        )
        outlets[store.pk] = outlet
        PesticideLicence.objects.create(
            outlet=outlet,
            number=f"农药经许（浙）330327{number + 1:05d}",
            covers_restricted=number == 0,
            valid_from=dt.date(2022, 1, 1),
            valid_to=LICENCE_ENDS[number],
        )
        UnificationAssessment.objects.create(
            outlet=outlet,
            assessed_on=dt.date(2022, 11, 15 + number),
            assessed_by="县供销社业务科",
            signage=True,
            rules=True,
            zoning=number != 3,
            distribution=True,
            sales_system=number != 3,
            note="分区标识未到位，销售系统未上线，限期整改" if number == 3 else "",
        )
    members_by_coop = {
        coop.organization.pk: list(
            Member.objects.filter(organization__path__startswith=coop.organization.path).select_related(
                "village"
            )[:200]
        )
        for _store, coop in stores
    }
    counts = {"purchase": 0, "transfer": 0, "sale": 0}
    campaign = Campaign.objects.create(
        organization=ctx.head_company,
        name="2022春耕备耕支农惠农送肥、送种子下乡",
        starts_on=CAMPAIGN_START,
        ends_on=dt.date(2022, 3, 31),
        partners="县农资协会",
    )
    campaign_days = {CAMPAIGN_START + dt.timedelta(days=2 * n): store for n, (store, _c) in enumerate(stores)}
    season = {
        1: 0.6,
        2: 1.4,
        3: 2.0,
        4: 1.6,
        5: 1.0,
        6: 0.8,
        7: 0.7,
        8: 0.8,
        9: 1.0,
        10: 0.9,
        11: 0.7,
        12: 0.6,
    }
    day = YEAR_START
    while day.year == YEAR_START.year:
        busy = season[day.month] * ctx.scale
        if day.weekday() == 0:  # Monday: the head company buys in and distributes to the stores
            with clock.travel(_at(day, 9)):
                lines = []
                for product, package, cost in rng.sample(products, 6):
                    bought = max(1, round(rng.uniform(20, 60) * busy))
                    lines.append(
                        LineSpec(product, package=package, package_quantity=Decimal(bought), unit_price=cost)
                    )
                create_and_confirm(
                    company_user,
                    DocumentSpec(
                        kind=Document.Kind.PURCHASE,
                        organization=ctx.head_company,
                        location=warehouse,
                        partner_name=(supplier := rng.choice(SUPPLIERS)),
                        partner_contact=SUPPLIER_PHONES[supplier],
                        lines=lines,
                    ),
                )
                counts["purchase"] += 1
            with clock.travel(_at(day, 14)):
                for store, _coop in stores:
                    lines = []
                    for product, package, _cost in rng.sample(products, 5):
                        available = on_hand(warehouse, product)
                        wanted = min(
                            int(available / package.factor), max(1, round(rng.uniform(3, 10) * busy))
                        )
                        if wanted > 0:
                            lines.append(LineSpec(product, package=package, package_quantity=Decimal(wanted)))
                    if lines:
                        create_and_confirm(
                            company_user,
                            DocumentSpec(
                                kind=Document.Kind.TRANSFER,
                                organization=ctx.head_company,
                                location=warehouse,
                                to_location=store,
                                channel=Document.Channel.DISTRIBUTION,
                                lines=lines,
                            ),
                        )
                        counts["transfer"] += 1
        if day == CAMPAIGN_START - dt.timedelta(days=4):  # the head company buys in for the campaign
            compound, compound_bag, compound_cost = products[1]
            with clock.travel(_at(day, 9)):
                create_and_confirm(
                    company_user,
                    DocumentSpec(
                        kind=Document.Kind.PURCHASE,
                        organization=ctx.head_company,
                        location=warehouse,
                        partner_name=SUPPLIERS[0],
                        partner_contact=SUPPLIER_PHONES[SUPPLIERS[0]],
                        note=campaign.name,
                        lines=[
                            LineSpec(
                                compound,
                                package=compound_bag,
                                package_quantity=Decimal(rng.randrange(350, 450)),
                                unit_price=compound_cost,
                            )
                        ],
                    ),
                )
                counts["purchase"] += 1
        if day in campaign_days:
            with clock.travel(_at(day, 8)):
                _campaign_delivery(ctx, campaign, outlets[campaign_days[day].pk], warehouse, company_user)
        if day.day in (1, 11, 21):  # the store that has not joined the chain's distribution buys on its own
            store, coop = stores[3]
            assert coop.clerk is not None
            with clock.travel(_at(day, 10)):
                lines = [
                    LineSpec(
                        product,
                        package=package,
                        package_quantity=Decimal(rng.randrange(5, 15)),
                        unit_price=cost,
                    )
                    for product, package, cost in rng.sample([p for p in products if p[0].is_fertilizer], 4)
                ]
                create_and_confirm(
                    coop.clerk,
                    DocumentSpec(
                        kind=Document.Kind.PURCHASE,
                        organization=store.organization,
                        location=store,
                        partner_name=(supplier := rng.choice(SUPPLIERS)),
                        partner_contact=SUPPLIER_PHONES[supplier],
                        lines=lines,
                    ),
                )
                counts["purchase"] += 1
        if day.weekday() < 6:
            for store, coop in stores:
                clerk = coop.clerk
                assert clerk is not None
                for _ in range(rng.randrange(0, max(1, round(3 * busy)) + 1)):
                    product, package, _cost = rng.choice(products)
                    packages = Decimal(rng.choice([1, 1, 1, 2, 2, 3, 5]))
                    member = rng.choice(members_by_coop[coop.organization.pk]) if rng.random() < 0.6 else None
                    amount = (packages * package.factor * product.price).quantize(Decimal("0.01"))
                    method = rng.choice(["cash", "mobile", "mobile", "bank_card"])
                    buyer = None
                    if product.is_pesticide:
                        if member is None or member.kind != Member.Kind.HOUSEHOLD:
                            continue  # real-name purchase: the demo's pesticide buyers are member households
                        buyer = Buyer(
                            name=member.name,
                            id_number=member.id_number,
                            address=member.address or member.village.name,
                            phone=member.phone,
                            crop=rng.choice(CROPS),
                            pest=rng.choice(PESTS),
                        )
                    with clock.travel(_at(day, rng.randrange(8, 18))):
                        try:
                            checkout(
                                clerk,
                                Checkout(
                                    outlet=outlets[store.pk],
                                    lines=[
                                        CounterLine(
                                            LineSpec(product, package=package, package_quantity=packages),
                                            buyer,
                                        )
                                    ],
                                    member=member,
                                    payments=[PaymentSpec(method, amount)],
                                ),
                            )
                            counts["sale"] += 1
                        except InsufficientStock:
                            pass  # the shelf was empty; a real clerk would have said so too
        day += dt.timedelta(days=1)
    store, coop = stores[0]
    assert coop.clerk is not None
    last_sale = (
        Document.objects.filter(location=store, kind=Document.Kind.SALE, status="confirmed")
        .order_by("pk")
        .last()
    )
    if last_sale is not None:
        with clock.travel(_at(dt.date(2022, 12, 28), 10)):
            reverse_document(last_sale, coop.clerk, "顾客退货：包装破损")
    fertilizer = products[1][0]
    with clock.travel(_at(dt.date(2022, 12, 30), 16)):
        book = on_hand(store, fertilizer)
        create_and_confirm(
            coop.clerk,
            DocumentSpec(
                kind=Document.Kind.STOCKTAKE,
                organization=store.organization,
                location=store,
                lines=[LineSpec(fertilizer, max(Decimal("0"), book - Decimal("50")))],
                note="年末盘点",
            ),
        )
    return (
        f"{len(products)} 种商品，1 个仓库，{len(stores)} 家改造连锁门店（五统一评估、农药经营许可证）；采购 {counts['purchase']} 单、"
        f"送肥下乡：{campaign_summary(campaign).sentence()}；"
        f"配送 {counts['transfer']} 单、柜台销售 {counts['sale']} 单（农药实名登记），1 张退货冲销、1 张年末盘点"
    )


CAMPAIGN_START = dt.date(2022, 2, 21)


def _campaign_delivery(
    ctx: DemoContext, campaign: Campaign, outlet: Outlet, warehouse: Location, user: User
) -> None:
    """One of the seed's deliveries to a township store: compound fertilizer and seed, then households."""
    rng = ctx.rng
    assert ctx.head_company is not None and outlet.location is not None
    compound = Product.objects.get(organization=ctx.head_company, code="F002")
    seed = Product.objects.get(organization=ctx.head_company, code="S001")
    bag, seed_box = compound.packages.get(), seed.packages.get()
    bags = min(int(on_hand(warehouse, compound) // bag.factor), rng.randrange(40, 90))
    boxes = min(int(on_hand(warehouse, seed) // seed_box.factor), rng.randrange(2, 6))
    lines = [LineSpec(seed, package=seed_box, package_quantity=Decimal(boxes))] if boxes > 0 else []
    if bags > 0:
        lines.insert(0, LineSpec(compound, package=bag, package_quantity=Decimal(bags)))
    if not lines:
        return
    try:
        deliver(
            user,
            campaign,
            DocumentSpec(
                kind=Document.Kind.TRANSFER,
                organization=ctx.head_company,
                location=warehouse,
                to_location=outlet.location,
                channel=Document.Channel.DISTRIBUTION,
                note=campaign.name,
                lines=lines,
            ),
            outlet,
        )
    except InsufficientStock:
        return
    for offset in range(3):
        CampaignDistribution.objects.create(
            campaign=campaign,
            town=outlet.region,
            households=rng.randrange(30, 90),
            day=clock.today() + dt.timedelta(days=offset),
        )


# -- the fertilizer emergency reserve -------------------------------------------------------------

RESERVE_QUOTAS = [("F001", 600), ("F002", 700), ("F003", 300)]  # urea, compound, formula: 1,600 t
RESERVE_DAYS = (5, 12, 19, 26)  # the holder's weekly purchases and sales
SHORT_MONTH = dt.date(2023, 2, 1)  # compound sold below the quota without a release order
LATE_MONTH = dt.date(2023, 1, 1)  # the January report arrives on 16 February
RELEASE_DAY = dt.date(2023, 3, 13)
REFILL_DAY = dt.date(2023, 4, 10)


@step("化肥应急储备（2023 年 1,600 吨，联合体承储）")
def fertilizer_reserve(ctx: DemoContext) -> str:
    """The seed's 2023 plan: 1,600 t held by two local companies jointly, from November to April."""
    from gongxiao.core.testing import make_uscc
    from gongxiao.supply.models import (
        ReserveHolder,
        ReserveHolderPartner,
        ReserveInspection,
        ReservePlan,
        ReserveQuota,
        ReserveRelease,
    )
    from gongxiao.supply.reserve import ReportLineSpec, compliance, record_report

    assert ctx.federation is not None and ctx.head_company is not None
    rng = ctx.rng
    clerk = ctx.add_user("reserve01", ctx.federation, roles.DEPARTMENT_STAFF)
    products = {
        code: Product.objects.get(organization=ctx.head_company, code=code) for code, _t in RESERVE_QUOTAS
    }
    plan = ReservePlan(
        organization=ctx.federation,
        year=2023,
        name="2023年春耕化肥应急储备",
        kind=ReservePlan.Kind.SPRING,
        total_quota=Decimal(1600),
        period_start=dt.date(2022, 11, 1),
        subsidy_formula=ReservePlan.Formula.PER_TONNE_MONTH,
        subsidy_per_tonne_month=Decimal(40),
        note="县发改局、县财政局、县供销社联合下达",
    )
    plan.full_clean()
    plan.save()
    plan.products.set(products.values())
    holder = ReserveHolder(
        plan=plan,
        code="CB-2023-01",
        name="青山县农资储备联合体",
        tender_date=dt.date(2022, 9, 16),
        tender_result="公开招标，联合体中标，承储 1,600 吨",
        contact="周建华",
        phone="13905781234",
    )
    holder.full_clean()
    holder.save()
    for number, (name, lead) in enumerate([("青山县农资有限公司", True), ("青山县绿源农资有限公司", False)]):
        partner = ReserveHolderPartner(
            holder=holder, name=name, credit_code=make_uscc(7100 + number, kind="91"), is_lead=lead
        )
        partner.full_clean()
        partner.save()
    quotas = {}
    for (code, tonnes), zone in zip(RESERVE_QUOTAS, ("一区", "二区", "三区"), strict=True):
        quota = ReserveQuota(
            holder=holder,
            product=products[code],
            quantity=Decimal(tonnes),
            warehouse="城北农资储备仓库",
            zone_name=f"储备{zone}",
        )
        quota.full_clean()
        quota.save()
        quotas[code] = quota
    release = ReserveRelease(
        holder=holder,
        product=products["F001"],
        quantity=Decimal(150),
        order_number="青发改〔2023〕12号",
        approved_by="县发展和改革局",
        approved_on=RELEASE_DAY - dt.timedelta(days=2),
        released_on=RELEASE_DAY,
        destinations="城关镇、桥头镇、溪口镇供销社农资门店",
        created_by=clerk,
    )
    release.full_clean()
    release.save()

    stock = {code: Decimal(tonnes + rng.randrange(10, 30)) for code, tonnes in RESERVE_QUOTAS}
    lines_count = 0
    for month in plan.months:
        lines = []
        if month == plan.period_start:
            lines += [
                ReportLineSpec(products[code], month, stock[code], Decimal(0), stock[code], "期初结存")
                for code, _t in RESERVE_QUOTAS
            ]
        for code, tonnes in RESERVE_QUOTAS:
            for day_number in RESERVE_DAYS:
                day = month.replace(day=day_number)
                if code == "F002" and month == SHORT_MONTH:
                    if day_number == 5:
                        day = month.replace(day=8)  # a wholesale order sold out of the reserve
                        issued = stock[code] - Decimal(tonnes - 40)
                        lines.append(
                            ReportLineSpec(products[code], day, Decimal(0), issued, Decimal(tonnes - 40))
                        )
                        stock[code] = Decimal(tonnes - 40)
                    elif day_number == 19:
                        day = month.replace(day=18)
                        target = Decimal(tonnes + rng.randrange(10, 30))
                        lines.append(
                            ReportLineSpec(products[code], day, target - stock[code], Decimal(0), target)
                        )
                        stock[code] = target
                    continue
                if code == "F001" and RELEASE_DAY <= day < REFILL_DAY:
                    continue
                target = Decimal(tonnes + rng.randrange(5, 40))
                if code == "F001" and month == RELEASE_DAY.replace(day=1) and day_number == 12:
                    day = RELEASE_DAY
                    lines.append(
                        ReportLineSpec(
                            products[code],
                            day,
                            Decimal(0),
                            release.quantity,
                            stock[code] - release.quantity,
                            release.order_number,
                        )
                    )
                    stock[code] -= release.quantity
                    continue
                if code == "F001" and month == REFILL_DAY.replace(day=1) and day_number == 12:
                    day = REFILL_DAY
                issued = Decimal(rng.randrange(8, 45))
                received = max(target - stock[code] + issued, Decimal(0))
                issued = stock[code] + received - target
                lines.append(ReportLineSpec(products[code], day, received, issued, target))
                stock[code] = target
        due = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        submitted = due.replace(day=16) if month == LATE_MONTH else due.replace(day=rng.randrange(3, 10))
        with clock.travel(dt.datetime.combine(submitted, dt.time(10))):
            record_report(clerk, holder, month, lines, submitted_on=submitted, note="购销存月报")
        lines_count += len(lines)
    for day, inspectors, counted, findings in [
        (
            dt.date(2022, 12, 20),
            "县供销社 王强、县发改局 陈立",
            Decimal("1640.5"),
            "库存与台账一致，储备区标识清楚。",
        ),
        (
            dt.date(2023, 3, 28),
            "县供销社 王强、县财政局 李敏",
            Decimal("1475"),
            "尿素动用 150 吨后尚未补库，已督促在期限内补足。",
        ),
    ]:
        inspection = ReserveInspection(
            holder=holder,
            inspected_on=day,
            inspectors=inspectors,
            counted=counted,
            quantity_ok=True,
            books_ok=True,
            signage_ok=True,
            zoning_ok=True,
            findings=findings,
            created_by=clerk,
        )
        inspection.save()
    result = compliance(holder)
    return (
        f"储备计划 {plan.total_quota:,.0f} 吨，联合体承储；{len(result.months)} 份月报 {lines_count} 行"
        f"（逾期 {len(result.late_reports)} 份），短储 {result.short_days} 天，动用 1 次；应付补贴 {result.payable:,.2f} 元"
    )


DISASTER_QUOTAS = [("F001", 120), ("F002", 80)]  # urea and compound held by the head company itself
DISASTER_RELEASE_DAY = dt.date(2023, 2, 20)


@step("救灾化肥储备（县供销总公司自储，按库存台账考核）")
def disaster_reserve(ctx: DemoContext) -> str:
    """A holder inside the system: the head company keeps 200 t in a signed zone of its warehouse.

    Its stock comes from the stock ledger, so the demo writes what its clerks would: the receipts into
    the zone, a receipt entered a week late as a correction of the day it arrived, the transfer of a
    release to a chain store (named by the release order automatically), and the refill.
    """
    from gongxiao.supply.models import ReserveHolder, ReservePlan, ReserveQuota, ReserveRelease
    from gongxiao.supply.reserve import compliance

    assert ctx.federation is not None and ctx.head_company is not None
    company = ctx.head_company
    staff = User.objects.get(username="company01")
    reserve_clerk = User.objects.get(username="reserve01")
    warehouse = Location.objects.get(organization=company, code="WH-01")
    zone = Location.objects.create(
        organization=company,
        code="WH-01-RZ",
        name="县供销总公司农资仓库救灾储备区",
        kind=Location.Kind.RESERVE_ZONE,
        warehouse=warehouse,
    )
    products = {code: Product.objects.get(organization=company, code=code) for code, _t in DISASTER_QUOTAS}
    plan = ReservePlan(
        organization=ctx.federation,
        year=2023,
        name="2022—2023年度救灾化肥储备",
        kind=ReservePlan.Kind.DISASTER,
        total_quota=Decimal(sum(t for _c, t in DISASTER_QUOTAS)),
        period_start=dt.date(2022, 11, 1),
        subsidy_formula=ReservePlan.Formula.PER_TONNE_MONTH,
        subsidy_per_tonne_month=Decimal(35),
        note="县供销总公司自储，库存以库存台账为准",
    )
    plan.full_clean()
    plan.save()
    plan.products.set(products.values())
    holder = ReserveHolder(
        plan=plan,
        code="CB-2023-02",
        name=company.name,
        stock_organization=company,
        tender_date=dt.date(2022, 10, 10),
        tender_result="县供销社指定承储",
    )
    holder.full_clean()
    holder.save()
    for code, tonnes in DISASTER_QUOTAS:
        quota = ReserveQuota(holder=holder, product=products[code], quantity=Decimal(tonnes), zone=zone)
        quota.full_clean()
        quota.save()

    def receive(day: dt.date, code: str, tonnes: int, **correction: object) -> Document:
        product = products[code]
        with clock.travel(_at(day, 9)):
            return create_and_confirm(
                staff,
                DocumentSpec(
                    kind=Document.Kind.PURCHASE,
                    organization=company,
                    location=zone,
                    partner_name=SUPPLIERS[0],
                    lines=[
                        LineSpec(product, Decimal(tonnes * 1000), unit_price=product.price * Decimal("0.85"))
                    ],
                    note="救灾储备入库",
                    **correction,  # type: ignore[arg-type]
                ),
            )

    receive(dt.date(2022, 10, 25), "F001", 125)
    receive(dt.date(2022, 10, 26), "F002", 72)
    # 10 t of compound arrived on 1 November; its receipt was entered on the 8th, as a correction
    late = dt.date(2022, 11, 1)
    receive(
        dt.date(2022, 11, 8),
        "F002",
        10,
        corrects_date=late,
        correction_reason="11月1日到货，入库单漏录，补录更正",
    )
    store = Location.objects.filter(kind=Location.Kind.STORE, code__startswith="ST-").order_by("code").first()
    assert store is not None
    with clock.travel(_at(DISASTER_RELEASE_DAY, 10)):
        transfer = create_and_confirm(
            staff,
            DocumentSpec(
                kind=Document.Kind.TRANSFER,
                organization=company,
                location=zone,
                to_location=store,
                lines=[LineSpec(products["F001"], Decimal(30_000))],
                channel=Document.Channel.DISTRIBUTION,
                note="救灾化肥动用调运",
            ),
        )
        release = ReserveRelease(
            holder=holder,
            product=products["F001"],
            quantity=Decimal(30),
            order_number="青供〔2023〕5号",
            approved_by="县供销合作社联合社",
            approved_on=DISASTER_RELEASE_DAY - dt.timedelta(days=1),
            released_on=DISASTER_RELEASE_DAY,
            destinations=store.name,
            created_by=reserve_clerk,
        )
        release.full_clean()  # names the transfer above: the one that left the zone
        release.save()
    assert release.document == transfer
    receive(DISASTER_RELEASE_DAY + dt.timedelta(days=24), "F001", 30)
    result = compliance(holder)
    return (
        f"救灾储备 {plan.total_quota:,.0f} 吨，县供销总公司自储；更正单 1 张，动用 {release.quantity:,.0f} 吨"
        f"（调拨单 {transfer.number}），短储 {result.short_days} 天；应付补贴 {result.payable:,.2f} 元"
    )
