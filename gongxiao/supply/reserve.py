"""The fertilizer emergency reserve's figures: day-by-day compliance, shortfalls and the subsidy.

Rules (domain-rules.md):

* The quota that applies on a day is the holder's quota, less every approved release of the
  product from its release date through its refill deadline (working days, 调休 included).
* A day is short when the stock is below the minimum ratio of that quota; the shortfall is the
  tonnes missing to that minimum. A release without an order is simply less stock: a shortfall.
* Stock of a holder inside the system is the closing balance of its reserve zones in the stock
  ledger; an outside holder's is the stock its monthly reports state after each reported day,
  carried forward over days without a line. Before its first line a holder holds nothing.
* A month passes when it has no short day, its average ratio (stock ÷ applying quota, summed over
  the days) reaches the minimum average, and, for an outside holder, its report was submitted.
* Subsidy is paid on actual stock × actual days, counting stock up to the quota: per tonne and
  month, each day is 1/(days of its month) of a month; as interest, each day is 1/360 of a year
  on the stock's value (the banks' day count). A failed month earns nothing when the plan says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongxiao.commerce.asof import stock_series
from gongxiao.core import clock
from gongxiao.core.numbers import plain
from gongxiao.supply.models import (
    ReserveHolder,
    ReservePlan,
    ReserveQuota,
    ReserveRelease,
    ReserveReport,
    ReserveReportLine,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")
TONNE = Decimal("0.001")
HUNDRED = Decimal(100)
INTEREST_DAYS_A_YEAR = Decimal(360)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _days_in_month(day: dt.date) -> int:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - day.replace(day=1)).days


def checked_until(plan: ReservePlan, today: dt.date | None = None) -> dt.date | None:
    """The last day compliance can be judged on: the period's end, or yesterday while it runs."""
    if plan.period_start is None or plan.period_end is None:
        return None
    last = min(plan.period_end, (today or clock.today()) - dt.timedelta(days=1))
    return last if last >= plan.period_start else None


# -- stock series ---------------------------------------------------------------------------------


def ledger_stock(quota: ReserveQuota, days: list[dt.date]) -> dict[dt.date, Decimal]:
    """Closing stock (t) of the quota's zone on each day, from the stock ledger.

    A correction of an earlier day counts on the day it corrects (`gongxiao.commerce.asof`).
    """
    assert quota.zone_id is not None
    series = stock_series(days[0], days[-1], locations=[quota.zone_id], products=[quota.product_id]).get(
        (quota.zone_id, quota.product_id), {}
    )
    return {day: quota.tonnes(series.get(day, ZERO)) for day in days}


def reported_stock(quota: ReserveQuota, days: list[dt.date]) -> dict[dt.date, Decimal]:
    """Stock (t) the holder's reports state after each day, carried over days without a line."""
    lines = ReserveReportLine.objects.filter(
        report__holder_id=quota.holder_id, product_id=quota.product_id, day__lte=days[-1]
    ).order_by("day")
    stated = {line.day: line.stock for line in lines}
    before = [day for day in stated if day < days[0]]
    running = stated[max(before)] if before else ZERO
    series = {}
    for day in days:
        running = stated.get(day, running)
        series[day] = running
    return series


# -- compliance -----------------------------------------------------------------------------------


@dataclass
class Day:
    day: dt.date
    quota: Decimal  # the quota that applies (after releases)
    stock: Decimal
    short: Decimal  # tonnes below the minimum ratio, 0 when compliant
    released: bool = False

    @property
    def is_short(self) -> bool:
        return self.short > 0


@dataclass
class Month:
    month: dt.date
    days: int = 0
    quota_days: Decimal = ZERO  # Σ applying quota
    stock_days: Decimal = ZERO  # Σ stock
    paid_tonne_days: Decimal = ZERO  # Σ min(stock, full quota)
    short_days: int = 0
    short_tonnes: Decimal = ZERO  # the largest shortfall of a day
    report: ReserveReport | None = None
    needs_report: bool = False  # a report is required and its due date has passed
    subsidy: Decimal = ZERO
    withheld: bool = False

    @property
    def average_ratio(self) -> Decimal | None:
        if not self.quota_days:
            return None
        return (self.stock_days / self.quota_days * HUNDRED).quantize(CENT, ROUND_HALF_UP)

    @property
    def average_stock(self) -> Decimal:
        return (self.stock_days / self.days).quantize(TONNE, ROUND_HALF_UP) if self.days else ZERO

    @property
    def report_missing(self) -> bool:
        return self.needs_report and self.report is None

    @property
    def payable(self) -> Decimal:
        return ZERO if self.withheld else self.subsidy


