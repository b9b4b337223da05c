"""The demo county's members and unions.

Members go in the way a clerk's would: the import template of `MemberImporter`, filled in
with one row per member, imported by each base coop's clerk through `excel.run_import`.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from stdnum.cn import uscc

from gongxiao.core import excel
from gongxiao.core.demo import COUNTY_CODE, COUNTY_NAME, Coop, DemoContext, DemoError, step
from gongxiao.core.models import Region
from gongxiao.core.testing import make_ric, make_uscc
from gongxiao.members.importers import MemberImporter
from gongxiao.members.models import Industry, Member, Union, UnionMembership

MEMBERS_AT_FULL_SCALE = 3000
KINDS = [Member.Kind.HOUSEHOLD, Member.Kind.FAMILY_FARM, Member.Kind.COOPERATIVE, Member.Kind.ENTERPRISE]
KIND_WEIGHTS = [86, 8, 4.5, 1.5]
# stdnum knows 330327 from 1981 on, so the people of the demo are born 1981-2000.
BIRTH_FIRST, BIRTH_LAST = dt.date(1981, 1, 1), dt.date(2000, 12, 31)
UNIONS_FOUNDED = dt.date(2016, 9, 1), dt.date(2017, 12, 31)

MOUNTAIN_INDUSTRIES = [
    Industry.TEA,
    Industry.HERBS,
    Industry.FORESTRY,
    Industry.FUNGI,
    Industry.POULTRY,
    Industry.FRUIT,
]
PLAIN_INDUSTRIES = [Industry.GRAIN, Industry.VEGETABLES, Industry.FRUIT, Industry.POULTRY, Industry.FLOWERS]
COASTAL_TOWNS = {"龙湾镇", "沙洲镇"}
PRODUCTS: dict[str, list[str]] = {
    Industry.GRAIN: ["粮食", "水稻", "农机"],
    Industry.TEA: ["茶叶", "高山茶", "白茶"],
    Industry.POULTRY: ["生猪", "家禽", "蛋鸡", "湖羊"],
    Industry.FRUIT: ["杨梅", "柑橘", "葡萄", "猕猴桃", "水蜜桃"],
    Industry.VEGETABLES: ["蔬菜", "果蔬", "西兰花"],
    Industry.FUNGI: ["食用菌", "香菇", "黑木耳"],
    Industry.AQUATIC: ["水产", "紫菜", "对虾"],
    Industry.HERBS: ["中药材", "铁皮石斛", "浙贝母"],
    Industry.FORESTRY: ["毛竹", "竹笋", "油茶"],
    Industry.FLOWERS: ["花卉苗木", "盆景"],
}
BRANDS = "绿源 丰禾 山珍 瑞丰 嘉禾 明珠 鸿运 青禾 春晓 禾丰 金穗 翠峰 云雾 溪谷 田园 农家 鲜丰 百果 万佳 聚丰".split()
ENTERPRISE_SUFFIXES = ["农业开发有限公司", "生态农业有限公司", "食品有限公司", "农产品有限公司"]
INDUSTRY_UNIONS = [
    (Industry.TEA, "青山县茶产业农合联"),
    (Industry.FRUIT, "青山县水果产业农合联"),
    (Industry.POULTRY, "青山县畜禽产业农合联"),
    (Industry.FUNGI, "青山县食用菌产业农合联"),
]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class MemberRow:
    """One member as the demo made it: the row of the import file, and where it belongs."""

    coop: Coop
    town: Region
    village: Region
    kind: str
    name: str
    id_number: str
    phone: str
    address: str
    industries: list[str]
    land_area_mu: Decimal
    joined_on: dt.date


class _Maker:
    """Draws members: people with resident IDs, farms, cooperatives and companies with USCCs."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.ids: set[str] = set()
        self.names: set[str] = set()
        self.signature: dict[int, list[str]] = {}
        for town in ctx.towns:
            for village in ctx.villages_by_town[town.pk]:
                pool = list(MOUNTAIN_INDUSTRIES if village.is_mountain else PLAIN_INDUSTRIES)
                if town.name in COASTAL_TOWNS:
                    pool.append(Industry.AQUATIC)
                self.signature[village.pk] = self.rng.sample(pool, self.rng.choice([1, 2, 2]))

    def row(self, coop: Coop, town: Region, village: Region) -> MemberRow:
        rng = self.rng
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        industry = (
            rng.choice(self.signature[village.pk]) if rng.random() < 0.8 else self._any_industry(village)
        )
        product = rng.choice(PRODUCTS.get(industry, ["农产品"]))
        place = village.name.removesuffix("村")
        phone = self.ctx.mobile()
        if kind == Member.Kind.HOUSEHOLD:
            name, id_number = self._person(male=rng.random() < 0.75)
            area = self._area(0.8 if village.is_mountain else 1.3, 0.7, 0.3, 40, places=rng.choice([1, 1, 2]))
        elif kind == Member.Kind.FAMILY_FARM:
            owner, owner_id = self._person(male=rng.random() < 0.8)
            name = self._unique(
                [f"{COUNTY_NAME}{owner}家庭农场", f"{COUNTY_NAME}{place}{product}家庭农场"],
                owner + "家庭农场",
            )
            id_number = owner_id if rng.random() < 0.6 else self._new_style_uscc("92")
            area = self._area(4.2, 0.6, 20, 800)
        elif kind == Member.Kind.COOPERATIVE:
            name = self._unique(
                [
                    f"{COUNTY_NAME}{place}{product}专业合作社",
                    f"{COUNTY_NAME}{town.name[:2]}{product}专业合作社",
                ],
                f"{place}{rng.choice(BRANDS)}{product}专业合作社",
            )
            id_number = self._uscc("93")
            area = self._area(5.8, 0.7, 50, 5000)
        else:
            brand = rng.choice(BRANDS)
            name = self._unique(
                [
                    f"{COUNTY_NAME}{brand}{rng.choice(ENTERPRISE_SUFFIXES)}",
                    f"{COUNTY_NAME}{brand}{product}有限公司",
                ],
                f"青山{place}{brand}农业有限公司",
            )
            id_number = self._uscc("91")
            area = Decimal("0.00") if rng.random() < 0.3 else self._area(5.0, 0.8, 20, 3000)
            if rng.random() < 0.3:
                phone = self.ctx.landline()
        industries = [industry]
        if rng.random() < 0.3:
            industries.append(self._any_industry(village))
        if kind == Member.Kind.HOUSEHOLD and not village.is_mountain and rng.random() < 0.3:
            industries.append(Industry.GRAIN)
        return MemberRow(
            coop=coop,
            town=town,
            village=village,
            kind=kind,
            name=name,
            id_number=id_number,
            phone=phone,
            address=f"{town.name}{village.name}{rng.randint(1, 220)}号",
            industries=list(dict.fromkeys(industries)),
            land_area_mu=area,
            joined_on=self._joined_on(),
        )

    def _any_industry(self, village: Region) -> str:
        return self.rng.choice(MOUNTAIN_INDUSTRIES if village.is_mountain else PLAIN_INDUSTRIES)

    def _person(self, male: bool) -> tuple[str, str]:
        name = self.ctx.person_name(male)
        while True:
            birth = self.ctx.date_between(BIRTH_FIRST, BIRTH_LAST)
            # the 17th digit of a resident ID is odd for men, even for women
            number = make_ric(birth, self.rng.randrange(500) * 2 + (1 if male else 0), COUNTY_CODE)
            if number not in self.ids:
                self.ids.add(number)
                return name, number

    def _uscc(self, kind: str) -> str:
        while True:
            number = make_uscc(self.rng.randrange(10**8, 10**9), COUNTY_CODE, kind)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def _new_style_uscc(self, kind: str) -> str:
        """Codes issued since 2015 read like 92330327MA2XXXXXXX: letters in the organization part."""
        while True:
            body = f"{kind}{COUNTY_CODE}MA" + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(7))
            number = body + uscc.calc_check_digit(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def _unique(self, candidates: list[str], fallback: str) -> str:
        for name in [*self.rng.sample(candidates, len(candidates)), fallback]:
            if name not in self.names:
                self.names.add(name)
                return name
        number = 2
        while f"{fallback}（{number}）" in self.names:
            number += 1
        self.names.add(f"{fallback}（{number}）")
        return f"{fallback}（{number}）"

    def _area(self, mu: float, sigma: float, low: float, high: float, places: int = 2) -> Decimal:
        value = min(max(self.rng.lognormvariate(mu, sigma), low), high)
        return Decimal(f"{value:.{places}f}").quantize(Decimal("0.01"))

    def _joined_on(self) -> dt.date:
        # most joined when the unions were founded, the rest since
        if self.rng.random() < 0.4:
            return self.ctx.date_between(*UNIONS_FOUNDED)
        return self.ctx.date_between(UNIONS_FOUNDED[0], self.ctx.reference_date - dt.timedelta(days=1))


def _village_labels(ctx: DemoContext) -> dict[int, str]:
    """What a clerk writes in the village column: the name, or town + name when it is not unique."""
    count: dict[str, int] = {}
    for village in ctx.villages:
        count[village.name] = count.get(village.name, 0) + 1
    return {
        village.pk: village.name if count[village.name] == 1 else town.name + village.name
        for town in ctx.towns
        for village in ctx.villages_by_town[town.pk]
    }


def _member_file(importer: MemberImporter, rows: list[MemberRow], labels: dict[int, str]) -> io.BytesIO:
    """The importer's own template, filled in."""
    book = load_workbook(io.BytesIO(importer.template()))
    sheet = book.worksheets[0]
    industry_labels = dict(Industry.choices)
    kind_labels = dict(Member.Kind.choices)
    for row in rows:
        cells: dict[str, Any] = {
            "kind": str(kind_labels[row.kind]),
            "name": row.name,
            "id_number": row.id_number,
            "phone": row.phone,
            "village": labels[row.village.pk],
            "address": row.address,
            "industries": "、".join(str(industry_labels[code]) for code in row.industries),
            "land_area_mu": float(row.land_area_mu),
            "joined_on": row.joined_on,
        }
        sheet.append([cells.get(column.field, "") for column in importer.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _import(coop: Coop, rows: list[MemberRow], labels: dict[int, str]) -> None:
    clerk, organization = coop.clerk, coop.organization
    if clerk is None:
        raise DemoError(f"{organization.name} 没有业务员，无法导入会员。")
    importer = MemberImporter(clerk, organization)
    if not clerk.has_perm(importer.permission) or not clerk.can_manage(organization):
        raise DemoError(f"用户 {clerk.username} 没有为 {organization.name} 导入会员的权限。")
    result = excel.run_import(importer, _member_file(importer, rows, labels), dry_run=False)
    if result.errors:
        lines = result.error_lines()
        more = f"\n……共 {len(lines)} 个问题" if len(lines) > 20 else ""
        raise DemoError(f"{organization.name} 的会员导入失败：\n" + "\n".join(lines[:20]) + more)
    if result.created != len(rows):
        raise DemoError(f"{organization.name} 的会员导入只新增了 {result.created} 行，应为 {len(rows)} 行。")


@step("会员（按基层社 Excel 导入）")
def members(ctx: DemoContext) -> str:
    rng = ctx.rng
    maker = _Maker(ctx)
    town_of = {village.pk: town for town in ctx.towns for village in ctx.villages_by_town[town.pk]}
    villages = ctx.villages
    weights = [rng.uniform(0.5, 1.5) * (0.7 if village.is_mountain else 1.0) for village in villages]
    picked = rng.choices(villages, weights=weights, k=ctx.scaled(MEMBERS_AT_FULL_SCALE))
    per_coop: dict[int, list[Region]] = {coop.organization.pk: [] for coop in ctx.coops}
    for village in picked:
        per_coop[ctx.coop_of_town(town_of[village.pk]).organization.pk].append(village)
    labels = _village_labels(ctx)
    made: list[MemberRow] = []
    for coop in ctx.coops:
        coop_villages = per_coop[coop.organization.pk] or [
            rng.choice(ctx.villages_by_town[coop.towns[0].pk])
        ]  # every coop imports at least one member
        rows = [maker.row(coop, town_of[village.pk], village) for village in coop_villages]
        _import(coop, rows, labels)
        made.extend(rows)
    ctx.extra["members"] = made
    kinds = dict(Member.Kind.choices)
    counts = "、".join(f"{kinds[kind]} {sum(1 for r in made if r.kind == kind)}" for kind in KINDS)
    return f"{len(made)} 名会员（{counts}），{len(ctx.coops)} 个基层社各导入一个 Excel 文件"


@step("农合联")
def unions(ctx: DemoContext) -> str:
    assert ctx.federation is not None and ctx.head_company is not None
    rng = ctx.rng
    rows: list[MemberRow] = ctx.extra["members"]
    pk_of = dict(Member.objects.filter(county=ctx.federation).values_list("id_number", "pk"))
    memberships: list[UnionMembership] = []

    def enrol(union: Union, chosen: list[MemberRow], council_seats: int) -> None:
        founded = union.established_on or UNIONS_FOUNDED[0]
        bodies = sorted(
            (row for row in chosen if row.kind != Member.Kind.HOUSEHOLD), key=lambda row: -row.land_area_mu
        )
        council = {row.id_number for row in bodies[:council_seats]}
        memberships.extend(
            UnionMembership(
                union=union,
                member_id=pk_of[row.id_number],
                joined_on=max(row.joined_on, founded),
                is_council_member=row.id_number in council,
            )
            for row in chosen
        )

    for town in ctx.towns:
        coop = ctx.coop_of_town(town)
        union = Union.objects.create(
            organization=coop.organization,
            kind=Union.Kind.TOWNSHIP,
            name=f"{town.name}农合联",
            town=town,
            established_on=ctx.date_between(*UNIONS_FOUNDED),
        )
        union.member_organizations.set([coop.organization, *coop.units])
        chosen = [
            row
            for row in rows
            if row.town.pk == town.pk and (row.kind != Member.Kind.HOUSEHOLD or rng.random() < 0.2)
        ]
        enrol(union, chosen, council_seats=7)
    for industry, name in INDUSTRY_UNIONS:
        union = Union.objects.create(
            organization=ctx.federation,
            kind=Union.Kind.INDUSTRY,
            name=name,
            industry=industry,
            established_on=ctx.date_between(dt.date(2017, 3, 1), dt.date(2018, 12, 31)),
        )
        coops = [
            coop.organization
            for coop in ctx.coops
            if any(r.coop is coop and industry in r.industries for r in rows)
        ]
        union.member_organizations.set([ctx.head_company, *ctx.enterprises, *coops])
        chosen = [
            row
            for row in rows
            if industry in row.industries and (row.kind != Member.Kind.HOUSEHOLD or rng.random() < 0.1)
        ]
        enrol(union, chosen, council_seats=9)
    UnionMembership.objects.bulk_create(memberships, batch_size=1000)
    return (
        f"{len(ctx.towns)} 个乡镇农合联、{len(INDUSTRY_UNIONS)} 个产业农合联、"
        f"{len(memberships)} 条会员入会记录"
    )
