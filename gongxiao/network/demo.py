"""The demo county's service network (县域服务网络，一中心多站点): ~150 outlets of every kind.

The county office's 业务科 keeps the register: the outlets go in through the import template of
`OutletImporter`, filled in row by row and imported by the office's clerk, so every outlet passes
the checks a clerk's file would. Then each gets a photo through the photo form.

- Collection and distribution centres (集采集配中心) run by 惠农公司: the county hub in 青城街道 and
  a centre for each part of the county; every other outlet hangs below the centre nearest to it.
- Farm service centres (农事服务中心) run by the base coops' service units: two declared at
  provincial level in 2022, one at city level, county-grade ones approved, one planned for 2023.
- Directly operated stores (供销直营店) of 总公司, new in 2022; one base-coop outlet per base coop;
  produce direct-sale points in the towns and in the mountain villages.
- Village comprehensive service coops in about half the villages, built or renovated 2016–2022,
  each serving its own village and up to two neighbours; a few planned for 2023, a few closed.

Coordinates lie in the county's box (longitude 120.20–120.70, latitude 27.25–27.65), each town
around a fixed centre and each village around its town. The map does not depend on the seed.
The supply step after this one adds the five agri-input chain stores (codes CS-xx, locations
ST-xx); the codes here are CC-, FC-, DS-, BC-, PP- and VS-.
"""

from __future__ import annotations

import io
import math
import random
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from gongxiao.core import excel
from gongxiao.core.demo import COUNTY_NAME, Coop, DemoContext, DemoError, step
from gongxiao.core.models import Organization, Region, User
from gongxiao.network import statistics
from gongxiao.network.forms import OutletPhotoForm
from gongxiao.network.importers import OutletImporter
from gongxiao.network.models import Outlet, OutletPhoto, Service

BOX = (120.20, 27.25, 120.70, 27.65)  # west, south, east, north
# Each town's centre by the digits 7-9 of its code (see core.demo.TOWNS): the seat and the plains in the
# north and east, 南部山区 in the south, 西部山区 in the west.
TOWN_CENTRES = {
    "001": (120.600, 27.520),
    "002": (120.645, 27.490),
    "101": (120.550, 27.590),
    "102": (120.480, 27.600),
    "103": (120.420, 27.560),
    "104": (120.630, 27.420),
    "105": (120.530, 27.460),
    "106": (120.450, 27.490),
    "107": (120.470, 27.340),
    "108": (120.390, 27.300),
    "109": (120.380, 27.510),
    "110": (120.590, 27.360),
    "201": (120.280, 27.560),
    "202": (120.240, 27.470),
    "203": (120.300, 27.400),
    "204": (120.530, 27.290),
}
VILLAGE_SERVICES_AT_FULL_SCALE = 110
BUILD_YEARS = [2016, 2017, 2018, 2019, 2020, 2021, 2022]
BUILD_WEIGHTS = [6, 8, 10, 12, 16, 20, 28]
# (code, town, short name, opened, renovated) of the collection centres; CC-01 is the county hub
COLLECTION_CENTRES = [
    ("CC-01", "青城街道", "县城", 2019, None),
    ("CC-02", "桥头镇", "北部", 2020, None),
    ("CC-03", "龙湾镇", "东南", 2015, 2021),
    ("CC-04", "竹溪镇", "南部山区", 2022, None),
    ("CC-05", "云峰乡", "西部山区", 2022, None),
    ("CC-06", "梅源镇", "梅源山区", 2022, None),
]
# (code, town, grade, declaration, declared in, status, opened, renovated)
FARM_SERVICE_CENTRES = [
    ("FC-01", "桥头镇", "province", "declared", 2022, "operating", 2021, None),
    ("FC-02", "枫林镇", "province", "declared", 2022, "operating", 2008, 2022),
    ("FC-03", "沙洲镇", "city", "declared", 2022, "operating", 2020, None),
    ("FC-04", "石门镇", "county", "approved", 2022, "operating", 2022, None),
    ("FC-05", "溪口镇", "county", "approved", 2020, "operating", 2019, None),
    ("FC-06", "白岩镇", "province", "planned", None, "planned", None, 2023),
]
DIRECT_STORES = ["青城街道", "东溪街道", "龙湾镇", "沙洲镇"]
# produce direct-sale points: towns of the county seat and plains (惠农公司), then mountain villages (their coop)
PRODUCE_TOWNS = ["青城街道", "东溪街道", "桥头镇", "龙湾镇"]
MOUNTAIN_PRODUCE_POINTS = 6
KIND_COLOURS = {
    Outlet.Kind.COLLECTION_CENTRE: (111, 66, 193),
    Outlet.Kind.FARM_SERVICE_CENTRE: (25, 135, 84),
    Outlet.Kind.DIRECT_STORE: (13, 110, 253),
    Outlet.Kind.BASE_COOP_OUTLET: (108, 117, 125),
    Outlet.Kind.PRODUCE_POINT: (253, 126, 20),
    Outlet.Kind.VILLAGE_SERVICE: (32, 201, 151),
}
VILLAGE_SERVICE_OFFERS = [
    Service.DAILY_GOODS,
    Service.AGRI_INPUTS,
    Service.ECOMMERCE,
    Service.LOGISTICS,
    Service.PAPERWORK,
    Service.RECYCLING,
    Service.FINANCE,
    Service.PRODUCE,
]


