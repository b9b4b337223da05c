from gongxiao.core.models import Organization
from gongxiao.members.models import Member
from gongxiao.members.tests.factories import member


def test_clerk_sees_only_their_subtree(county):
    # given
    mine = member(county, county.coop_a, "张建国", 1)
    member(county, county.coop_b, "李秀英", 2)
    # when
    visible = list(Member.objects.visible_to(county.clerk_a))
    # then
    assert visible == [mine]


def test_leader_sees_every_organization(county):
    member(county, county.coop_a, "张建国", 1)
    member(county, county.coop_b, "李秀英", 2)
    assert Member.objects.visible_to(county.leader).count() == 2
    assert Organization.objects.visible_to(county.leader).count() == 3


def test_rows_of_a_child_unit_are_visible_to_its_base_coop(county):
    unit = Organization.objects.add_child(
        county.coop_a, {"code": "QS-A-1", "name": "桥头门店", "kind": "unit"}
    )
    row = member(county, unit, "王五", 3)
    assert row in Member.objects.visible_to(county.clerk_a)
    assert row not in Member.objects.visible_to(county.clerk_b)


def test_user_without_organization_sees_nothing(county):
    from gongxiao.core.testing import make_user

    loose = make_user("loose", None)
    member(county, county.coop_a)
    assert Member.objects.visible_to(loose).count() == 0


def test_anonymous_sees_nothing(county):
    from django.contrib.auth.models import AnonymousUser

    member(county, county.coop_a)
    assert Member.objects.visible_to(AnonymousUser()).count() == 0
    assert Organization.objects.visible_to(AnonymousUser()).count() == 0


def test_can_manage_follows_the_tree(county):
    assert county.clerk_a.can_manage(county.coop_a)
    assert not county.clerk_a.can_manage(county.coop_b)
    assert not county.clerk_a.can_manage(county.federation)
    assert county.leader.can_manage(county.coop_b)


def test_organizations_and_regions_are_found_by_pinyin_initials(county, leader_client):
    assert county.coop_a.pinyin == "qtgxs"
    assert "桥头供销社" in leader_client.get("/base/organizations/?q=qtg").content.decode()
    assert "溪口供销社" not in leader_client.get("/base/organizations/?q=qtg").content.decode()
    assert "上村" in leader_client.get("/base/regions/?q=sc").content.decode()


def test_users_page_lists_only_the_subtree(county, client_a, leader_client):
    from django.contrib.auth.models import Permission

    from gongxiao.core.models import User

    assert set(User.objects.visible_to(county.clerk_a).values_list("username", flat=True)) == {"clerk_a"}
    county.clerk_a.user_permissions.add(Permission.objects.get(codename="view_user"))
    page = client_a.get("/base/users/")
    assert page.status_code == 200
    assert "clerk_a" in page.content.decode() and "clerk_b" not in page.content.decode()
    assert "clerk_b" in leader_client.get("/base/users/").content.decode()


def test_department_staff_work_for_the_organization_their_department_belongs_to(county):
    from gongxiao.core import roles
    from gongxiao.core.testing import make_user

    department = Organization.objects.add_child(
        Organization.objects.get(pk=county.federation.pk),
        {"code": "QS-YW", "name": "业务科", "kind": Organization.Kind.DEPARTMENT},
    )
    staff = make_user("dept_staff", department, roles.DEPARTMENT_STAFF)
    mine = member(county, county.coop_a, "张建国", 1)
    assert list(Member.objects.visible_to(staff)) == [mine]
    assert staff.can_manage(county.coop_b) and not staff.sees_all_organizations
    assert Organization.objects.visible_to(staff).count() == 4
    assert not county.clerk_a.can_manage(department)
