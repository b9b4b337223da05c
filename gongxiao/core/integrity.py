"""Data consistency checks that `gongxiao check-integrity` runs, one after another.

A check is a function without arguments that returns a list of problems, each one a short
Chinese sentence naming the row (an empty list means OK). Checks live in a registry so that
other apps can add their own: put them in ``<app>/integrity.py`` (the command imports that
module of every installed app before running) and decorate them with :func:`register`::

    from gongxiao.core.integrity import register

    @register("库存余额等于出入库流水之和")
    def stock_balances_match_moves() -> list[str]:
        ...

The checks read only; they never repair anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model

Problems = list[str]


@dataclass(frozen=True)
class Check:
    label: str
    function: Callable[[], Problems]


@dataclass
class Result:
    label: str
    problems: Problems = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.error


# The registry, in the order the checks run. Apps append to it through `register`.
CHECKS: list[Check] = []


def register(label: str) -> Callable[[Callable[[], Problems]], Callable[[], Problems]]:
    """Add a check to the registry under `label` (re-registering a function replaces it)."""

    def decorator(function: Callable[[], Problems]) -> Callable[[], Problems]:
        key = (function.__module__, function.__qualname__)
        CHECKS[:] = [
            check for check in CHECKS if (check.function.__module__, check.function.__qualname__) != key
        ]
        CHECKS.append(Check(label, function))
        return function

    return decorator


def discover() -> None:
    """Import the `integrity` module of every installed app so that its checks register."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("integrity")


def pending_migrations() -> list[str]:
    """Migrations the code has and the database has not applied yet ("app.name")."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def run_checks(checks: list[Check] | None = None) -> list[Result]:
    """Run every check; a check that raises is reported as failed, the others still run."""
    results = []
    for check in CHECKS if checks is None else checks:
        try:
            results.append(Result(check.label, list(check.function())))
        except Exception as exc:  # a broken check must not hide the results of the others
            results.append(Result(check.label, error=f"{type(exc).__name__}: {exc}"))
    return results


def _tree_problems(model: type[Model], noun: str) -> Problems:
    """treebeard's own consistency check, with the ids turned into the rows' codes."""
    manager = model._default_manager
    kinds = [
        "路径含非法字符",
        "路径长度不是步长的整数倍",
        "找不到上级节点（孤儿节点）",
        "深度与路径不符",
        "下级数量(numchild)与实际不符",
    ]
    problems = []
    for kind, ids in zip(kinds, manager.find_problems(), strict=True):  # type: ignore[attr-defined]
        if ids:
            rows = manager.filter(pk__in=ids).order_by("path")
            names = "、".join(f"{row.code} {row.name}" for row in rows[:20])  # type: ignore[attr-defined]
            more = f" 等 {len(ids)} 个" if len(ids) > 20 else ""
            problems.append(f"{noun}{kind}：{names}{more}")
    return problems


@register("数据库的表和列与程序的模型一致")
def schema_matches_models() -> Problems:
    """Catches a database that missed a migration (or a migration edited after it was applied)."""
    from django.apps import apps
    from django.db import connection

    problems = []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_models(include_auto_created=True):
            if not model._meta.managed or model._meta.proxy:
                continue
            table = model._meta.db_table
            if table not in tables:
                problems.append(f"缺少数据表 {table}（{model._meta.label}）")
                continue
            columns = {
                column.name for column in connection.introspection.get_table_description(cursor, table)
            }
            wanted = [str(field.column) for field in model._meta.local_concrete_fields]
            missing = [column for column in wanted if column not in columns]
            if missing:
                problems.append(f"数据表 {table} 缺少列：{'、'.join(missing)}")
    return problems


@register("组织树结构（路径、深度、下级数量）")
def organization_tree() -> Problems:
    from gongxiao.core.models import Organization

    return _tree_problems(Organization, "组织")


@register("行政区划树结构（路径、深度、下级数量）")
def region_tree() -> Problems:
    from gongxiao.core.models import Region

    return _tree_problems(Region, "行政区划")


@register("行政区划的级别与所在层级一致（县—乡镇—村）")
def region_levels() -> Problems:
    from gongxiao.core.models import Region

    expected = {1: Region.Level.COUNTY, 2: Region.Level.TOWN, 3: Region.Level.VILLAGE}
    labels = dict(Region.Level.choices)
    problems = []
    for region in Region.objects.only("code", "name", "level", "depth").iterator():
        want = expected.get(region.depth)
        if want is None:
            problems.append(
                f"行政区划 {region.code} {region.name} 在第 {region.depth} 层，超出县—乡镇—村三级"
            )
        elif region.level != want:
            problems.append(
                f"行政区划 {region.code} {region.name} 在第 {region.depth} 层，级别应为“{labels[want]}”，"
                f"实为“{labels.get(region.level, region.level)}”"
            )
    return problems


@register("会员的所属县与其组织的根节点一致")
def member_county() -> Problems:
    from gongxiao.core.models import Organization
    from gongxiao.members.models import Member

    steplen = Organization.steplen
    problems = []
    rows = Member.objects.order_by("pk").values_list(
        "pk", "name", "organization__code", "organization__path", "county__code", "county__path"
    )
    for pk, name, org_code, org_path, county_code, county_path in rows.iterator():
        if county_path != org_path[:steplen]:
            root = Organization.objects.filter(path=org_path[:steplen]).values_list("code", flat=True).first()
            problems.append(
                f"会员 #{pk} {name}：所属县记为 {county_code}，但其组织 {org_code} 的根节点是 {root or '（不存在）'}"
            )
    return problems


@register("会员的行政村都是村级区划")
def member_village() -> Problems:
    from gongxiao.core.models import Region
    from gongxiao.members.models import Member

    labels = dict(Region.Level.choices)
    rows = (
        Member.objects.exclude(village__level=Region.Level.VILLAGE)
        .order_by("pk")
        .values_list("pk", "name", "village__code", "village__name", "village__level")
    )
    return [
        f"会员 #{pk} {name}：行政村 {code} {village} 的级别是“{labels.get(level, level)}”，不是村"
        for pk, name, code, village, level in rows.iterator()
    ]


@register("用户所属的组织都存在")
def user_organization() -> Problems:
    from gongxiao.core.models import Organization, User

    rows = (
        User.objects.filter(organization_id__isnull=False)
        .exclude(organization_id__in=Organization.objects.values("pk"))
        .order_by("pk")
        .values_list("pk", "username", "organization_id")
    )
    return [f"用户 #{pk} {username}：所属组织 #{org_id} 不存在" for pk, username, org_id in rows.iterator()]
