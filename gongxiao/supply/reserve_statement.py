"""A holder's subsidy statement (储备补贴结算表) as .xlsx: one row a month, the total in capital numerals."""

from __future__ import annotations

from io import BytesIO

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from gongxiao.core import clock
from gongxiao.core.numbers import capital_amount, plain
from gongxiao.supply.models import ReservePlan
from gongxiao.supply.reserve import HolderCompliance

MONEY = "#,##0.00"
TONNES = "#,##0.000"


def statement_xlsx(result: HolderCompliance) -> bytes:
    with translation.override("zh-hans"):
        return _statement(result)


def _statement(result: HolderCompliance) -> bytes:
    plan, holder = result.plan, result.holder
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Subsidy statement")[:31]
    sheet.append([_("Reserve subsidy statement")])
    sheet["A1"].font = Font(bold=True, size=14)
    if plan.subsidy_formula == ReservePlan.Formula.INTEREST:
        formula = _("interest on the stock value at %(rate)s%% a year (a day is 1/360 of a year)") % {
            "rate": plain(plan.subsidy_interest_rate or 0)
        }
    else:
        formula = _("%(rate)s yuan per tonne per month (a day is 1/days of its month)") % {
            "rate": plain(plan.subsidy_per_tonne_month or 0)
        }
    facts = [
        (_("reserve plan"), plan.name),
        (_("reserve holder"), f"{holder.name}（{holder.code}）"),
        (_("consortium partners"), "、".join(p.name for p in holder.partners.all()) or "—"),
        (_("reserve period"), f"{plan.period_start} — {plan.period_end}"),
        (_("quota (t)"), plain(sum((q.quantity for q in holder.quotas.all()), 0))),
        (_("subsidy formula"), formula),
        (
            _("minimum ratios"),
            _("any day %(day)s%%, average %(average)s%%")
            % {"day": plain(plan.min_ratio_any_day), "average": plain(plan.min_ratio_average)},
        ),
        (_("made on"), clock.today().isoformat()),
    ]
    for label, value in facts:
        sheet.append([label, value])
    sheet.append([])
    headers = [
        _("month"),
        _("days"),
        _("average stock (t)"),
        _("tonne-days paid"),
        _("average ratio (%)"),
        _("short days"),
        _("largest shortfall (t)"),
        _("report"),
        _("subsidy (yuan)"),
        _("withheld"),
        _("payable (yuan)"),
    ]
    sheet.append(headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for month in result.months:
        if month.report is not None:
            report = _("late") if month.report.is_late else _("on time")
        elif month.report_missing:
            report = _("missing")
        else:
            report = "—"
        sheet.append(
            [
                f"{month.month:%Y-%m}",
                month.days,
                month.average_stock,
                month.paid_tonne_days,
                month.average_ratio,
                month.short_days,
                month.short_tonnes,
                report,
                month.subsidy,
                _("yes") if month.withheld else _("no"),
                month.payable,
            ]
        )
    total = [_("Total"), result.checked_days, None, None, result.average_ratio, result.short_days]
    sheet.append([*total, result.max_short, None, result.subsidy, None, result.payable])
    total_row = sheet.max_row
    for cell in sheet[total_row]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=header_row + 1, max_row=total_row):
        for index in (2, 3, 6):
            row[index].number_format = TONNES
        for index in (8, 10):
            row[index].number_format = MONEY
    sheet.append([_("payable in capital numerals"), capital_amount(result.payable)])
    widths = [14, 8, 14, 14, 12, 10, 14, 10, 14, 8, 14]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