@dataclass
class Row:
    """One line of the import file, by the importer's column fields."""

    code: str
    name: str
    kind: str
    town: Region
    village: Region | None
    operator: Organization
    at: tuple[float, float]
    status: str = Outlet.Status.OPERATING
    hub: str = ""
    build: str = ""
    year: int | None = None
    opened: int | None = None
    grade: str = ""
    grade_status: str = ""
    declared: int | None = None
    services: list[str] = field(default_factory=list)  # Service codes
    serves: list[Region] = field(default_factory=list)
    address: str = ""


def _years(opened: int | None, renovated: int | None) -> tuple[str, int | None, int | None]:
    """The import's build type, its year and the opening year of a renovated outlet."""
    if renovated:
        return Outlet.Build.RENOVATED, renovated, opened
    if opened:
        return Outlet.Build.NEW, opened, None
    return "", None, None


class Network:
    def __init__(self, ctx: DemoContext) -> None:
        assert ctx.federation is not None and ctx.head_company is not None and ctx.enterprises
        self.ctx = ctx
        self.rng = ctx.rng
        place = random.Random(f"{COUNTY_NAME}:network")  # where places are does not depend on the seed
        self.towns = {town.name: town for town in ctx.towns}
        self.town_at = {town.pk: TOWN_CENTRES[town.code[6:9]] for town in ctx.towns}
        self.village_at: dict[int, tuple[float, float]] = {}
        for town in ctx.towns:
            lon, lat = self.town_at[town.pk]
            spread = 0.035 if town.is_mountain else 0.025
            for village in ctx.villages_by_town[town.pk]:
                self.village_at[village.pk] = _inside(
                    lon + place.uniform(-spread, spread), lat + place.uniform(-spread, spread) * 0.85
                )
        self.service_company = ctx.enterprises[-1]  # 惠农公司
        self.rows: list[Row] = []
        self.centres: list[Row] = []

    def coop(self, town: Region) -> Coop:
        return self.ctx.coop_of_town(town)

    def unit(self, town: Region, suffix: str) -> Organization:
        coop = self.coop(town)
        return next((u for u in coop.units if u.name.endswith(suffix)), coop.organization)

    def near(self, at: tuple[float, float]) -> tuple[float, float]:
        return _inside(at[0] + self.rng.uniform(-0.004, 0.004), at[1] + self.rng.uniform(-0.004, 0.004))

    def nearest_centre(self, at: tuple[float, float]) -> str:
        return min(self.centres, key=lambda c: _distance(c.at, at)).code

    # ---------------------------------------------------------------- the kinds

    def collection_centres(self) -> None:
        for code, town_name, short, opened, renovated in COLLECTION_CENTRES:
            town = self.towns[town_name]
            build, year, first = _years(opened, renovated)
            row = Row(
                code=code,
                name=f"{short}农产品集采集配中心",
                kind=Outlet.Kind.COLLECTION_CENTRE,
                town=town,
                village=None,
                operator=self.service_company,
                at=self.near(self.town_at[town.pk]),
                hub="" if code == "CC-01" else "CC-01",
                build=build,
                year=year,
                opened=first,
                services=[Service.PRODUCE, Service.LOGISTICS, Service.DAILY_GOODS, Service.ECOMMERCE],
                address=f"{town.name}物流园区{self.rng.randint(1, 30)}号",
            )
            self.rows.append(row)
            self.centres.append(row)

    def farm_service_centres(self) -> None:
        for code, town_name, grade, declaration, declared, status, opened, renovated in FARM_SERVICE_CENTRES:
            town = self.towns[town_name]
            build, year, first = _years(opened, renovated)
            at = self.near(self.town_at[town.pk])
            self.rows.append(
                Row(
                    code=code,
                    name=f"{town.name.removesuffix('镇')}农事服务中心",
                    kind=Outlet.Kind.FARM_SERVICE_CENTRE,
                    town=town,
                    village=None,
                    operator=self.unit(town, "为农服务中心"),
                    at=at,
                    status=status,
                    hub=self.nearest_centre(at),
                    build=build,
                    year=year,
                    opened=first,
                    grade=grade,
                    grade_status=declaration,
                    declared=declared,
                    services=[
                        Service.AGRI_INPUTS,
                        Service.MACHINERY,
                        Service.DRYING,
                        Service.TESTING,
                        Service.AGRONOMY,
                        Service.TRAINING,
                        Service.FINANCE,
                        Service.INSURANCE,
                        Service.PAPERWORK,
                    ],
                    address=f"{town.name}农业园区{self.rng.randint(1, 60)}号",
                )
            )

    def direct_stores(self) -> None:
        assert self.ctx.head_company is not None
        for number, town_name in enumerate(DIRECT_STORES, start=1):
            town = self.towns[town_name]
            at = self.near(self.town_at[town.pk])
            self.rows.append(
                Row(
                    code=f"DS-{number:02d}",
                    name=f"供销直营店（{town.name[:2]}店）",
                    kind=Outlet.Kind.DIRECT_STORE,
                    town=town,
                    village=None,
                    operator=self.ctx.head_company,
                    at=at,
                    hub=self.nearest_centre(at),
                    build=Outlet.Build.NEW,
                    year=2022,
                    services=[Service.DAILY_GOODS, Service.PRODUCE, Service.ECOMMERCE],
                    address=f"{town.name}{self.rng.choice(['人民路', '中山路', '新华街'])}{self.rng.randint(1, 200)}号",
                )
            )

    def base_coop_outlets(self) -> None:
        for number, coop in enumerate(self.ctx.coops, start=1):
            town = coop.towns[0]
            at = self.near(self.town_at[town.pk])
            opened = self.rng.randint(1985, 2005)
            renovated = self.rng.choice([None, None, 2019, 2020, 2021, 2022])
            build, year, first = _years(opened, renovated)
            self.rows.append(
                Row(
                    code=f"BC-{number:02d}",
                    name=f"{coop.organization.name}营业部",
                    kind=Outlet.Kind.BASE_COOP_OUTLET,
                    town=town,
                    village=None,
                    operator=coop.organization,
                    at=at,
                    hub=self.nearest_centre(at),
                    build=build,
                    year=year,
                    opened=first,
                    services=[Service.AGRI_INPUTS, Service.DAILY_GOODS, Service.RECYCLING, Service.PAPERWORK],
                    address=coop.organization.address.removeprefix("青山县"),
                )
            )

    def produce_points(self, taken: set[int]) -> None:
        number = 0
        for town_name in PRODUCE_TOWNS:
            number += 1
            town = self.towns[town_name]
            at = self.near(self.town_at[town.pk])
            self.rows.append(
                Row(
                    code=f"PP-{number:02d}",
                    name=f"{town.name[:2]}农产品直销点",
                    kind=Outlet.Kind.PRODUCE_POINT,
                    town=town,
                    village=None,
                    operator=self.service_company,
                    at=at,
                    hub=self.nearest_centre(at),
                    build=Outlet.Build.NEW,
                    year=self.rng.choice([2021, 2022]),
                    services=[Service.PRODUCE, Service.ECOMMERCE],
                    address=f"{town.name}菜市场东侧",
                )
            )
        mountain = [
            v for town in self.ctx.towns if town.is_mountain for v in self.ctx.villages_by_town[town.pk]
        ]
        for village in self.rng.sample(mountain, MOUNTAIN_PRODUCE_POINTS):
            number += 1
            town = _town_of(self.ctx, village)
            at = self.near(self.village_at[village.pk])
            taken.add(village.pk)
            self.rows.append(
                Row(
                    code=f"PP-{number:02d}",
                    name=f"{village.name}山区农产品直销点",
                    kind=Outlet.Kind.PRODUCE_POINT,
                    town=town,
                    village=village,
                    operator=self.coop(town).organization,
                    at=at,
                    hub=self.nearest_centre(at),
                    build=Outlet.Build.NEW,
                    year=2022,
                    services=[Service.PRODUCE],
                    address=f"{village.name}村口",
                )
            )

    def village_services(self, taken: set[int]) -> None:
        count = self.ctx.scaled(VILLAGE_SERVICES_AT_FULL_SCALE, minimum=len(self.ctx.towns))
        # every town gets at least one; the rest by the towns' numbers of villages
        chosen: list[Region] = []
        for town in self.ctx.towns:
            free = [v for v in self.ctx.villages_by_town[town.pk] if v.pk not in taken]
            chosen.append(self.rng.choice(free))
        rest = [v for v in self.ctx.villages if v.pk not in taken and v not in chosen]
        chosen += self.rng.sample(rest, max(0, min(count, len(rest) + len(chosen)) - len(chosen)))
        for number, village in enumerate(sorted(chosen, key=lambda v: v.code), start=1):
            town = _town_of(self.ctx, village)
            at = self.near(self.village_at[village.pk])
            status, opened, renovated = self._history_of_a_village_coop()
            build, year, first = _years(opened, renovated)
            neighbours = sorted(
                (v for v in self.ctx.villages_by_town[town.pk] if v.pk != village.pk),
                key=lambda v: _distance(self.village_at[v.pk], self.village_at[village.pk]),
            )
            offers: list[str] = [
                Service.DAILY_GOODS,
                *self.rng.sample(VILLAGE_SERVICE_OFFERS[1:], self.rng.randint(2, 4)),
            ]
            self.rows.append(
                Row(
                    code=f"VS-{number:03d}",
                    name=f"{village.name}供销综合服务社",
                    kind=Outlet.Kind.VILLAGE_SERVICE,
                    town=town,
                    village=village,
                    operator=self.coop(town).organization,
                    at=at,
                    status=status,
                    hub=self.nearest_centre(at),
                    build=build,
                    year=year,
                    opened=first,
                    services=offers,
                    serves=neighbours[: self.rng.choice([0, 1, 1, 2])],
                    address=f"{village.name}{self.rng.choice(['村委会旁', '文化礼堂一楼', '村口', '老街'])}",
                )
            )

    def _history_of_a_village_coop(self) -> tuple[str, int | None, int | None]:
        """(status, opened, renovated): most built new 2016-2022, a third renovated, a few planned or closed."""
        draw = self.rng.random()
        if draw < 0.05:
            return Outlet.Status.PLANNED, 2023, None
        year = self.rng.choices(BUILD_YEARS, weights=BUILD_WEIGHTS)[0]
        status = Outlet.Status.CLOSED if draw > 0.97 else Outlet.Status.OPERATING
        if self.rng.random() < 0.33:  # renovated: an older shop, or premises made into a service coop
            return status, self.rng.choice([None, self.rng.randint(1995, year - 1), year]), year
        return status, year, None


