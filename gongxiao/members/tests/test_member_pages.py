import datetime as dt

from gongxiao.core.testing import make_ric
from gongxiao.members.models import Member


def _member(county, org, name="张建国", seq=1):
    return Member.objects.create(
        organization=org,
        kind=Member.Kind.HOUSEHOLD,
        name=name,
        id_number=make_ric(dt.date(1985, 3, 2), seq),
        phone="13800000000",
        village=county.village_a,
    )


def test_member_list_shows_own_rows_only(county, client_a):
    # given
    _member(county, county.coop_a, "张建国", 1)
    _member(county, county.coop_b, "李秀英", 2)
    # when
    response = client_a.get("/members/")
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "张建国" in body
    assert "李秀英" not in body


def test_pages_render(county, leader_client):
    _member(county, county.coop_a)
    for url in [
        "/",
        "/members/",
        "/members/unions/",
        "/base/organizations/",
        "/base/regions/",
        "/base/users/",
        "/base/audit/",
        "/base/tokens/",
        "/base/imports/",
        "/members/new/",
        "/members/unions/new/",
    ]:
        response = leader_client.get(url)
        assert response.status_code in (200, 403), url


def test_list_masks_id_numbers_but_export_keeps_them(county, client_a):
    row = _member(county, county.coop_a)
    body = client_a.get("/members/").content.decode()
    assert row.id_number not in body
    assert row.masked_id_number() in body
    import io

    from python_calamine import CalamineWorkbook

    exported = client_a.get("/members/?export=xlsx").content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(exported)).get_sheet_by_index(0).to_python()
    assert rows[1][2] == row.id_number
    assert rows[1][4] == "桥头镇上村"


def test_member_list_does_not_query_per_row(county, client_a, django_assert_max_num_queries):
    for seq in range(1, 21):
        _member(county, county.coop_a, f"成员{seq}", seq)
    with django_assert_max_num_queries(12):
        client_a.get("/members/")