@dataclass
class QuotaLine:
    quota: ReserveQuota
    days: list[Day]


@dataclass
class HolderCompliance:
    holder: ReserveHolder
    plan: ReservePlan
    lines: list[QuotaLine] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)  # all products together, for the chart

    @property
    def checked_days(self) -> int:
        return len(self.days)

    @property
    def short_days(self) -> int:
        return sum(1 for day in self.days if day.is_short)

    @property
    def max_short(self) -> Decimal:
        return max((day.short for day in self.days), default=ZERO)

    @property
    def short_tonne_days(self) -> Decimal:
        return sum((day.short for day in self.days), ZERO)

    @property
    def average_ratio(self) -> Decimal | None:
        quota = sum((day.quota for day in self.days), ZERO)
        if not quota:
            return None
        stock = sum((day.stock for day in self.days), ZERO)
        return (stock / quota * HUNDRED).quantize(CENT, ROUND_HALF_UP)

    @property
    def passed(self) -> bool:
        return bool(self.months) and all(self.month_passed(month) for month in self.months)

    def month_passed(self, month: Month) -> bool:
        ratio = month.average_ratio
        return (
            month.short_days == 0
            and (ratio is None or ratio >= self.plan.min_ratio_average)
            and not month.report_missing
        )

    @property
    def subsidy(self) -> Decimal:
        return sum((month.subsidy for month in self.months), ZERO)

    @property
    def payable(self) -> Decimal:
        return sum((month.payable for month in self.months), ZERO)

    @property
    def missing_reports(self) -> list[Month]:
        return [month for month in self.months if month.report_missing]

    @property
    def late_reports(self) -> list[ReserveReport]:
        return [month.report for month in self.months if month.report is not None and month.report.is_late]

    def chart(self) -> dict[str, Any]:
        """The compliance chart: per product, the quota that applies and the stock by day; shortfalls."""
        return chart_data(
            [day.day for day in self.days],
            [(line.quota.product.name, line.days) for line in self.lines],
            [day.short for day in self.days],
        )


def chart_data(
    days: list[dt.date], lines: list[tuple[str, list[Day]]], short: list[Decimal]
) -> dict[str, Any]:
    return {
        "days": [day.isoformat() for day in days],
        "lines": [
            {
                "name": name,
                "quota": [float(day.quota) for day in series],
                "stock": [float(day.stock) for day in series],
            }
            for name, series in lines
        ],
        "short": [float(tonnes) for tonnes in short],
    }


def applying_quota(quota: ReserveQuota, releases: list[ReserveRelease], day: dt.date) -> tuple[Decimal, bool]:
    lowered = sum(
        (
            r.quantity
            for r in releases
            if r.product_id == quota.product_id and r.released_on <= day <= r.refill_by
        ),
        ZERO,
    )
    return max(quota.quantity - lowered, ZERO), bool(lowered)


