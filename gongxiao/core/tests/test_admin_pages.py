"""The system administrator manages users, roles and organizations in the admin; a clerk cannot."""

from django.contrib.auth.models import Group

from gongxiao.core import roles
from gongxiao.core.models import User
from gongxiao.core.testing import make_user


def test_sysadmin_creates_a_user_with_organization_and_role(county, client):
    admin = make_user("sys_admin", county.federation, roles.SYSADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/core/user/add/").status_code == 200
    clerk_group = Group.objects.get(name=roles.STORE_CLERK)
    response = client.post(
        "/admin/core/user/add/",
        {
            "username": "store_9",
            "password1": "Qiaotou#2023x",
            "password2": "Qiaotou#2023x",
            "usable_password": "true",
            "organization": county.coop_a.pk,
            "groups": [clerk_group.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(username="store_9")
    assert created.organization == county.coop_a
    assert created.has_perm("members.view_member")
    assert not created.has_perm("members.add_member")


def test_clerk_cannot_open_the_admin(county, client_a):
    response = client_a.get("/admin/core/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_roles_hold_the_permissions_the_table_says(county):
    leader = Group.objects.get(name=roles.COUNTY_LEADER)
    codes = set(leader.permissions.values_list("codename", flat=True))
    assert "view_all_organizations" in codes
    assert "view_member" in codes
    assert "add_member" not in codes
    staff = set(Group.objects.get(name=roles.DEPARTMENT_STAFF).permissions.values_list("codename", flat=True))
    assert {"add_member", "change_member", "add_importjob"} <= staff


def test_sections_without_any_entry_for_the_role_are_hidden(county):
    from gongxiao.core.navigation import visible_sections

    store_clerk = make_user("store_1", county.coop_a, roles.STORE_CLERK)
    labels = [entry.url_name for _section, entries in visible_sections(store_clerk) for entry in entries]
    assert "members:list" in labels
    assert "core:imports" not in labels
    assert "core:users" not in labels
