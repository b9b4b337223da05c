"""The reserve's API: plans, a holder's compliance and subsidy, monthly reports and release orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from gongxiao.commerce.models import Document, Product
from gongxiao.core.api import require_perm
from gongxiao.core.http import AuthedRequest
from gongxiao.supply import reserve
from gongxiao.supply.models import ReserveHolder, ReservePlan, ReserveRelease

router = Router(tags=["fertilizer reserve"])


class PlanOut(Schema):
    id: int
    year: int
    name: str
    kind: str
    total_quota: Decimal
    period_start: dt.date | None
    period_end: dt.date | None
    organization_id: int
    holders: list[dict[str, Any]]

    @staticmethod
    def resolve_holders(plan: ReservePlan) -> list[dict[str, Any]]:
        return [
            {
                "id": holder.pk,
                "code": holder.code,
                "name": holder.name,
                "reports_monthly": holder.reports_monthly,
            }
            for holder in plan.holders.order_by("code")
        ]


class MonthOut(Schema):
    month: dt.date
    days: int
    average_stock: Decimal
    average_ratio: Decimal | None
    short_days: int
    largest_shortfall: Decimal
    report_submitted_on: dt.date | None
    report_late: bool
    report_missing: bool
    subsidy: Decimal
    withheld: bool
    payable: Decimal


class ComplianceOut(Schema):
    holder_id: int
    checked_days: int
    short_days: int
    largest_shortfall: Decimal
    short_tonne_days: Decimal
    average_ratio: Decimal | None
    passed: bool
    subsidy: Decimal
    payable: Decimal
    months: list[MonthOut]
    days: list[dict[str, Any]]


class ReportLineIn(Schema):
    product_id: int
    day: dt.date
    received: Decimal = Field(default=Decimal(0), ge=0, decimal_places=3)
    issued: Decimal = Field(default=Decimal(0), ge=0, decimal_places=3)
    stock: Decimal = Field(ge=0, decimal_places=3)
    note: str = ""


class ReportIn(Schema):
    month: dt.date
    submitted_on: dt.date | None = None
    note: str = ""
    lines: list[ReportLineIn] = Field(min_length=1)


class ReportOut(Schema):
    id: int
    holder_id: int
    month: dt.date
    submitted_on: dt.date
    due_on: dt.date
    is_late: bool


class ReleaseIn(Schema):
    product_id: int
    quantity: Decimal = Field(gt=0, decimal_places=3)
    order_number: str = Field(min_length=1, max_length=40)
    approved_by: str = Field(min_length=1, max_length=100)
    approved_on: dt.date
    released_on: dt.date
    destinations: str = Field(min_length=1, max_length=200)
    refill_working_days: int | None = Field(default=None, ge=0)
    document_id: int | None = Field(
        default=None, description="the transfer out of the reserve zone (a holder inside the system)"
    )


class ReleaseOut(Schema):
    id: int
    holder_id: int
    product_id: int
    quantity: Decimal
    order_number: str
    released_on: dt.date
    refill_by: dt.date
    document_id: int | None
    document_number: str | None


def _holder(request: AuthedRequest, holder_id: int, permission: str) -> ReserveHolder:
    require_perm(request, permission)
    holder = get_object_or_404(
        ReserveHolder.objects.visible_to(request.user).select_related("plan__organization"), pk=holder_id
    )
    if permission != "supply.view_reserveplan" and not request.user.can_manage(holder.plan.organization):
        raise HttpError(403, _("You do not have permission to do this."))
    return holder


@router.get("/reserve/plans", response=list[PlanOut])
def list_plans(request: AuthedRequest, year: int | None = None) -> Any:
    require_perm(request, "supply.view_reserveplan")
    plans = ReservePlan.objects.visible_to(request.user).order_by("-year", "name")
    return plans.filter(year=year) if year else plans


@router.get("/reserve/holders/{holder_id}/compliance", response=ComplianceOut)
def holder_compliance(request: AuthedRequest, holder_id: int) -> Any:
    holder = _holder(request, holder_id, "supply.view_reserveplan")
    result = reserve.compliance(holder)
    return {
        "holder_id": holder.pk,
        "checked_days": result.checked_days,
        "short_days": result.short_days,
        "largest_shortfall": result.max_short,
        "short_tonne_days": result.short_tonne_days,
        "average_ratio": result.average_ratio,
        "passed": result.passed,
        "subsidy": result.subsidy,
        "payable": result.payable,
        "months": [
            {
                "month": m.month,
                "days": m.days,
                "average_stock": m.average_stock,
                "average_ratio": m.average_ratio,
                "short_days": m.short_days,
                "largest_shortfall": m.short_tonnes,
                "report_submitted_on": m.report.submitted_on if m.report else None,
                "report_late": bool(m.report and m.report.is_late),
                "report_missing": m.report_missing,
                "subsidy": m.subsidy,
                "withheld": m.withheld,
                "payable": m.payable,
            }
            for m in result.months
        ],
        "days": [
            {"day": d.day, "quota": d.quota, "stock": d.stock, "short": d.short, "released": d.released}
            for d in result.days
        ],
    }


def _refused(exc: ValidationError, model: Any = None) -> HttpError:
    """One Chinese sentence naming each refused field by its label."""
    if model is not None and hasattr(exc, "error_dict"):
        parts = []
        for name, messages in exc.message_dict.items():
            label = model._meta.get_field(name).verbose_name if name != "__all__" else ""
            parts += [f"“{label}”：{message}" if label else message for message in messages]
        return HttpError(422, "；".join(parts))
    return HttpError(422, "；".join(exc.messages))


@router.post("/reserve/holders/{holder_id}/reports", response={201: ReportOut})
def submit_report(request: AuthedRequest, holder_id: int, payload: ReportIn) -> Any:
    holder = _holder(request, holder_id, "supply.add_reservereport")
    products = {p.pk: p for p in Product.objects.filter(pk__in=holder.quotas.values("product"))}
    lines = []
    for number, line in enumerate(payload.lines, start=1):
        product = products.get(line.product_id)
        if product is None:
            raise HttpError(
                422,
                _("Line %(line)s: product %(id)s is not one of the holder's quotas")
                % {"line": number, "id": line.product_id},
            )
        lines.append(
            reserve.ReportLineSpec(product, line.day, line.received, line.issued, line.stock, line.note)
        )
    try:
        report = reserve.record_report(
            request.user, holder, payload.month, lines, submitted_on=payload.submitted_on, note=payload.note
        )
    except ValidationError as exc:
        raise _refused(exc) from None
    return Status(
        201,
        {
            "id": report.pk,
            "holder_id": holder.pk,
            "month": report.month,
            "submitted_on": report.submitted_on,
            "due_on": report.due_on,
            "is_late": report.is_late,
        },
    )


@router.post("/reserve/holders/{holder_id}/releases", response={201: ReleaseOut})
def create_release(request: AuthedRequest, holder_id: int, payload: ReleaseIn) -> Any:
    holder = _holder(request, holder_id, "supply.add_reserverelease")
    if payload.document_id is not None and not (
        Document.objects.visible_to(request.user).filter(pk=payload.document_id).exists()
    ):
        raise HttpError(
            422,
            _("“%(field)s”: %(id)s does not exist or is not visible to you")
            % {"field": _("transfer"), "id": payload.document_id},
        )
    release = ReserveRelease(holder=holder, created_by=request.user, **payload.dict())
    try:
        release.full_clean()
    except ValidationError as exc:
        raise _refused(exc, ReserveRelease) from None
    release.save()
    return Status(
        201,
        {
            "id": release.pk,
            "holder_id": holder.pk,
            "product_id": release.product_id,
            "quantity": release.quantity,
            "order_number": release.order_number,
            "released_on": release.released_on,
            "refill_by": release.refill_by,
            "document_id": release.document_id,
            "document_number": release.document.number if release.document else None,
        },
    )
