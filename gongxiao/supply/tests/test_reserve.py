"""The reserve's figures on hand-computed cases: a short month, a release refilled late, both formulas."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongxiao.commerce.models import Location
from gongxiao.commerce.testing import receive, trade_setup
from gongxiao.core import clock
from gongxiao.supply.models import ReserveHolder, ReservePlan, ReserveQuota, ReserveRelease
from gongxiao.supply.reserve import ReportLineSpec, compliance, record_report
from gongxiao.supply.testing import outside_holder, reserve_plan, urea

D = Decimal


def line(product, day, stock, received="0", issued="0"):
    return ReportLineSpec(product, day, D(received), D(issued), D(stock))


def report(county, holder, month, lines, submitted):
    return record_report(county.leader, holder, month, lines, submitted_on=submitted)


def test_a_short_month_earns_no_subsidy_and_the_late_report_is_flagged(county):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    report(
        county,
        holder,
        dt.date(2022, 11, 1),
        [line(product, dt.date(2022, 11, 1), "100")],
        dt.date(2022, 12, 12),
    )
    report(
        county,
        holder,
        dt.date(2022, 12, 1),
        [
            line(product, dt.date(2022, 12, 10), "80", issued="20"),
            line(product, dt.date(2022, 12, 20), "100", received="20"),
        ],
        dt.date(2023, 1, 9),
    )

    result = compliance(holder, today=dt.date(2023, 1, 1))

    november, december = result.months
    assert november.report.is_late and not december.report.is_late
    assert (november.short_days, november.subsidy, november.payable) == (0, D("4000.00"), D("4000.00"))
    # 21 days × 100 t + 10 days × 80 t = 2,900 tonne-days; × 40 元 / 31 days
    assert december.paid_tonne_days == D("2900")
    assert december.subsidy == D("3741.94")
    assert december.withheld and december.payable == 0
    assert december.average_ratio == D("93.55")
    assert (result.short_days, result.max_short, result.short_tonne_days) == (10, D("20"), D("200"))
    assert result.payable == D("4000.00") and not result.passed
    assert [day.day for day in result.days if day.is_short] == [dt.date(2022, 12, d) for d in range(10, 20)]


def test_a_release_lowers_the_quota_until_its_refill_deadline_and_a_late_refill_is_short(county):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    release = ReserveRelease(
        holder=holder,
        product=product,
        quantity=D("30"),
        order_number="青发改〔2022〕8号",
        approved_by="县发改局",
        approved_on=dt.date(2022, 11, 9),
        released_on=dt.date(2022, 11, 10),
        destinations="桥头镇、溪口镇",
        refill_working_days=5,
        created_by=county.leader,
    )
    release.full_clean()
    release.save()
    assert release.refill_by == dt.date(2022, 11, 17)  # Thursday + 5 working days
    report(
        county,
        holder,
        dt.date(2022, 11, 1),
        [
            line(product, dt.date(2022, 11, 1), "100"),
            line(product, dt.date(2022, 11, 10), "70", issued="30"),
            line(product, dt.date(2022, 11, 21), "100", received="30"),
        ],
        dt.date(2022, 12, 5),
    )

    result = compliance(holder, today=dt.date(2022, 12, 1))

    (november,) = result.months
    short = [day.day for day in result.days if day.is_short]
    assert short == [dt.date(2022, 11, 18), dt.date(2022, 11, 19), dt.date(2022, 11, 20)]
    assert result.max_short == D("30")
    assert result.days[9].quota == D("70") and result.days[9].released  # 10 November
    assert november.paid_tonne_days == D("2670")
    assert november.subsidy == D("3560.00") and november.withheld
    assert november.average_ratio == D("96.74")  # 2,670 / 2,760


def test_a_release_refilled_in_time_keeps_the_month_whole(county):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    ReserveRelease.objects.create(
        holder=holder,
        product=product,
        quantity=D("30"),
        order_number="8号",
        approved_by="县发改局",
        approved_on=dt.date(2022, 11, 9),
        released_on=dt.date(2022, 11, 10),
        destinations="桥头镇",
        created_by=county.leader,
    )
    report(
        county,
        holder,
        dt.date(2022, 11, 1),
        [line(product, dt.date(2022, 11, 1), "100"), line(product, dt.date(2022, 11, 10), "70", issued="30")],
        dt.date(2022, 12, 5),
    )
    (november,) = compliance(holder, today=dt.date(2022, 12, 1)).months
    assert november.short_days == 0 and not november.withheld  # 30 working days run past November


def test_interest_formula_pays_a_360th_of_the_yearly_rate_a_day(county):
    plan = reserve_plan(
        county,
        subsidy_formula=ReservePlan.Formula.INTEREST,
        subsidy_per_tonne_month=None,
        subsidy_interest_rate=D("3.6"),
    )
    product = urea(county)
    holder = outside_holder(plan, product, unit_value=D("2500"))
    report(
        county,
        holder,
        dt.date(2022, 11, 1),
        [line(product, dt.date(2022, 11, 1), "120")],
        dt.date(2022, 12, 1),
    )
    (november,) = compliance(holder, today=dt.date(2022, 12, 1)).months
    # stock above the quota is not paid: 100 t × 2,500 元 × 3.6 % / 360 × 30 days
    assert november.subsidy == D("750.00")


def test_a_missing_report_fails_its_month(county):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    report(
        county,
        holder,
        dt.date(2022, 11, 1),
        [line(product, dt.date(2022, 11, 1), "100")],
        dt.date(2022, 12, 1),
    )
    result = compliance(holder, today=dt.date(2023, 1, 15))
    november, december, january = result.months
    assert not january.report_missing  # due on 10 February
    assert december.report_missing and december.withheld and december.short_days == 0
    assert not november.withheld
    assert [month.month for month in result.missing_reports] == [dt.date(2022, 12, 1)]


def test_an_inside_holder_is_judged_on_its_reserve_zone_in_the_stock_ledger(county):
    plan = reserve_plan(county)
    product = urea(county)
    trade = trade_setup(county)
    zone = Location.objects.create(
        organization=county.coop_a,
        code="A-RZ",
        name="桥头仓库储备区",
        kind="reserve_zone",
        warehouse=trade.warehouse_a,
    )
    holder = ReserveHolder.objects.create(
        plan=plan, code="CB-02", name="桥头供销社", stock_organization=county.coop_a
    )
    quota = ReserveQuota(holder=holder, product=product, quantity=D("50"), zone=zone)
    quota.full_clean()
    quota.save()
    with clock.travel(dt.datetime(2022, 10, 20, 9)):
        receive(trade, zone, product, "50000", "2.4")
    with clock.travel(dt.datetime(2022, 11, 25, 10)):
        from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm

        create_and_confirm(
            county.clerk_a,
            DocumentSpec(
                kind="sale", organization=county.coop_a, location=zone, lines=[LineSpec(product, D("5000"))]
            ),
        )
    result = compliance(holder, today=dt.date(2022, 12, 1))
    assert [day.day for day in result.days if day.is_short] == [dt.date(2022, 11, d) for d in range(25, 31)]
    assert result.max_short == D("5")
    assert result.months[0].needs_report is False and not result.months[0].report_missing


def test_plan_rules_refuse_a_wrong_period_and_fix_it_once_set(county):
    with pytest.raises(ValidationError) as error:
        reserve_plan(county, period_start=dt.date(2022, 12, 1))
    assert "九月" in str(error.value.message_dict) or "September" in str(error.value.message_dict)
    plan = reserve_plan(county)
    plan.period_start = dt.date(2022, 10, 1)
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "period_start" in error.value.message_dict


def test_quotas_cannot_exceed_the_plan_and_must_name_a_warehouse(county):
    plan = reserve_plan(county, total_quota=D("150"))
    product = urea(county)
    holder = outside_holder(plan, product, quantity="100")
    extra = ReserveQuota(
        holder=ReserveHolder.objects.create(plan=plan, code="CB-09", name="另一家"),
        product=product,
        quantity=D("60"),
    )
    with pytest.raises(ValidationError) as error:
        extra.full_clean()
    assert set(error.value.message_dict) == {"quantity", "warehouse"}
    assert "160" in error.value.message_dict["quantity"][0]
    assert holder.quotas.count() == 1


def test_a_report_whose_stock_does_not_follow_is_refused_whole(county):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    report(
        county,
        holder,
        dt.date(2022, 11, 1),
        [line(product, dt.date(2022, 11, 1), "100")],
        dt.date(2022, 12, 1),
    )
    with pytest.raises(ValidationError) as error:
        report(
            county,
            holder,
            dt.date(2022, 12, 1),
            [
                line(product, dt.date(2022, 12, 3), "90", issued="10"),
                line(product, dt.date(2022, 12, 9), "95", received="10"),
            ],
            dt.date(2023, 1, 5),
        )
    assert "100" in error.value.messages[0] and "2022-12-09" in error.value.messages[0]
    assert holder.reports.count() == 1


def test_a_release_needs_a_quota_and_comes_after_its_approval(county):
    plan = reserve_plan(county)
    product = urea(county)
    holder = outside_holder(plan, product)
    release = ReserveRelease(
        holder=holder,
        product=product,
        quantity=D("130"),
        order_number="9号",
        approved_by="县发改局",
        approved_on=dt.date(2022, 11, 9),
        released_on=dt.date(2022, 11, 8),
        destinations="桥头镇",
        created_by=county.leader,
    )
    with pytest.raises(ValidationError) as error:
        release.full_clean()
    assert set(error.value.message_dict) == {"quantity", "released_on"}
