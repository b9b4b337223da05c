"""`gongxiao check-integrity`: a clean county passes; each kind of damage is named."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongxiao.core import integrity
from gongxiao.core.models import Organization, Region, User
from gongxiao.members.models import Member
from gongxiao.members.tests.factories import member


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    """Run the command; return (stdout, the CommandError's message or '')."""
    try:
        call_command("check_integrity", *args)
        error = ""
    except CommandError as exc:
        error = str(exc)
    return capsys.readouterr().out, error


@pytest.fixture
def members(county):  # type: ignore[no-untyped-def]
    unit = Organization.objects.add_child(
        county.coop_a, {"code": "QS-A-1", "name": "桥头门店", "kind": "unit"}
    )
    return {
        "zhang": member(county, county.coop_a, "张建国", 1),
        "li": member(county, county.coop_b, "李秀英", 2, village=county.village_b),
        "wang": member(county, unit, "王五", 3),
    }


def test_a_clean_county_passes_every_check(county, members, capsys) -> None:  # type: ignore[no-untyped-def]
    out, error = check(capsys)
    assert error == ""
    assert "FAIL" not in out
    assert out.count("OK") == len(integrity.CHECKS) >= 6
    assert "组织树" in out and "行政区划树" in out and "会员的所属县" in out
    assert "检查通过" in out


def test_a_member_filed_under_another_county_is_named(county, members, capsys) -> None:  # type: ignore[no-untyped-def]
    other = Organization.objects.add_root({"code": "HS", "name": "湖山县供销社", "kind": "federation"})
    Member.objects.filter(pk=members["li"].pk).update(county=other)
    out, error = check(capsys)
    assert "会员的所属县与其组织的根节点一致" in error
    assert "FAIL" in out
    assert f"会员 #{members['li'].pk} 李秀英：所属县记为 HS，但其组织 QS-B 的根节点是 QS" in out
    assert "张建国" not in out


def test_a_member_whose_county_is_not_a_root_is_named(county, members, capsys) -> None:  # type: ignore[no-untyped-def]
    Member.objects.filter(pk=members["wang"].pk).update(county=county.coop_a)
    out, error = check(capsys)
    assert error and "王五：所属县记为 QS-A，但其组织 QS-A-1 的根节点是 QS" in out


def test_a_wrong_numchild_in_the_organization_tree_is_named(county, members, capsys) -> None:  # type: ignore[no-untyped-def]
    Organization.objects.filter(pk=county.coop_b.pk).update(numchild=3)
    out, error = check(capsys)
    assert "组织树结构" in error
    assert "组织下级数量(numchild)与实际不符：QS-B 溪口供销社" in out
    assert "OK    行政区划树结构" in out


def test_an_orphan_and_a_wrong_depth_in_the_region_tree_are_named(county, capsys) -> None:  # type: ignore[no-untyped-def]
    Region.objects.filter(pk=county.village_b.pk).update(path="0009" + county.village_b.path[4:])
    Region.objects.filter(pk=county.village_a.pk).update(depth=4)
    out, error = check(capsys)
    assert "行政区划树结构" in error
    assert "行政区划找不到上级节点（孤儿节点）：330327101202 下村" in out
    assert "行政区划深度与路径不符：330327101201 上村" in out
    assert "330327101201 上村 在第 4 层，超出县—乡镇—村三级" in out


def test_a_member_in_a_town_instead_of_a_village_is_named(county, members, capsys) -> None:  # type: ignore[no-untyped-def]
    Member.objects.filter(pk=members["zhang"].pk).update(village=county.town)
    out, error = check(capsys)
    assert "会员的行政村都是村级区划" in error
    assert "张建国：行政村 330327101000 桥头镇 的级别是“乡镇”，不是村" in out


def test_a_user_whose_organization_is_gone_is_named(county, capsys) -> None:  # type: ignore[no-untyped-def]
    # Foreign keys are checked at commit on both backends, so the dangling id lives inside the test.
    User.objects.filter(pk=county.clerk_b.pk).update(organization_id=987654)
    try:
        out, error = check(capsys)
    finally:
        User.objects.filter(pk=county.clerk_b.pk).update(organization_id=county.coop_b.pk)
    assert "用户所属的组织都存在" in error
    assert f"用户 #{county.clerk_b.pk} clerk_b：所属组织 #987654 不存在" in out


def test_other_apps_add_checks_and_a_broken_check_does_not_hide_the_others(  # type: ignore[no-untyped-def]
    county, capsys, monkeypatch
) -> None:
    integrity.discover()
    monkeypatch.setattr(integrity, "CHECKS", list(integrity.CHECKS))

    @integrity.register("示例检查：余额与流水")
    def stock_balances() -> list[str]:
        return [f"商品 {n}：余额 5，流水合计 4" for n in range(25)]

    @integrity.register("会坏的检查")
    def broken() -> list[str]:
        raise RuntimeError("boom")

    out, error = check(capsys, "--limit", "3")
    assert "2 项检查未通过" in error and "示例检查：余额与流水" in error
    assert "商品 2：余额 5" in out and "商品 3：" not in out and "另有 22 条" in out
    assert "检查本身出错：RuntimeError: boom" in out
    assert "OK    组织树结构" in out
    # Registering the same function again replaces it instead of running it twice.
    integrity.register("示例检查：余额与流水")(stock_balances)
    assert [c.label for c in integrity.CHECKS].count("示例检查：余额与流水") == 1


def test_a_column_the_database_lacks_is_named(county, capsys) -> None:  # type: ignore[no-untyped-def]
    # As after a migration edited once it was applied: the model has a column the table does not.
    # DDL is transactional on SQLite and PostgreSQL, so the test's rollback puts the column back.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE members_member DROP COLUMN note")
    out, error = check(capsys)
    assert "数据库的表和列与程序的模型一致" in error
    assert "数据表 members_member 缺少列：note" in out