def compliance(holder: ReserveHolder, today: dt.date | None = None) -> HolderCompliance:
    plan = holder.plan
    result = HolderCompliance(holder=holder, plan=plan)
    until = checked_until(plan, today)
    if until is None:
        return result
    assert plan.period_start is not None
    days = _days(plan.period_start, until)
    releases = list(holder.releases.filter(cancelled_at__isnull=True).select_related("holder__plan"))
    minimum = plan.min_ratio_any_day / HUNDRED
    reports = {report.month: report for report in holder.reports.all()}
    today = today or clock.today()
    months: dict[dt.date, Month] = {}
    for month_start in plan.months:
        if month_start > until:
            break
        due = ReserveReport(month=month_start).due_on
        months[month_start] = Month(
            month=month_start,
            report=reports.get(month_start),
            needs_report=holder.reports_monthly and due < today,
        )
    totals: dict[dt.date, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    released_days: set[dt.date] = set()
    for quota in holder.quotas.select_related("product", "zone").order_by("product__code"):
        stock = reported_stock(quota, days) if holder.reports_monthly else ledger_stock(quota, days)
        line = QuotaLine(quota=quota, days=[])
        for day in days:
            applying, released = applying_quota(quota, releases, day)
            held = stock[day]
            short = max(applying * minimum - held, ZERO).quantize(TONNE, ROUND_HALF_UP)
            line.days.append(Day(day, applying, held, short, released))
            month = months[day.replace(day=1)]
            month.quota_days += applying
            month.stock_days += held
            counted = min(held, quota.quantity)
            month.paid_tonne_days += counted
            month.subsidy += _day_subsidy(plan, quota, counted, day)
            total = totals[day]
            total[0] += applying
            total[1] += held
            total[2] += short
            if released:
                released_days.add(day)
        result.lines.append(line)
    for day in days:
        applying, held, short = totals[day]
        result.days.append(Day(day, applying, held, short, day in released_days))
        month = months[day.replace(day=1)]
        month.days += 1
        if short > 0:
            month.short_days += 1
            month.short_tonnes = max(month.short_tonnes, short)
    for month in months.values():
        month.subsidy = month.subsidy.quantize(CENT, ROUND_HALF_UP)
        month.withheld = plan.withhold_on_failure and not result.month_passed(month)
    result.months = list(months.values())
    return result


def _day_subsidy(plan: ReservePlan, quota: ReserveQuota, tonnes: Decimal, day: dt.date) -> Decimal:
    if plan.subsidy_formula == ReservePlan.Formula.INTEREST:
        value = tonnes * (quota.unit_value or ZERO)
        return value * (plan.subsidy_interest_rate or ZERO) / HUNDRED / INTEREST_DAYS_A_YEAR
    return tonnes * (plan.subsidy_per_tonne_month or ZERO) / _days_in_month(day)


def plan_compliance(plan: ReservePlan, today: dt.date | None = None) -> list[HolderCompliance]:
    return [compliance(holder, today) for holder in plan.holders.select_related("plan").order_by("code")]


# -- entering reports and releases ----------------------------------------------------------------


@dataclass
class ReportLineSpec:
    product: Any
    day: dt.date
    received: Decimal
    issued: Decimal
    stock: Decimal
    note: str = ""


def check_lines(
    holder: ReserveHolder, lines: list[ReportLineSpec], month: dt.date | None = None
) -> list[str]:
    """Each line's stock must follow from the stock before it: previous + purchased − sold.

    The previous stock is the last stated one (earlier in the list, or stored before it); a
    product's first line ever states its opening stock and is taken as it is.
    """
    errors: list[str] = []
    quotas = {quota.product_id for quota in holder.quotas.all()}
    last: dict[int, tuple[dt.date, Decimal]] = {}
    for line in sorted(lines, key=lambda x: (x.product.pk, x.day)):
        label = f"{line.product} {line.day.isoformat()}"
        if line.product.pk not in quotas:
            errors.append(_("%(line)s: the holder has no quota of this product") % {"line": label})
            continue
        if month is not None and line.day.replace(day=1) != month:
            errors.append(_("%(line)s: the date is not in the report's month") % {"line": label})
            continue
        before = last.get(line.product.pk)
        if before is None:
            stored = (
                ReserveReportLine.objects.filter(
                    report__holder=holder, product=line.product, day__lt=line.day
                )
                .order_by("-day")
                .first()
            )
            before = (stored.day, stored.stock) if stored else None
        if before is not None:
            expected = before[1] + line.received - line.issued
            if expected != line.stock:
                errors.append(
                    _(
                        "%(line)s: stock %(stock)s t does not follow from %(before)s t on %(day)s "
                        "+ purchased %(received)s t − sold %(issued)s t = %(expected)s t"
                    )
                    % {
                        "line": label,
                        "stock": plain(line.stock),
                        "before": plain(before[1]),
                        "day": before[0].isoformat(),
                        "received": plain(line.received),
                        "issued": plain(line.issued),
                        "expected": plain(expected),
                    }
                )
        last[line.product.pk] = (line.day, line.stock)
    return errors


def record_report(
    user: Any,
    holder: ReserveHolder,
    month: dt.date,
    lines: list[ReportLineSpec],
    *,
    submitted_on: dt.date | None = None,
    note: str = "",
) -> ReserveReport:
    """Store a month's report: new lines are added, lines of the same product and day replaced.

    The submission date is the day the report first arrived; a correction keeps it.
    """
    month = month.replace(day=1)
    if not holder.reports_monthly:
        raise ValidationError(_("This holder's stock comes from the stock ledger; it submits no reports."))
    errors = check_lines(holder, lines, month)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report, _created = ReserveReport.objects.get_or_create(
            holder=holder,
            month=month,
            defaults={"submitted_on": submitted_on or clock.today(), "note": note, "created_by": user},
        )
        for line in lines:
            ReserveReportLine.objects.update_or_create(
                report=report,
                product=line.product,
                day=line.day,
                defaults={
                    "received": line.received,
                    "issued": line.issued,
                    "stock": line.stock,
                    "note": line.note,
                },
            )
    return report


def cancel_release(user: Any, release: ReserveRelease, reason: str) -> ReserveRelease:
    if release.cancelled_at is not None:
        raise ValidationError(_("This release order is already cancelled."))
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("this field is required")})
    release.cancelled_at = clock.now()
    release.cancel_reason = reason.strip()
    release.save(update_fields=["cancelled_at", "cancel_reason"])
    return release