def _town_of(ctx: DemoContext, village: Region) -> Region:
    return next(town for town in ctx.towns if village.path.startswith(town.path))


def _inside(lon: float, lat: float) -> tuple[float, float]:
    west, south, east, north = BOX
    return round(min(max(lon, west), east), 6), round(min(max(lat, south), north), 6)


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot((a[0] - b[0]) * math.cos(math.radians(27.45)), a[1] - b[1])


# ---------------------------------------------------------------- the file and the photos


def _cells(row: Row) -> dict[str, Any]:
    kinds, statuses, builds = (
        dict(Outlet.Kind.choices),
        dict(Outlet.Status.choices),
        dict(Outlet.Build.choices),
    )
    grades, declarations = dict(Outlet.Grade.choices), dict(Outlet.GradeStatus.choices)
    services = dict(Service.choices)
    return {
        "code": row.code,
        "name": row.name,
        "kind": str(kinds[row.kind]),
        "status": str(statuses[row.status]),
        "town": row.town.name,
        "village": row.village.name if row.village else "",
        "address": row.address,
        "operator": row.operator.code,
        "hub_code": row.hub,
        "build_type": str(builds[row.build]) if row.build else "",
        "build_year": row.year,
        "opened_year": row.opened,
        "grade": str(grades[row.grade]) if row.grade else "",
        "grade_status": str(declarations[row.grade_status]) if row.grade_status else "",
        "declared_year": row.declared,
        "services": "、".join(str(services[code]) for code in row.services),
        "villages": "、".join(v.name for v in row.serves),
        "longitude": row.at[0],
        "latitude": row.at[1],
    }


