"""Monthly reserve reports from Excel: 承储企业编码, 产品, 日期, 购进(吨), 销出(吨), 当日结存(吨), 备注.

One row a day with movements, per holder and product. A row of the same holder, product and day
as a stored one replaces it (a corrected report). Each row's stock must follow from the stock
before it, as on the entry page; the first month a holder reports for is created with today as
its submission date, so a report imported after the 10th of the next month is flagged late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.commerce.models import Product
from gongxiao.core import clock, excel
from gongxiao.core.numbers import plain
from gongxiao.supply.models import ReserveHolder, ReserveReport, ReserveReportLine


def _tonnes(value: Any) -> Decimal:
    amount = excel.parse_decimal(value, 3)
    if amount < 0:
        raise excel.RowError(_("must not be negative"))
    return amount


@excel.register
class ReserveReportImporter(excel.Importer):
    name = "reserve-report-lines"
    label = gettext_lazy("Monthly reserve reports")
    model = ReserveReportLine
    permission = "supply.add_reservereport"
    key_fields = ("holder_id", "product_id", "day")
    compare_fields = ("received", "issued", "stock", "note")
    columns = [
        excel.Column(gettext_lazy("holder code"), "holder_code", required=True, repeats=True),
        excel.Column(
            gettext_lazy("product code or name"), "product_text", required=True, repeats=True, width=18
        ),
        excel.Column(gettext_lazy("date"), "day", required=True, parse=excel.parse_date, repeats=True),
        excel.Column(gettext_lazy("purchased (t)"), "received", parse=_tonnes),
        excel.Column(gettext_lazy("sold or issued (t)"), "issued", parse=_tonnes),
        excel.Column(
            gettext_lazy("stock after the day (t)"), "stock", required=True, parse=_tonnes, width=16
        ),
        excel.Column(gettext_lazy("note"), "note", width=24),
    ]

    def prepare(self) -> None:
        holders = ReserveHolder.objects.visible_to(self.user).select_related("plan__organization")
        self.holders = {
            holder.code: holder for holder in holders if self.user.can_manage(holder.plan.organization)
        }
        self.quotas: dict[int, dict[str, Product]] = {}
        for holder in self.holders.values():
            products: dict[str, Product] = {}
            for quota in holder.quotas.select_related("product"):
                products[quota.product.code] = quota.product
                products[quota.product.name] = quota.product
            self.quotas[holder.pk] = products
        self.last: dict[tuple[int, int], tuple[dt.date, Decimal]] = {}

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        holder = self.holders.get(values.pop("holder_code"))
        if holder is None:
            raise excel.RowError(
                _("no reserve holder with this code that you may report for"), _("holder code")
            )
        if not holder.reports_monthly:
            raise excel.RowError(_("this holder's stock comes from the stock ledger"), _("holder code"))
        text = values.pop("product_text")
        product = self.quotas[holder.pk].get(text)
        if product is None:
            raise excel.RowError(
                _("“%(text)s” is not a product of this holder's quotas") % {"text": text},
                _("product code or name"),
            )
        day = values["day"]
        plan = holder.plan
        if plan.period_start is None or not (plan.period_start <= day <= plan.period_end):  # type: ignore[operator]
            raise excel.RowError(_("outside the reserve period"), _("date"))
        received = values.get("received") or Decimal(0)
        issued = values.get("issued") or Decimal(0)
        key = (holder.pk, product.pk)
        before = self.last.get(key)
        if before is not None and before[0] >= day:
            raise excel.RowError(_("rows of one product must be in date order"), _("date"))
        if before is None:
            stored = (
                ReserveReportLine.objects.filter(report__holder=holder, product=product, day__lt=day)
                .order_by("-day")
                .first()
            )
            before = (stored.day, stored.stock) if stored else None
        if before is not None and before[1] + received - issued != values["stock"]:
            raise excel.RowError(
                _("does not follow from %(before)s t on %(day)s + purchased − sold = %(expected)s t")
                % {
                    "before": plain(before[1]),
                    "day": before[0].isoformat(),
                    "expected": plain(before[1] + received - issued),
                },
                _("stock after the day (t)"),
            )
        self.last[key] = (day, values["stock"])
        return {
            "holder_id": holder.pk,
            "product_id": product.pk,
            "day": day,
            "received": received,
            "issued": issued,
            "stock": values["stock"],
            "note": values.get("note", ""),
        }

    def existing(self, keys: list[tuple[Any, ...]]) -> Mapping[tuple[Any, ...], Any]:
        query = Q(pk__in=[])
        for holder_id, product_id, day in keys:
            query |= Q(report__holder_id=holder_id, product_id=product_id, day=day)
        lines = ReserveReportLine.objects.filter(query).select_related("report__holder__plan__organization")
        return {(line.report.holder_id, line.product_id, line.day): line for line in lines}

    def create(self, rows: list[dict[str, Any]]) -> None:
        reports: dict[tuple[int, dt.date], ReserveReport] = {}
        for values in rows:
            month = values["day"].replace(day=1)
            key = (values["holder_id"], month)
            if key not in reports:
                reports[key] = ReserveReport.objects.get_or_create(
                    holder_id=values["holder_id"],
                    month=month,
                    defaults={"submitted_on": clock.today(), "created_by": self.user},
                )[0]
        ReserveReportLine.objects.bulk_create(
            [
                ReserveReportLine(
                    report=reports[(values["holder_id"], values["day"].replace(day=1))],
                    product_id=values["product_id"],
                    day=values["day"],
                    received=values["received"],
                    issued=values["issued"],
                    stock=values["stock"],
                    note=values["note"],
                )
                for values in rows
            ]
        )

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "holder_code": obj.report.holder.code,
            "product_text": obj.product.code,
            "day": obj.day,
            "received": obj.received,
            "issued": obj.issued,
            "stock": obj.stock,
            "note": obj.note,
        }
