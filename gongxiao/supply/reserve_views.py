"""Pages of the fertilizer emergency reserve: plans, holders, reports, releases, inspections, statements."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.core.editing import edit_object
from gongxiao.core.files import serve_private_file
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, choice_column, field_column, xlsx_response
from gongxiao.core.numbers import plain
from gongxiao.core.scope import get_visible_or_404
from gongxiao.supply import reserve
from gongxiao.supply.models import (
    ReserveHolder,
    ReserveInspection,
    ReservePlan,
    ReserveQuota,
    ReserveRelease,
    ReserveReport,
)
from gongxiao.supply.reserve_forms import (
    CancelForm,
    PartnerFormSet,
    ReportForm,
    ReportLineFormSet,
    ReserveHolderForm,
    ReserveInspectionForm,
    ReservePlanForm,
    ReserveQuotaForm,
    ReserveReleaseForm,
)
from gongxiao.supply.reserve_statement import statement_xlsx

VIEW = "supply.view_reserveplan"


class ReservePlanList(ListPage):
    title = gettext_lazy("Fertilizer reserve")
    permission = VIEW
    default_sort = "-year"
    search_placeholder = gettext_lazy("Plan name")
    empty_text = gettext_lazy("No reserve plans yet.")
    create_url = "supply:reserve_plan_new"
    create_permission = "supply.add_reserveplan"
    columns = [
        field_column("year", gettext_lazy("plan year"), kind="int", width=8),
        field_column("name", gettext_lazy("plan name"), link=True, width=30),
        choice_column("kind", gettext_lazy("reserve type")),
        field_column("total_quota", gettext_lazy("total quota (t)"), kind="decimal"),
        field_column("period_start", gettext_lazy("reserve period starts"), kind="date"),
        ListColumn(gettext_lazy("reserve period ends"), lambda plan: plan.period_end, kind="date"),
        field_column("organization__name", gettext_lazy("organization"), sort="organization__path"),
    ]

    def queryset(self) -> QuerySet:
        return ReservePlan.objects.visible_to(self.request.user).select_related("organization")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(name__icontains=text)

    def detail_url(self, obj: Any) -> str:
        return obj.get_absolute_url()


def _plan(request: AuthedRequest, pk: int) -> ReservePlan:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    return get_visible_or_404(ReservePlan.objects.select_related("organization"), request.user, pk=pk)


def _holder(request: AuthedRequest, pk: int, permission: str = VIEW) -> ReserveHolder:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    holder = get_visible_or_404(
        ReserveHolder.objects.select_related("plan__organization"), request.user, pk=pk
    )
    if permission != VIEW and not request.user.can_manage(holder.plan.organization):
        raise PermissionDenied
    return holder


def _crumbs(plan: ReservePlan | None = None, holder: ReserveHolder | None = None) -> list[tuple[Any, str]]:
    crumbs: list[tuple[Any, str]] = [(_("Fertilizer reserve"), reverse("supply:reserve_plans"))]
    if plan is not None:
        crumbs.append((plan.name, plan.get_absolute_url()))
    if holder is not None:
        crumbs.append((holder.name, holder.get_absolute_url()))
    return crumbs


@login_required
def plan_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    plan = _plan(request, pk) if pk else None
    return edit_object(
        request,
        ReservePlanForm,
        instance=plan,
        permission="supply.change_reserveplan" if plan else "supply.add_reserveplan",
        title=_("Edit reserve plan") if plan else _("New reserve plan"),
        breadcrumbs=_crumbs(plan),
        success=lambda obj: obj.get_absolute_url(),
    )


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    holders = reserve.plan_compliance(plan)
    quota = sum((q.quantity for q in ReserveQuota.objects.filter(holder__plan=plan)), reserve.ZERO)
    chart = _sum_chart(holders)
    return render(
        request,
        "supply/reserve/plan_detail.html",
        {
            "plan": plan,
            "holders": holders,
            "assigned": quota,
            "chart": chart,
            "checked_until": reserve.checked_until(plan),
            "releases": ReserveRelease.objects.filter(holder__plan=plan).select_related("holder", "product"),
            "can_edit": request.user.has_perm("supply.change_reserveplan")
            and request.user.can_manage(plan.organization),
            "title": plan.name,
        },
    )


def _sum_chart(holders: list[reserve.HolderCompliance]) -> dict[str, Any]:
    """The plan's chart: one pair of lines per holder (all its products together)."""
    if not holders or not holders[0].days:
        return reserve.chart_data([], [], [])
    days = [day.day for day in holders[0].days]
    short = [sum((h.days[i].short for h in holders), reserve.ZERO) for i in range(len(days))]
    return reserve.chart_data(days, [(h.holder.name, h.days) for h in holders], short)