def _outlet_file(importer: OutletImporter, rows: list[Row]) -> io.BytesIO:
    """The importer's own template, filled in."""
    book = load_workbook(io.BytesIO(importer.template()))
    sheet = book.worksheets[0]
    for row in rows:
        cells = _cells(row)
        sheet.append([cells.get(column.field, "") for column in importer.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _png(colour: tuple[int, int, int], size: int = 32) -> bytes:
    """A small plain-coloured PNG, as a stand-in for the photo a clerk would take."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    line = b"\x00" + bytes(colour) * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(line * size))
        + chunk(b"IEND", b"")
    )


def _photos(user: User) -> int:
    pictures = {str(kind): _png(colour) for kind, colour in KIND_COLOURS.items()}
    count = 0
    for outlet in Outlet.objects.exclude(kind=Outlet.Kind.CHAIN_STORE).order_by("code"):
        form = OutletPhotoForm(
            {"caption": "门头"},
            {"photo": SimpleUploadedFile(f"{outlet.code}.png", pictures[outlet.kind], "image/png")},
            instance=OutletPhoto(outlet=outlet, uploaded_by=user),
            user=user,
        )
        if not form.is_valid():
            raise DemoError(f"{outlet.name} 的照片未通过检查：{form.errors.as_text()}")
        form.save()
        count += 1
    return count


@step("县域服务网络（一中心多站点）")
def service_network(ctx: DemoContext) -> str:
    assert ctx.federation is not None
    clerk = ctx.users.get("staff")
    if clerk is None:
        raise DemoError("县社业务科没有用户，无法导入服务网点。")
    network = Network(ctx)
    network.collection_centres()
    network.farm_service_centres()
    network.direct_stores()
    network.base_coop_outlets()
    taken: set[int] = set()
    network.produce_points(taken)
    network.village_services(taken)
    with translation.override("zh-hans"):
        importer = OutletImporter(clerk, ctx.federation)
        if not clerk.has_perm(importer.permission):
            raise DemoError(f"用户 {clerk.username} 没有导入服务网点的权限。")
        result = excel.run_import(importer, _outlet_file(importer, network.rows), dry_run=False)
        if result.errors:
            lines = result.error_lines()
            raise DemoError("服务网点导入失败：\n" + "\n".join(lines[:20]))
        photos = _photos(clerk)
        outlets = Outlet.objects.all()
        coverage = statistics.coverage(outlets)
        figures = statistics.year_figures(outlets, 2022)
        kinds = dict(Outlet.Kind.choices)
        counts = "、".join(
            f"{kinds[kind]} {outlets.filter(kind=kind).count()}"
            for kind in KIND_COLOURS
            if outlets.filter(kind=kind).exists()
        )
        return (
            f"{result.created} 个网点（{counts}），{photos} 张照片；"
            f"{coverage.covered}/{coverage.villages} 个行政村有服务网点（{coverage.share}%）；2022 年：{figures.sentence()}"
        )
