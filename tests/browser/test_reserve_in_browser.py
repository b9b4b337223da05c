"""The fertilizer reserve in a real browser: the compliance chart drawn, a monthly report entered,
the short days and the late flag shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongxiao.supply.models import ReserveReport
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reserve_for_browser(county):
    from gongxiao.supply.reserve import ReportLineSpec, record_report
    from gongxiao.supply.testing import outside_holder, reserve_plan, urea

    plan = reserve_plan(county, organization=county.coop_a)
    product = urea(county)
    holder = outside_holder(plan, product)
    record_report(
        county.clerk_a,
        holder,
        dt.date(2022, 11, 1),
        [
            ReportLineSpec(product, dt.date(2022, 11, 1), Decimal(100), Decimal(0), Decimal(100)),
            ReportLineSpec(product, dt.date(2022, 11, 21), Decimal(0), Decimal(25), Decimal(75)),
        ],
        submitted_on=dt.date(2022, 12, 8),
    )
    return plan, holder, product


def test_clerk_sees_the_compliance_chart_and_enters_a_monthly_report(page, reserve_for_browser):
    plan, holder, product = reserve_for_browser
    login(page, "clerk_a")
    page.click("text=化肥应急储备")
    page.click(f"text={plan.name}")
    chart = page.locator("[data-testid=compliance-chart]")
    chart.wait_for()
    page.wait_for_selector("[data-testid=compliance-chart][data-rendered=true] canvas")
    assert chart.bounding_box()["height"] > 200

    page.click(f"[data-testid=holders] >> text={holder.name}")
    page.wait_for_selector("[data-testid=compliance-chart][data-rendered=true] canvas")
    assert page.text_content("[data-testid=short-days]").strip() != "0"

    page.click("[data-testid=new-report]")
    page.select_option("#id_month", "2022-12-01")
    page.fill("#id_submitted_on", "2023-01-12")
    page.select_option("#id_lines-0-product", str(product.pk))
    page.fill("#id_lines-0-day", "2022-12-02")
    page.fill("#id_lines-0-received", "25")
    page.fill("#id_lines-0-issued", "0")
    page.fill("#id_lines-0-stock", "90")
    page.click("[data-testid=save]")
    assert "= 100" in page.text_content("[data-testid=form-errors]")  # 75 + 25 − 0
    assert ReserveReport.objects.count() == 1

    page.fill("#id_lines-0-stock", "100")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=months]")
    december = page.locator("[data-testid=months] tbody tr").nth(1)
    assert december.locator("td").first.text_content() == "2022-12"
    assert "逾期" in december.text_content() or "late" in december.text_content()
    assert ReserveReport.objects.get(month=dt.date(2022, 12, 1)).is_late
