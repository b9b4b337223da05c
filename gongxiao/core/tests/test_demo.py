"""The demo county: its shape, valid members imported through Excel, a user for every role,
the same people for the same seed, and a second run refused without touching anything."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongxiao.commerce.models import Document
from gongxiao.core.models import Organization, Region, User
from gongxiao.core.roles import ROLES
from gongxiao.members.models import Member, Union, UnionMembership, check_id_number
from gongxiao.supply.models import ReserveHolder, ReservePlan
from gongxiao.supply.reserve import compliance

pytestmark = pytest.mark.django_db


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--scale", "0.05", "--seed", "7", *args, stdout=out)
    return out.getvalue()


def _people() -> list[tuple[str, str, str, str]]:
    return list(
        Member.objects.order_by("id_number").values_list("id_number", "name", "phone", "village__code")
    )


def _counts() -> dict[str, int]:
    models = [Organization, Region, User, Member, Union, UnionMembership, Member.history.model]
    return {model.__name__: model.objects.count() for model in models}


def test_demo_builds_the_county():
    # when
    out = _demo()

    # then
    county = Region.objects.get(level=Region.Level.COUNTY)
    towns = Region.objects.filter(level=Region.Level.TOWN)
    villages = Region.objects.filter(level=Region.Level.VILLAGE)
    assert county.code == "330327000000"
    assert towns.count() == 16
    assert villages.count() == 250
    town_codes = {town.path: town.code for town in towns}
    for village in villages:
        assert len(village.code) == 12 and village.code.isdigit()
        assert village.code[:9] == town_codes[village.path[: 2 * village.steplen]][:9]
    assert villages.filter(is_mountain=True).exists()
    assert towns.filter(is_mountain=True).count() >= 2

    federation = Organization.objects.get(depth=1)
    assert federation.kind == Organization.Kind.FEDERATION
    base_coops = Organization.objects.filter(kind=Organization.Kind.BASE_COOP)
    assert base_coops.count() == 12
    assert Organization.objects.filter(kind=Organization.Kind.DEPARTMENT).count() >= 3
    assert Organization.objects.filter(kind=Organization.Kind.ENTERPRISE).count() >= 2
    for coop in base_coops:
        assert 1 <= Organization.objects.get_children(coop).filter(kind=Organization.Kind.UNIT).count() <= 2

    members = Member.objects.all()
    # 3,000 × 0.05 imported, at least one per base coop; the caravan registers a few more farmers it buys from
    assert 150 <= members.count()
    for member in members:
        assert check_id_number(member.kind, member.id_number) == member.id_number
        assert member.village.level == Region.Level.VILLAGE
        assert member.organization.kind == Organization.Kind.BASE_COOP
        assert member.county == federation
    assert {coop.pk for coop in base_coops} == set(members.values_list("organization", flat=True))
    assert members.exclude(kind=Member.Kind.HOUSEHOLD).exists()
    assert Member.history.count() == members.count()  # written by the importer, with history

    assert Union.objects.filter(kind=Union.Kind.TOWNSHIP).count() == towns.count()
    assert Union.objects.filter(kind=Union.Kind.INDUSTRY).exists()
    assert UnionMembership.objects.exists()

    for role in ROLES:
        assert User.objects.filter(groups__name=role).exists(), role
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.organization == federation
    clerk = User.objects.get(username="clerk01")
    assert clerk.check_password("gongxiao2023")
    assert clerk.organization.kind == Organization.Kind.BASE_COOP
    assert "clerk01" in out and "gongxiao2023" in out and "所属组织" in out

    # the fertilizer reserve: a late report, a short month, a release
    plan = ReservePlan.objects.get(kind=ReservePlan.Kind.SPRING)
    assert plan.total_quota == 1600 and plan.period_end.isoformat() == "2023-04-30"
    holder = ReserveHolder.objects.get(plan=plan)
    assert holder.is_consortium and holder.releases.count() == 1
    result = compliance(holder)
    assert [f"{r.month:%Y-%m}" for r in result.late_reports] == ["2023-01"]
    assert [f"{m.month:%Y-%m}" for m in result.months if m.short_days] == ["2023-02"]
    assert [f"{m.month:%Y-%m}" for m in result.months if m.withheld] == ["2023-02"]
    assert not result.missing_reports and result.payable > 300_000

    # the disaster-relief reserve held inside the system: a late receipt entered as a correction of the
    # day it arrived, and a release whose transfer out of the zone the order named by itself
    inside = ReserveHolder.objects.get(plan__kind=ReservePlan.Kind.DISASTER)
    correction = Document.objects.get(corrects_date__isnull=False)
    assert correction.location.kind == "reserve_zone" and correction.corrects_date.isoformat() == "2022-11-01"
    assert correction.moves.get().created_at.date().isoformat() == "2022-11-08"
    release = inside.releases.get()
    assert release.document is not None and release.document.location == correction.location
    assert not list(inside.unordered_transfers())
    assert compliance(inside).short_days == 0  # the corrected day counts: no shortfall 1–7 November


def test_the_same_seed_gives_the_same_people_and_another_seed_others():
    # given
    _demo()
    first = _people()

    # when
    _demo("--reset")
    again = _people()
    _demo("--reset", "--seed", "8")
    other = _people()

    # then
    assert again == first
    assert other != first
    assert Organization.objects.filter(depth=1).count() == 1


def test_a_second_run_without_reset_is_refused_and_changes_nothing():
    # given
    _demo()
    before = _counts()

    # when
    with pytest.raises(CommandError, match="--reset"):
        _demo("--seed", "8")

    # then
    assert _counts() == before


def test_if_empty_leaves_an_existing_demo_alone():
    # given
    _demo()
    before = _counts()

    # when
    out = _demo("--if-empty", "--seed", "8")

    # then
    assert "已有数据" in out
    assert _counts() == before


def test_reset_refuses_a_database_that_is_not_the_demo(county):
    # given: a county that is not the demo's
    Organization.objects.filter(pk=county.federation.pk).update(code="OTHER")
    before = _counts()

    # when
    with pytest.raises(CommandError, match="不属于演示县"):
        _demo("--reset")

    # then
    assert _counts() == before


def test_the_password_can_be_chosen():
    # when
    out = _demo("--password", "Qingshan#2023")

    # then
    assert User.objects.get(username="leader").check_password("Qingshan#2023")
    assert "Qingshan#2023" in out
