"""The reserve through the API: compliance figures, reports and releases, refusals and scope."""

import json

from django.test import Client

from gongxiao.core.models import ApiToken
from gongxiao.supply.models import ReserveRelease, ReserveReport
from gongxiao.supply.testing import outside_holder, reserve_plan, urea


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_a_report_and_a_release_through_the_api_change_the_compliance(county, client_a, client_b):
    plan = reserve_plan(county, organization=county.coop_a)
    product = urea(county)
    holder = outside_holder(plan, product)
    url = f"/api/reserve/holders/{holder.pk}"
    response = _post(
        client_a,
        f"{url}/reports",
        {
            "month": "2022-11-01",
            "submitted_on": "2022-12-11",
            "lines": [
                {"product_id": product.pk, "day": "2022-11-01", "received": "100", "stock": "100"},
                {"product_id": product.pk, "day": "2022-11-10", "issued": "30", "stock": "70"},
            ],
        },
    )
    assert response.status_code == 201 and response.json()["is_late"] is True
    response = _post(
        client_a,
        f"{url}/releases",
        {
            "product_id": product.pk,
            "quantity": "30",
            "order_number": "8号",
            "approved_by": "县发改局",
            "approved_on": "2022-11-09",
            "released_on": "2022-11-10",
            "destinations": "桥头镇",
        },
    )
    assert response.status_code == 201 and response.json()["refill_by"] == "2022-12-22"
    figures = client_a.get(f"{url}/compliance").json()
    november = figures["months"][0]
    assert (november["short_days"], november["report_late"], november["withheld"]) == (0, True, False)
    assert float(figures["days"][9]["quota"]) == 70 and figures["days"][9]["released"] is True


def test_refusals_name_the_line_and_field_and_write_nothing(county, client_a):
    plan = reserve_plan(county, organization=county.coop_a)
    product = urea(county)
    holder = outside_holder(plan, product)
    url = f"/api/reserve/holders/{holder.pk}"
    response = _post(
        client_a,
        f"{url}/reports",
        {"month": "2022-11-01", "lines": [{"product_id": 999999, "day": "2022-11-01", "stock": "1"}]},
    )
    assert response.status_code == 422 and "999999" in response.json()["detail"]
    response = _post(
        client_a,
        f"{url}/releases",
        {
            "product_id": product.pk,
            "quantity": "500",
            "order_number": "9号",
            "approved_by": "县发改局",
            "approved_on": "2022-11-09",
            "released_on": "2022-11-10",
            "destinations": "桥头镇",
        },
    )
    assert response.status_code == 422 and "100" in response.json()["detail"]
    assert ReserveRelease.objects.count() == 0 and ReserveReport.objects.count() == 0


def test_another_coop_and_strangers_are_kept_out(county, client_b):
    plan = reserve_plan(county, organization=county.coop_a)
    holder = outside_holder(plan, urea(county))
    assert client_b.get(f"/api/reserve/holders/{holder.pk}/compliance").status_code == 404
    assert client_b.get("/api/reserve/plans").json() == []
    response = _post(
        client_b,
        f"/api/reserve/holders/{holder.pk}/reports",
        {"month": "2022-11-01", "lines": [{"product_id": 1, "day": "2022-11-01", "stock": "1"}]},
    )
    assert response.status_code == 404 and ReserveReport.objects.count() == 0
    assert Client().get("/api/reserve/plans").status_code == 401
    token = ApiToken.issue(county.leader, "报表")[1]
    leader = Client(headers={"Authorization": f"Bearer {token}"})
    assert [p["name"] for p in leader.get("/api/reserve/plans").json()] == [plan.name]
