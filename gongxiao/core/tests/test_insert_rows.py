"""`excel.insert_rows`, the imports' fast write path, stores what bulk_create_with_history would."""

import datetime as dt
from decimal import Decimal

from gongxiao.core.excel import insert_rows
from gongxiao.core.models import ImportJob
from gongxiao.core.testing import make_ric
from gongxiao.members.models import Member


def _rows(county, count, start=1):
    return [
        {
            "kind": "household",
            "name": f"成员{n}",
            "pinyin": "cy",
            "id_number": make_ric(dt.date(1990, 1, 1), n),
            "phone": f"139{n:08d}",
            "village_id": county.village_a.pk,
            "address": "",
            "industries": "tea",
            "land_area_mu": Decimal("1.50"),
            "joined_on": dt.date(2022, 5, 1),
        }
        for n in range(start, start + count)
    ]


def test_fast_path_stores_rows_and_their_history(county):
    # given a member created the ordinary way first
    first = Member.objects.create(
        organization=county.coop_a,
        kind="household",
        name="张三",
        id_number=make_ric(dt.date(1985, 1, 1), 999),
        phone="13800000000",
        village=county.village_a,
    )
    # when
    insert_rows(
        Member,
        _rows(county, 30),
        common={
            "organization_id": county.coop_a.pk,
            "county_id": county.federation.pk,
            "is_active": True,
            "note": "",
        },
        history_user=county.clerk_a,
    )
    # then
    created = list(Member.objects.filter(name__startswith="成员").order_by("pk"))
    assert len(created) == 30
    assert created[0].pk > first.pk
    assert [m.pk for m in created] == list(range(created[0].pk, created[0].pk + 30))
    assert created[5].land_area_mu == Decimal("1.50") and created[5].joined_on == dt.date(2022, 5, 1)
    assert created[5].organization == county.coop_a and created[5].county == county.federation
    history = Member.history.filter(id__in=[m.pk for m in created])
    assert history.count() == 30
    assert set(history.values_list("history_type", flat=True)) == {"+"}
    assert set(history.values_list("history_user_id", flat=True)) == {county.clerk_a.pk}
    assert history.get(id=created[5].pk).name == "成员6"
    # the table's counter moved on: the next ordinary insert does not clash
    after = Member.objects.create(
        organization=county.coop_a,
        kind="household",
        name="李四",
        id_number=make_ric(dt.date(1985, 1, 1), 998),
        phone="13800000001",
        village=county.village_a,
    )
    assert after.pk > created[-1].pk


def test_models_the_fast_path_does_not_cover_use_bulk_create(county):
    # ImportJob has an auto_now_add field and no history: the fallback path
    insert_rows(
        ImportJob,
        [{"importer": "members", "file": "imports/x.xlsx", "filename": f"x{n}.xlsx"} for n in range(3)],
        common={"organization_id": county.coop_a.pk, "created_by_id": county.clerk_a.pk},
    )
    jobs = list(ImportJob.objects.order_by("pk"))
    assert [j.filename for j in jobs] == ["x0.xlsx", "x1.xlsx", "x2.xlsx"]
    assert all(j.created_at is not None and j.status == "pending" for j in jobs)
