"""The demo county 青山县, built in steps that each app extends.

`build()` runs every registered step in order, in one transaction. Core registers the first
steps here (regions, organizations, users); an app adds its own in a module ``demo.py`` of
its package, which `build()` imports with `autodiscover_modules`::

    from gongxiao.core.demo import DemoContext, step

    @step("农资门店")
    def stores(ctx: DemoContext) -> str:
        for coop in ctx.coops:
            ...
        return f"{count} 家门店"

A step takes the context (the scale, a random generator seeded from the seed and the step's
name, the regions, organizations and users made so far) and returns a line for the console.
Steps run in the order the apps are installed, so each sees what the apps above it built.
Every step draws from its own generator: adding a step leaves the data of the others as
they were for the same seed. Dates are drawn relative to `REFERENCE_DATE`, never today.

The map (towns, villages, mountain districts) is the same for every seed; the seed changes
the people and the numbers.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.module_loading import autodiscover_modules

from gongxiao.core import roles
from gongxiao.core.models import Organization, Region, User
from gongxiao.core.testing import make_uscc

REFERENCE_DATE = dt.date(2023, 3, 1)
DEFAULT_SEED = 2023
DEFAULT_PASSWORD = "gongxiao2023"
COUNTY_CODE = "330327"
COUNTY_NAME = "青山县"
FEDERATION_CODE = "QS"
FEDERATION_NAME = "青山县供销合作社联合社"


class DemoError(Exception):
    """The demo cannot be built (data already there, an import failed ...); the message is Chinese."""


# ---------------------------------------------------------------- context and steps


@dataclass
class Coop:
    """A base cooperative with the towns it serves, its business units and its clerk."""

    organization: Organization
    towns: list[Region]
    units: list[Organization] = field(default_factory=list)
    clerk: User | None = None


@dataclass
class Login:
    username: str
    roles: list[str]
    organization: Organization
    password: str


@dataclass
class DemoContext:
    seed: int
    scale: float
    password: str
    rng: random.Random = field(default_factory=lambda: random.Random(0))  # set per step by build()
    reference_date: dt.date = REFERENCE_DATE
    county: Region | None = None
    towns: list[Region] = field(default_factory=list)
    villages_by_town: dict[int, list[Region]] = field(default_factory=dict)
    mountain_districts: dict[str, list[Region]] = field(default_factory=dict)
    federation: Organization | None = None
    head_company: Organization | None = None
    enterprises: list[Organization] = field(default_factory=list)
    departments: dict[str, Organization] = field(default_factory=dict)
    coops: list[Coop] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)
    # What later steps leave for the steps after them, by name (e.g. "members").
    extra: dict[str, Any] = field(default_factory=dict)
    _password_hash: str = ""

    @property
    def villages(self) -> list[Region]:
        return [village for town in self.towns for village in self.villages_by_town[town.pk]]

    def coop_of_town(self, town: Region) -> Coop:
        return next(coop for coop in self.coops if any(t.pk == town.pk for t in coop.towns))

    def scaled(self, count: float, minimum: int = 1) -> int:
        return max(minimum, round(count * self.scale))

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def person_name(self, male: bool | None = None) -> str:
        if male is None:
            male = self.rng.random() < 0.5
        surname = self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        chars = MALE_CHARS if male else FEMALE_CHARS
        if self.rng.random() < 0.18:
            return surname + self.rng.choice(chars)
        first = self.rng.choice(MIDDLE_CHARS if self.rng.random() < 0.6 else chars)
        second = self.rng.choice(chars)
        while second == first:
            second = self.rng.choice(chars)
        return surname + first + second

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self) -> str:
        return f"0577-6{self.rng.randrange(10**7):07d}"

    def add_user(
        self, username: str, organization: Organization, *role_names: str, superuser: bool = False
    ) -> User:
        if User.objects.filter(username=username).exists():
            raise DemoError(f"用户名 {username} 已被占用，请在空数据库上生成演示数据。")
        if not self._password_hash:
            # Argon2 takes a fifth of a second by design; every demo login shares one password,
            # so it is hashed once.
            self._password_hash = make_password(self.password)
        user = User.objects.create(
            username=username,
            password=self._password_hash,
            organization=organization,
            first_name=self.person_name(),
            phone=self.mobile(),
            is_staff=superuser,
            is_superuser=superuser,
        )
        user.groups.set(Group.objects.filter(name__in=role_names))
        self.users[username] = user
        self.logins.append(Login(username, list(role_names), organization, self.password))
        return user


Step = Callable[[DemoContext], str | None]


@dataclass
class DemoStep:
    title: str
    func: Step

    @property
    def key(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


STEPS: list[DemoStep] = []


def step(title: str) -> Callable[[Step], Step]:
    """Register a function as the next step of the demo (once, however often its module loads)."""

    def register(func: Step) -> Step:
        new = DemoStep(title, func)
        if all(existing.key != new.key for existing in STEPS):
            STEPS.append(new)
        return func

    return register


def ordered_steps() -> list[DemoStep]:
    """The steps in the order of INSTALLED_APPS, then of definition in each module.

    A test may import an app's demo module before the demo runs; the order it registered its
    steps in must not decide the order they run in (members before the market, ...).
    """
    from django.apps import apps

    order = {config.name: index for index, config in enumerate(apps.get_app_configs())}

    def app_index(demo_step: DemoStep) -> int:
        module = demo_step.func.__module__
        return max(
            (i for name, i in order.items() if module == name or module.startswith(name + ".")), default=-1
        )

    positions = {id(demo_step): index for index, demo_step in enumerate(STEPS)}
    return sorted(STEPS, key=lambda demo_step: (app_index(demo_step), positions[id(demo_step)]))


def existing_data() -> tuple[int, int]:
    return Organization.objects.count(), Region.objects.count()


def build(
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    password: str = DEFAULT_PASSWORD,
    reset: bool = False,
    report: Callable[[str, str | None, float], None] | None = None,
) -> DemoContext:
    """Build the demo county in one transaction; refuse when the database is not empty.

    `reset` first empties every table but the roles and permissions, and only when the
    organizations there are the demo's own.
    """
    if scale <= 0:
        raise DemoError("--scale 必须大于 0。")
    roles.sync_roles()
    autodiscover_modules("demo")
    with transaction.atomic():
        organizations, regions = existing_data()
        if organizations or regions:
            if not reset:
                raise DemoError(
                    f"数据库中已有 {organizations} 个组织、{regions} 个行政区划，未生成演示数据。"
                    "演示县只能建在空数据库上；要清空后重建，请加 --reset（将删除角色以外的全部数据）。"
                )
            foreign = Organization.objects.filter(depth=1).exclude(code=FEDERATION_CODE, name=FEDERATION_NAME)
            if foreign.exists():
                raise DemoError(
                    f"数据库中有不属于演示县的组织（{foreign.first()}），--reset 不会清空它。"
                    "请换一个空数据库（DATABASE_URL）。"
                )
            wipe()
        ctx = DemoContext(seed=seed, scale=scale, password=password)
        for demo_step in ordered_steps():
            ctx.rng = random.Random(f"{seed}:{demo_step.key}")
            started = time.perf_counter()
            summary = demo_step.func(ctx)
            if report is not None:
                report(demo_step.title, summary, time.perf_counter() - started)
    return ctx


def wipe() -> None:
    """Empty every table except the roles and the permissions they hold."""
    keep = {
        ContentType._meta.db_table,
        Permission._meta.db_table,
        Group._meta.db_table,
        Group.permissions.through._meta.db_table,
    }
    tables = [
        table
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False)
        if table not in keep
    ]
    # PostgreSQL refuses to TRUNCATE a table with foreign-key checks still deferred in this
    # transaction (rows written earlier in it, as in a test); run those checks now.
    connection.check_constraints()
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))


# ---------------------------------------------------------------- names

# fmt: off
SURNAMES, SURNAME_WEIGHTS = zip(
    *[
        ("陈", 12), ("林", 9), ("黄", 6), ("王", 7), ("李", 6), ("张", 6), ("吴", 5), ("郑", 5),
        ("周", 4), ("杨", 4), ("金", 3), ("叶", 3), ("徐", 3), ("潘", 3), ("胡", 3), ("刘", 3),
        ("朱", 2), ("蔡", 2), ("谢", 2), ("杜", 2), ("苏", 2), ("余", 2), ("洪", 2), ("卢", 2),
        ("赵", 2), ("孙", 2), ("章", 2), ("施", 2), ("雷", 2), ("蓝", 2), ("夏", 1), ("钟", 1),
        ("汤", 1), ("包", 1), ("缪", 1), ("池", 1), ("郭", 1), ("何", 1), ("高", 1), ("项", 1),
        ("董", 1), ("方", 1), ("姜", 1), ("翁", 1), ("欧阳", 1),
    ],
    strict=True,
)
MALE_CHARS = "建国伟强军明华平林杰涛斌勇俊峰磊超鹏辉海波志文东宇浩凯锋刚荣德忠良新春永金成旭阳亮飞龙彬"
FEMALE_CHARS = "丽芳娟敏静燕艳霞英红玲萍秀梅琴雪慧婷莉兰洁琳佳颖晶倩月彩凤美素玉珍云青淑露娜"
MIDDLE_CHARS = "小晓海春秋志建家立永成文明雨思子天金玉"
MOBILE_PREFIXES = [
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
    "166", "177", "180", "181", "187", "188", "189", "198", "199",
]
# fmt: on


# ---------------------------------------------------------------- the map

# (code digits 7-9, name, villages, mountain district); 街道 0xx, 镇 1xx, 乡 2xx as in real codes.
TOWNS = [
    ("001", "青城街道", 12, None),
    ("002", "东溪街道", 10, None),
    ("101", "桥头镇", 22, None),
    ("102", "溪口镇", 19, None),
    ("103", "石门镇", 16, None),
    ("104", "龙湾镇", 24, None),
    ("105", "白岩镇", 14, None),
    ("106", "枫林镇", 18, None),
    ("107", "竹溪镇", 15, "南部山区"),
    ("108", "梅源镇", 17, "南部山区"),
    ("109", "双溪镇", 16, None),
    ("110", "沙洲镇", 21, None),
    ("201", "云峰乡", 12, "西部山区"),
    ("202", "高山乡", 11, "西部山区"),
    ("203", "岭根乡", 13, "西部山区"),
    ("204", "雾溪乡", 10, "南部山区"),
]
VILLAGE_FIRST = "东西南北上下前后大小新中高石竹梅桃杨柳枫松龙凤金黄白青马鹤仙云花茶桑湖溪塘岭山沙泉林田岩坪"
VILLAGE_SECOND_PLAIN = "洋塘湾埠浦桥头口田墩洲垟庄河港圩"
VILLAGE_SECOND_MOUNTAIN = "山岭坑岙坪源岩坞垄岗门林湾头"

# Base coops: name, short name, the towns they serve (the first is their seat), their units.
COOPS = [
    ("青城供销社", "青城社", ["青城街道", "东溪街道"], ["日用品超市"]),
    ("桥头供销社", "桥头社", ["桥头镇"], ["为农服务中心"]),
    ("溪口供销社", "溪口社", ["溪口镇"], []),
    ("石门供销社", "石门社", ["石门镇"], ["农产品收购站"]),
    ("龙湾供销社", "龙湾社", ["龙湾镇"], ["日用品超市"]),
    ("白岩供销社", "白岩社", ["白岩镇"], []),
    ("枫林供销社", "枫林社", ["枫林镇", "双溪镇"], ["为农服务中心"]),
    ("竹溪供销社", "竹溪社", ["竹溪镇", "雾溪乡"], ["农产品收购站"]),
    ("梅源供销社", "梅源社", ["梅源镇"], []),
    ("沙洲供销社", "沙洲社", ["沙洲镇"], ["为农服务中心"]),
    ("云峰供销社", "云峰社", ["云峰乡", "高山乡"], ["农产品收购站"]),
    ("岭根供销社", "岭根社", ["岭根乡"], []),
]
DEPARTMENTS = ["办公室", "业务科", "财务科", "合作指导科", "财务代管中心"]
ENTERPRISES = [("青山县农资有限公司", "农资公司"), ("青山县供销惠农服务有限公司", "惠农公司")]


# A few towns each have a 中心村, as real counties do: the import must then be told the town.
SHARED_VILLAGE_NAME, TOWNS_WITH_SHARED_NAME = "中心村", {"桥头镇", "枫林镇", "云峰乡"}


def _village_names(rng: random.Random, town: str, count: int, mountain: bool, taken: set[str]) -> list[str]:
    second = VILLAGE_SECOND_MOUNTAIN if mountain else VILLAGE_SECOND_PLAIN
    names = [SHARED_VILLAGE_NAME] if town in TOWNS_WITH_SHARED_NAME else []
    while len(names) < count:
        name = rng.choice(VILLAGE_FIRST) + rng.choice(second) + "村"
        if name[0] != name[1] and name not in taken:
            taken.add(name)
            names.append(name)
    return names


@step("行政区划")
def regions(ctx: DemoContext) -> str:
    rng = random.Random(COUNTY_NAME)  # the map does not depend on the seed
    add_child = Region.objects.add_child
    taken: set[str] = set()
    ctx.county = Region.objects.add_root(
        {"code": f"{COUNTY_CODE}000000", "name": COUNTY_NAME, "level": Region.Level.COUNTY}
    )
    for digits, name, count, district in TOWNS:
        mountain = district is not None
        town = add_child(
            ctx.county,
            {
                "code": f"{COUNTY_CODE}{digits}000",
                "name": name,
                "level": Region.Level.TOWN,
                "is_mountain": mountain,
            },
        )
        ctx.towns.append(town)
        if district:
            ctx.mountain_districts.setdefault(district, []).append(town)
        ctx.villages_by_town[town.pk] = [
            add_child(
                town,
                {
                    "code": f"{COUNTY_CODE}{digits}{201 + index}",
                    "name": village_name,
                    "level": Region.Level.VILLAGE,
                    "is_mountain": mountain,
                },
            )
            for index, village_name in enumerate(_village_names(rng, name, count, mountain, taken))
        ]
    mountain_villages = sum(
        len(ctx.villages_by_town[t.pk]) for ts in ctx.mountain_districts.values() for t in ts
    )
    districts = "、".join(
        f"{name}（{'、'.join(t.name for t in ts)}）" for name, ts in ctx.mountain_districts.items()
    )
    return (
        f"1 个县、{len(ctx.towns)} 个乡镇（街道）、{len(ctx.villages)} 个行政村；"
        f"山区 {mountain_villages} 个村：{districts}"
    )


@step("组织机构")
def organizations(ctx: DemoContext) -> str:
    assert ctx.county is not None
    rng, orgs = ctx.rng, Organization.objects
    towns = {town.name: town for town in ctx.towns}
    seat = towns["青城街道"]
    ctx.federation = orgs.add_root(
        {
            "code": FEDERATION_CODE,
            "name": FEDERATION_NAME,
            "short_name": "县社",
            "kind": Organization.Kind.FEDERATION,
            "region": ctx.county,
            "uscc": make_uscc(1, kind="12"),
            "address": "青山县青城街道人民路 88 号",
            "phone": ctx.landline(),
        }
    )
    for index, name in enumerate(DEPARTMENTS, start=1):
        ctx.departments[name] = orgs.add_child(
            ctx.federation,
            {
                "code": f"{FEDERATION_CODE}-{index:02d}",
                "name": name,
                "kind": Organization.Kind.DEPARTMENT,
                "region": seat,
                "phone": ctx.landline(),
            },
        )
    ctx.head_company = orgs.add_child(
        ctx.federation,
        {
            "code": f"{FEDERATION_CODE}-10",
            "name": "青山县供销总公司",
            "short_name": "总公司",
            "kind": Organization.Kind.ENTERPRISE,
            "region": seat,
            "uscc": make_uscc(10, kind="91"),
            "address": "青山县青城街道人民路 90 号",
            "phone": ctx.landline(),
        },
    )
    for index, (name, short) in enumerate(ENTERPRISES, start=1):
        ctx.enterprises.append(
            orgs.add_child(
                ctx.head_company,
                {
                    "code": f"{FEDERATION_CODE}-10-{index}",
                    "name": name,
                    "short_name": short,
                    "kind": Organization.Kind.ENTERPRISE,
                    "region": seat,
                    "uscc": make_uscc(10 + index, kind="91"),
                    "address": f"青山县青城街道工业路 {rng.randint(1, 200)} 号",
                    "phone": ctx.landline(),
                },
            )
        )
    for index, (name, short, town_names, more_units) in enumerate(COOPS, start=1):
        town = towns[town_names[0]]
        code = f"{FEDERATION_CODE}-{20 + index}"
        coop = Coop(
            organization=orgs.add_child(
                ctx.federation,
                {
                    "code": code,
                    "name": name,
                    "short_name": short,
                    "kind": Organization.Kind.BASE_COOP,
                    "region": town,
                    "uscc": make_uscc(20 + index, kind="91"),
                    "address": f"青山县{town.name}{rng.choice(['解放', '人民', '新华', '中山', '建设'])}路 {rng.randint(1, 120)} 号",
                    "phone": ctx.landline(),
                },
            ),
            towns=[towns[n] for n in town_names],
        )
        for number, unit in enumerate(["农资连锁店", *more_units], start=1):
            coop.units.append(
                orgs.add_child(
                    coop.organization,
                    {
                        "code": f"{code}-{number}",
                        "name": f"{name}{unit}",
                        "kind": Organization.Kind.UNIT,
                        "region": town,
                        "phone": ctx.mobile(),
                    },
                )
            )
        ctx.coops.append(coop)
    units = sum(len(coop.units) for coop in ctx.coops)
    return (
        f"县社、{len(ctx.departments)} 个科室、总公司及 {len(ctx.enterprises)} 家社有企业、"
        f"{len(ctx.coops)} 个基层社、{units} 个门店和网点"
    )


@step("用户")
def users(ctx: DemoContext) -> str:
    assert ctx.federation is not None and ctx.enterprises
    ctx.add_user("admin", ctx.federation, roles.SYSADMIN, superuser=True)
    ctx.add_user("leader", ctx.federation, roles.COUNTY_LEADER)
    ctx.add_user("staff", ctx.departments["业务科"], roles.DEPARTMENT_STAFF)
    for index, coop in enumerate(ctx.coops, start=1):
        coop.clerk = ctx.add_user(f"clerk{index:02d}", coop.organization, roles.DEPARTMENT_STAFF)
    for index, coop in enumerate(ctx.coops, start=1):
        ctx.add_user(f"acct{index:02d}", coop.organization, roles.BOOKKEEPER)
    ctx.add_user("store01", ctx.coops[0].units[0], roles.STORE_CLERK)
    ctx.add_user("truck01", ctx.enterprises[-1], roles.TRUCK_CREW)
    ctx.add_user("fund01", ctx.coops[2].organization, roles.FUND_MANAGER)
    covered = {name for login in ctx.logins for name in login.roles}
    for index, role in enumerate((r for r in roles.ROLES if r not in covered), start=1):
        ctx.add_user(f"role{index:02d}", ctx.federation, role)
    return f"{len(ctx.logins)} 个用户，覆盖全部 {len(roles.ROLES)} 个角色"
