"""The reserve's pages: entering a plan, a consortium, quotas, reports, releases and inspections; scope."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from gongxiao.core import clock, roles
from gongxiao.core.actions import import_for_user
from gongxiao.core.testing import make_user
from gongxiao.supply.importers import ReserveReportImporter
from gongxiao.supply.models import (
    ReserveHolder,
    ReserveInspection,
    ReservePlan,
    ReserveRelease,
    ReserveReport,
    ReserveReportLine,
)
from gongxiao.supply.reserve import ReportLineSpec, record_report
from gongxiao.supply.testing import outside_holder, reserve_plan, urea

D = Decimal


@pytest.fixture
def staff(county):
    user = make_user("reserve_staff", county.federation, roles.DEPARTMENT_STAFF)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def plan_a(county):
    """A plan owned by coop A, so that clerk A may write it and clerk B may not see it."""
    plan = reserve_plan(county, organization=county.coop_a)
    holder = outside_holder(plan, urea(county))
    record_report(
        county.clerk_a,
        holder,
        dt.date(2022, 11, 1),
        [ReportLineSpec(urea(county), dt.date(2022, 11, 1), D(0), D(0), D(100))],
        submitted_on=dt.date(2022, 12, 5),
    )
    return plan


def test_staff_enter_a_plan_and_a_consortium_holder_through_the_pages(county, staff):
    product = urea(county)
    response = staff.post(
        "/supply/reserve/new/",
        {
            "organization": county.federation.pk,
            "year": 2023,
            "name": "2023年春耕化肥储备",
            "kind": "spring",
            "total_quota": "1600",
            "period_start": "2022-11-01",
            "products": [product.pk],
            "min_ratio_any_day": "100",
            "min_ratio_average": "100",
            "refill_working_days": "30",
            "subsidy_formula": "per_tonne_month",
            "subsidy_per_tonne_month": "40",
            "withhold_on_failure": "on",
        },
    )
    plan = ReservePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.period_end == dt.date(2023, 4, 30)
    response = staff.post(
        f"/supply/reserve/{plan.pk}/holders/new/",
        {
            "code": "CB-2023-01",
            "name": "青山农资联合体",
            "tender_date": "2022-09-20",
            "tender_result": "中标",
            "tender_document": SimpleUploadedFile("招标文件.pdf", b"%PDF-1.4 tender"),
            "partners-TOTAL_FORMS": "3",
            "partners-INITIAL_FORMS": "0",
            "partners-0-name": "青山县农资有限公司",
            "partners-0-is_lead": "on",
            "partners-1-name": "青山县惠农农资有限公司",
            "partners-2-name": "",
        },
    )
    holder = ReserveHolder.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert holder.is_consortium and holder.reports_monthly
    assert staff.get(f"/supply/reserve/holders/{holder.pk}/tender/").status_code == 200
    response = staff.post(
        f"/supply/reserve/holders/{holder.pk}/quotas/new/",
        {"product": product.pk, "quantity": "2000", "warehouse": "城北仓库"},
    )
    assert response.status_code == 200 and "1,600" in response.content.decode().replace("1600", "1,600")
    staff.post(
        f"/supply/reserve/holders/{holder.pk}/quotas/new/",
        {"product": product.pk, "quantity": "1600", "warehouse": "城北仓库", "zone_name": "储备一区"},
    )
    assert holder.quotas.get().quantity == D("1600")


def test_the_reserve_period_cannot_be_changed_once_set(county, staff):
    plan = reserve_plan(county)
    data = {
        "organization": county.federation.pk,
        "year": 2023,
        "name": plan.name,
        "kind": "spring",
        "total_quota": "1600",
        "period_start": "2022-09-01",
        "min_ratio_any_day": "100",
        "min_ratio_average": "100",
        "refill_working_days": "30",
        "subsidy_formula": "per_tonne_month",
        "subsidy_per_tonne_month": "45",
    }
    staff.post(f"/supply/reserve/{plan.pk}/edit/", data)
    plan.refresh_from_db()
    assert plan.period_start == dt.date(2022, 11, 1) and plan.subsidy_per_tonne_month == D("45")


def test_a_monthly_report_entered_late_is_flagged_and_a_broken_one_writes_nothing(county, staff):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    url = f"/supply/reserve/holders/{holder.pk}/reports/new/"
    lines = {
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-day": "2022-11-01",
        "lines-0-received": "100",
        "lines-0-issued": "0",
        "lines-0-stock": "100",
        "lines-1-product": product.pk,
        "lines-1-day": "2022-11-15",
        "lines-1-received": "0",
        "lines-1-issued": "10",
        "lines-1-stock": "95",
    }
    response = staff.post(url, {"month": "2022-11-01", "submitted_on": "2022-12-12", **lines})
    assert response.status_code == 200
    assert "= 90" in response.content.decode() and ReserveReport.objects.count() == 0
    lines["lines-1-stock"] = "90"
    response = staff.post(url, {"month": "2022-11-01", "submitted_on": "2022-12-12", **lines}, follow=True)
    report = ReserveReport.objects.get()
    assert report.is_late and report.lines.count() == 2
    assert "2022-12-10" in response.content.decode()


def test_the_plan_and_holder_pages_show_the_compliance_chart_and_the_statement(county, staff):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    record_report(
        staff.user,
        holder,
        dt.date(2022, 11, 1),
        [
            ReportLineSpec(product, dt.date(2022, 11, 1), D(100), D(0), D(100)),
            ReportLineSpec(product, dt.date(2022, 11, 20), D(0), D(40), D(60)),
        ],
        submitted_on=dt.date(2022, 12, 6),
    )
    with clock.travel(dt.datetime(2022, 12, 1, 9)):
        page = staff.get(plan.get_absolute_url()).content.decode()
        detail = staff.get(holder.get_absolute_url()).content.decode()
        statement = staff.get(f"/supply/reserve/holders/{holder.pk}/statement.xlsx")
    assert 'data-testid="compliance-chart"' in page and '"2022-11-30"' in page
    assert 'data-testid="short-days">11<' in detail
    sheet = load_workbook(BytesIO(statement.content)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    november = next(row for row in rows if row[0] == "2022-11")
    assert november[5] == 11 and november[9] in ("是", "yes") and november[10] == 0
    assert rows[-1][1] == "零元整"


def test_a_release_order_is_entered_and_cancelled_with_a_reason(county, staff):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    response = staff.post(
        f"/supply/reserve/holders/{holder.pk}/releases/new/",
        {
            "product": product.pk,
            "quantity": "30",
            "order_number": "青发改〔2023〕3号",
            "approved_by": "县发展和改革局",
            "approved_on": "2023-03-08",
            "released_on": "2023-03-10",
            "destinations": "桥头镇、溪口镇",
        },
    )
    assert response.status_code == 302
    release = ReserveRelease.objects.get()
    assert release.refill_by == dt.date(2023, 4, 23)  # 30 working days; 23 April 2023 was worked in lieu
    staff.post(f"/supply/reserve/releases/{release.pk}/cancel/", {"reason": ""})
    release.refresh_from_db()
    assert release.cancelled_at is None
    staff.post(f"/supply/reserve/releases/{release.pk}/cancel/", {"reason": "县里改由救灾储备投放"})
    release.refresh_from_db()
    assert release.cancel_reason == "县里改由救灾储备投放"


def test_an_inspection_with_a_photo_is_shown_only_inside_the_scope(county, client_a, client_b, plan_a):
    holder = plan_a.holders.get()
    response = client_a.post(
        f"/supply/reserve/holders/{holder.pk}/inspections/new/",
        {
            "inspected_on": "2022-12-15",
            "inspectors": "王强、李敏",
            "counted": "100",
            "quantity_ok": "on",
            "books_ok": "on",
            "signage_ok": "on",
            "zoning_ok": "on",
            "photo": SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff photo", content_type="image/jpeg"),
            "findings": "储备区标识清楚",
        },
    )
    assert response.status_code == 302
    inspection = ReserveInspection.objects.get()
    assert inspection.passed
    assert client_a.get(f"/supply/reserve/inspections/{inspection.pk}/photo/").status_code == 200
    assert client_b.get(f"/supply/reserve/inspections/{inspection.pk}/photo/").status_code == 404
    refused = client_a.post(
        f"/supply/reserve/holders/{holder.pk}/inspections/new/",
        {"inspected_on": "2022-12-16", "inspectors": "王强", "photo": SimpleUploadedFile("a.exe", b"MZ")},
    )
    assert refused.status_code == 200 and ReserveInspection.objects.count() == 1


def test_another_coops_clerk_can_neither_see_nor_change_the_reserve(county, client_a, client_b, plan_a):
    holder = plan_a.holders.get()
    urls = [
        plan_a.get_absolute_url(),
        f"/supply/reserve/{plan_a.pk}/edit/",
        holder.get_absolute_url(),
        f"/supply/reserve/holders/{holder.pk}/statement.xlsx",
        f"/supply/reserve/holders/{holder.pk}/reports/new/",
        f"/supply/reserve/holders/{holder.pk}/releases/new/",
        f"/supply/reserve/reports/{holder.reports.get().pk}/",
    ]
    for url in urls:
        assert client_a.get(url).status_code == 200, url
        assert client_b.get(url).status_code == 404, url
    assert plan_a.name not in client_b.get("/supply/reserve/").content.decode()
    assert plan_a.name in client_a.get("/supply/reserve/").content.decode()
    client_b.post(
        f"/supply/reserve/holders/{holder.pk}/releases/new/",
        {
            "product": urea(county).pk,
            "quantity": "5",
            "order_number": "x",
            "approved_by": "x",
            "approved_on": "2022-11-02",
            "released_on": "2022-11-02",
            "destinations": "x",
        },
    )
    assert ReserveRelease.objects.count() == 0
    anonymous = Client().get(plan_a.get_absolute_url())
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    export = client_b.get("/supply/reserve/?export=xlsx")
    assert plan_a.name not in str(list(load_workbook(BytesIO(export.content)).active.values))


def _report_file(rows):
    workbook = Workbook()
    sheet = workbook.active
    with translation.override("zh-hans"):
        sheet.append([str(column.header) for column in ReserveReportImporter.columns])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer


def test_reports_are_imported_from_excel_with_row_errors_and_idempotently(county, tmp_path):
    plan = reserve_plan(county, organization=county.coop_a)
    product = urea(county)
    outside_holder(plan, product)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        _report_file(
            [
                ["CB-01", "尿素", dt.date(2022, 11, 1), 100, 0, 100, "期初"],
                ["CB-01", "尿素", dt.date(2022, 11, 8), 0, 20, 70, ""],
                ["CB-99", "尿素", dt.date(2022, 11, 9), 0, 0, 70, ""],
            ]
        ).getvalue()
    )
    result = import_for_user(county.clerk_a, county.coop_a, "reserve-report-lines", str(bad), dry_run=False)
    with translation.override("zh-hans"):
        stock_header = str(ReserveReportImporter.columns[5].header)
    messages = [(error["row"], error["column"]) for error in result.errors]
    assert (3, stock_header) in messages
    assert any(row == 4 for row, _column in messages)
    assert ReserveReportLine.objects.count() == 0
    good = tmp_path / "good.xlsx"
    good.write_bytes(
        _report_file(
            [
                ["CB-01", "F101", dt.date(2022, 11, 1), 100, 0, 100, "期初"],
                ["CB-01", "尿素", dt.date(2022, 11, 8), 0, 20, 80, ""],
            ]
        ).getvalue()
    )
    with clock.travel(dt.datetime(2022, 12, 11, 9)):
        first = import_for_user(
            county.clerk_a, county.coop_a, "reserve-report-lines", str(good), dry_run=False
        )
        again = import_for_user(
            county.clerk_a, county.coop_a, "reserve-report-lines", str(good), dry_run=False
        )
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    report = ReserveReport.objects.get()
    assert report.is_late and report.submitted_on == dt.date(2022, 12, 11)
    refused = import_for_user(county.clerk_b, county.coop_b, "reserve-report-lines", str(good), dry_run=True)
    assert refused.errors and ReserveReportLine.objects.count() == 2