@login_required
def holder_edit(request: AuthedRequest, plan_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    if pk:
        holder = _holder(request, pk, "supply.change_reserveholder")
        plan = holder.plan
    else:
        if not request.user.has_perm("supply.add_reserveholder"):
            raise PermissionDenied
        plan = _plan(request, plan_pk)  # type: ignore[arg-type]
        if not request.user.can_manage(plan.organization):
            raise PermissionDenied
        holder = ReserveHolder(plan=plan)
    form = ReserveHolderForm(request.POST or None, request.FILES or None, instance=holder, user=request.user)
    partners = PartnerFormSet(request.POST or None, instance=holder, prefix="partners")
    if request.method == "POST" and form.is_valid() and partners.is_valid():
        with transaction.atomic():
            holder = form.save()
            partners.instance = holder
            partners.save()
        messages.success(request, _("Saved “%(name)s”.") % {"name": holder})
        return redirect(holder.get_absolute_url())
    return render(
        request,
        "supply/reserve/holder_form.html",
        {
            "form": form,
            "partners": partners,
            "title": _("Edit reserve holder") if holder.pk else _("New reserve holder"),
            "breadcrumbs": _crumbs(plan, holder if holder.pk else None),
        },
    )


@login_required
def holder_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    holder = _holder(request, pk)
    result = reserve.compliance(holder)
    user = request.user
    may_write = user.can_manage(holder.plan.organization)
    return render(
        request,
        "supply/reserve/holder_detail.html",
        {
            "holder": holder,
            "plan": holder.plan,
            "result": result,
            "chart": result.chart(),
            "quotas": holder.quotas.select_related("product", "zone"),
            "partners": holder.partners.all(),
            "reports": holder.reports.order_by("month"),
            "releases": holder.releases.select_related("product", "document"),
            "unordered_transfers": [] if holder.reports_monthly else list(holder.unordered_transfers()),
            "inspections": holder.inspections.all(),
            "may": {
                "edit": may_write and user.has_perm("supply.change_reserveholder"),
                "quota": may_write and user.has_perm("supply.add_reservequota"),
                "report": may_write and user.has_perm("supply.add_reservereport") and holder.reports_monthly,
                "release": may_write and user.has_perm("supply.add_reserverelease"),
                "inspect": may_write and user.has_perm("supply.add_reserveinspection"),
            },
            "title": holder.name,
        },
    )


@login_required
def quota_edit(request: AuthedRequest, holder_pk: int, pk: int | None = None) -> HttpResponse:
    holder = _holder(request, holder_pk)
    quota = holder.quotas.filter(pk=pk).first() if pk else ReserveQuota(holder=holder)
    if quota is None:
        raise Http404
    return edit_object(
        request,
        ReserveQuotaForm,
        instance=quota,
        permission="supply.change_reservequota" if pk else "supply.add_reservequota",
        title=_("Reserve quota"),
        breadcrumbs=_crumbs(holder.plan, holder),
        success=lambda obj: holder.get_absolute_url(),
    )


@login_required
def release_new(request: AuthedRequest, holder_pk: int) -> HttpResponse:
    holder = _holder(request, holder_pk, "supply.add_reserverelease")
    return edit_object(
        request,
        ReserveReleaseForm,
        instance=ReserveRelease(holder=holder, created_by=request.user),
        permission="supply.add_reserverelease",
        title=_("New release order"),
        breadcrumbs=_crumbs(holder.plan, holder),
        success=lambda obj: holder.get_absolute_url(),
    )


@login_required
@require_POST
def release_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("supply.change_reserverelease"):
        raise PermissionDenied
    release = get_visible_or_404(ReserveRelease.objects.select_related("holder__plan"), request.user, pk=pk)
    if not request.user.can_manage(release.holder.plan.organization):
        raise PermissionDenied
    form = CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the reason for cancelling."))
        reserve.cancel_release(request.user, release, form.cleaned_data["reason"])
        messages.success(request, _("Release order %(number)s cancelled.") % {"number": release.order_number})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(release.holder.get_absolute_url())


@login_required
def inspection_new(request: AuthedRequest, holder_pk: int) -> HttpResponse:
    holder = _holder(request, holder_pk, "supply.add_reserveinspection")
    inspection = ReserveInspection(holder=holder, created_by=request.user)
    form = ReserveInspectionForm(
        request.POST or None, request.FILES or None, instance=inspection, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved “%(name)s”.") % {"name": inspection})
        return redirect(holder.get_absolute_url())
    return render(
        request,
        "core/form.html",
        {"form": form, "title": _("New inspection"), "breadcrumbs": _crumbs(holder.plan, holder)},
    )


@login_required
def inspection_photo(request: AuthedRequest, pk: int) -> FileResponse:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    inspection = get_visible_or_404(ReserveInspection.objects.all(), request.user, pk=pk)
    return serve_private_file(inspection.photo)


@login_required
def tender_document(request: AuthedRequest, pk: int) -> FileResponse:
    holder = _holder(request, pk)
    if not holder.tender_document:
        raise Http404
    return FileResponse(
        holder.tender_document.open("rb"),
        as_attachment=True,
        filename=(holder.tender_document.name or "").rsplit("/", 1)[-1],
    )


@login_required
def report_entry(request: AuthedRequest, holder_pk: int) -> HttpResponse:
    holder = _holder(request, holder_pk, "supply.add_reservereport")
    if not holder.reports_monthly:
        raise Http404
    form = ReportForm(request.POST or None, holder=holder)
    lines = ReportLineFormSet(request.POST or None, prefix="lines", form_kwargs={"holder": holder})
    errors: list[str] = []
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        specs = [
            reserve.ReportLineSpec(
                product=data["product"],
                day=data["day"],
                received=data["received"] or reserve.ZERO,
                issued=data["issued"] or reserve.ZERO,
                stock=data["stock"],
                note=data.get("note", ""),
            )
            for data in lines.cleaned_data
            if data
        ]
        if not specs:
            errors.append(_("Enter at least one line."))
        else:
            try:
                report = reserve.record_report(
                    request.user,
                    holder,
                    form.cleaned_data["month"],
                    specs,
                    submitted_on=form.cleaned_data["submitted_on"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                if report.is_late:
                    messages.warning(
                        request,
                        _("The report of %(month)s arrived after its due date %(due)s.")
                        % {"month": f"{report.month:%Y-%m}", "due": report.due_on.isoformat()},
                    )
                messages.success(request, _("Saved “%(name)s”.") % {"name": report})
                return redirect(holder.get_absolute_url())
    return render(
        request,
        "supply/reserve/report_form.html",
        {
            "form": form,
            "lines": lines,
            "errors": errors,
            "holder": holder,
            "title": _("Monthly report"),
            "breadcrumbs": _crumbs(holder.plan, holder),
        },
    )


@login_required
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    report = get_visible_or_404(ReserveReport.objects.select_related("holder__plan"), request.user, pk=pk)
    return render(
        request,
        "supply/reserve/report_detail.html",
        {
            "report": report,
            "lines": report.lines.select_related("product"),
            "title": str(report),
            "breadcrumbs": _crumbs(report.holder.plan, report.holder),
        },
    )


@login_required
def statement(request: AuthedRequest, pk: int) -> HttpResponse:
    holder = _holder(request, pk)
    result = reserve.compliance(holder)
    content = statement_xlsx(result)
    return xlsx_response(content, _("Reserve subsidy statement %(holder)s.xlsx") % {"holder": holder.name})


def short_sentence(result: reserve.HolderCompliance) -> str:
    if not result.short_days:
        return _("No shortfall.")
    return _("%(days)s days short, at most %(tonnes)s t") % {
        "days": result.short_days,
        "tonnes": plain(result.max_short),
    }
