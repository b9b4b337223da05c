"""Who may see and change a member of coop A: the leader, clerk A, clerk B and an anonymous visitor.

Every page, API call, export and import that touches members is tried; a refused write must
change nothing.
"""

import io
import json

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from gongxiao.core.models import ApiToken
from gongxiao.members.models import Member, Union, UnionMembership
from gongxiao.members.tests.factories import member, member_row, workbook


@pytest.fixture
def row_a(county):
    return member(county, county.coop_a, "张建国", 1)


def _snapshot():
    return list(Member.objects.order_by("pk").values())


def _exported_names(response) -> set[str]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    return {row[0] for row in sheet[1:]}


@pytest.mark.parametrize("who,sees", [("leader", True), ("a", True), ("b", False)])
def test_list_detail_and_export(county, row_a, leader_client, client_a, client_b, who, sees):
    client = {"leader": leader_client, "a": client_a, "b": client_b}[who]
    assert ("张建国" in client.get("/members/").content.decode()) is sees
    assert client.get(f"/members/{row_a.pk}/").status_code == (200 if sees else 404)
    assert ("张建国" in _exported_names(client.get("/members/?export=xlsx"))) is sees


def test_clerk_b_cannot_edit_a_member_of_coop_a(county, row_a, client_b):
    before = _snapshot()
    assert client_b.get(f"/members/{row_a.pk}/edit/").status_code == 404
    response = client_b.post(f"/members/{row_a.pk}/edit/", {"name": "改名", "organization": county.coop_b.pk})
    assert response.status_code == 404
    assert _snapshot() == before


def test_clerk_b_cannot_create_a_member_for_coop_a(county, client_b):
    response = client_b.post(
        "/members/new/",
        {
            "organization": county.coop_a.pk,
            "kind": "household",
            "name": "赵六",
            "id_number": member_row(5)[2],
            "phone": "13900000005",
            "village": county.village_a.pk,
            "land_area_mu": "1",
        },
    )
    assert response.status_code == 200  # the form comes back with an error on the organization
    assert "organization" in response.context["form"].errors
    assert Member.objects.count() == 0


def test_leader_may_read_but_not_write(county, row_a, leader_client):
    assert leader_client.get(f"/members/{row_a.pk}/edit/").status_code == 403
    before = _snapshot()
    assert leader_client.post(f"/members/{row_a.pk}/edit/", {"name": "改名"}).status_code == 403
    assert _snapshot() == before


def test_anonymous_is_sent_to_login(county, row_a):
    client = Client()
    for url in [
        "/members/",
        f"/members/{row_a.pk}/",
        "/members/?export=xlsx",
        "/members/new/",
        "/base/imports/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_import_cannot_overwrite_a_member_of_another_coop(county, row_a, client_b):
    # given: B's file carries A's member's ID number with another name
    row = member_row(1, name="冒名")
    row[2] = row_a.id_number
    before = _snapshot()
    # when
    response = client_b.post(
        "/base/imports/new/members/", {"organization": county.coop_b.pk, "file": workbook([row])}, follow=True
    )
    # then
    job = response.context["job"]
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "证件号码")]
    assert "其他组织" in job.errors[0]["message"]
    assert _snapshot() == before


def test_import_for_another_coop_is_refused(county, client_b):
    response = client_b.post(
        "/base/imports/new/members/", {"organization": county.coop_a.pk, "file": workbook([member_row(1)])}
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert Member.objects.count() == 0


def test_import_jobs_of_coop_a_are_invisible_to_b(county, client_a, client_b):
    response = client_a.post(
        "/base/imports/new/members/",
        {"organization": county.coop_a.pk, "file": workbook([member_row(1)])},
        follow=True,
    )
    job = response.context["job"]
    assert client_b.get(f"/base/imports/{job.pk}/").status_code == 404
    assert client_b.get(f"/base/imports/{job.pk}/errors.xlsx").status_code == 404
    assert client_b.post(f"/base/imports/{job.pk}/confirm/").status_code == 404
    assert Member.objects.count() == 0
    assert job.filename not in client_b.get("/base/imports/").content.decode()


def _api(client, method, url, data=None, token=None):
    kwargs = {"content_type": "application/json"}
    if token:
        kwargs["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if data is not None:
        return getattr(client, method)(url, json.dumps(data), **kwargs)
    return getattr(client, method)(url, **kwargs)


def _payload(county, **extra):
    data = {
        "kind": "household",
        "name": "赵六",
        "id_number": member_row(6)[2],
        "phone": "13900000006",
        "village_code": county.village_a.code,
    }
    data.update(extra)
    return data


def test_api_matrix(county, row_a):
    _t, key_a = ApiToken.issue(county.clerk_a, "a")
    _t, key_b = ApiToken.issue(county.clerk_b, "b")
    client = Client()
    # anonymous
    assert _api(client, "get", "/api/members").status_code == 401
    # B cannot see A's row
    listed = _api(client, "get", "/api/members", token=key_b).json()
    assert listed["count"] == 0
    assert _api(client, "get", f"/api/members/{row_a.pk}", token=key_b).status_code == 404
    before = _snapshot()
    assert (
        _api(
            client,
            "put",
            f"/api/members/{row_a.pk}",
            _payload(county, id_number=row_a.id_number),
            token=key_b,
        ).status_code
        == 404
    )
    refused = _api(
        client, "post", "/api/members", _payload(county, organization_id=county.coop_a.pk), token=key_b
    )
    assert refused.status_code == 403
    assert _snapshot() == before
    # A sees and changes it
    assert _api(client, "get", f"/api/members/{row_a.pk}", token=key_a).json()["name"] == "张建国"
    changed = _api(
        client,
        "put",
        f"/api/members/{row_a.pk}",
        _payload(county, id_number=row_a.id_number, name="张建华"),
        token=key_a,
    )
    assert changed.status_code == 200, changed.content
    assert Member.objects.get(pk=row_a.pk).name == "张建华"


def test_union_of_coop_a_is_invisible_to_b(county, row_a, client_b):
    union = Union.objects.create(
        organization=county.coop_a, kind="township", name="桥头镇农合联", town=county.town
    )
    assert client_b.get(f"/members/unions/{union.pk}/").status_code == 404
    assert client_b.post(f"/members/unions/{union.pk}/", {"member": row_a.pk}).status_code == 404
    assert "桥头镇农合联" not in client_b.get("/members/unions/").content.decode()
    assert UnionMembership.objects.count() == 0
