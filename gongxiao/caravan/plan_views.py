"""Pages of the route planner: new run, progress with cancel, result with the routes plotted, run sheet, accept."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.caravan import planner, planning
from gongxiao.caravan.forms import PlanForm
from gongxiao.caravan.models import PlanningRun, Trip
from gongxiao.caravan.views import STATS
from gongxiao.core.excel import ExportColumn, write_xlsx
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListPage, choice_column, field_column, xlsx_response
from gongxiao.core.scope import get_visible_or_404

PLANS = (gettext_lazy("Route plans"), "caravan:plans")


class PlanList(ListPage):
    title = gettext_lazy("Route plans")
    permission = "caravan.view_planningrun"
    create_permission = "caravan.add_planningrun"
    create_url = "caravan:plan_create"
    default_sort = "-id"
    search_placeholder = gettext_lazy("Name")
    breadcrumbs = [STATS]
    empty_text = gettext_lazy("No route plans yet: plan a day or a week for the trucks.")
    columns = [
        field_column("created_at", gettext_lazy("created at"), kind="date"),
        field_column("name", gettext_lazy("name"), link=True, width=24),
        field_column("start_date", gettext_lazy("first day"), kind="date"),
        field_column("days", gettext_lazy("days"), kind="int"),
        choice_column("status", gettext_lazy("status")),
        field_column("created_by__username", gettext_lazy("created by"), sort="created_by__username"),
    ]

    template = "caravan/plan_list.html"

    def queryset(self) -> QuerySet:
        planning.fail_interrupted()
        return PlanningRun.objects.visible_to(self.request.user).select_related("created_by")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(name__icontains=text)


@login_required
def plan_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("caravan.add_planningrun"):
        raise PermissionDenied
    form = PlanForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            run = planning.start_planned(user, form.cleaned_data)
        except planner.InvalidProblem as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect("caravan:plan", pk=run.pk)
    return render(
        request, "core/form.html", {"form": form, "title": _("New route plan"), "breadcrumbs": [STATS, PLANS]}
    )


def _run(request: AuthedRequest, pk: int) -> PlanningRun:
    if not request.user.has_perm("caravan.view_planningrun"):
        raise PermissionDenied
    planning.fail_interrupted()
    return get_visible_or_404(PlanningRun.objects.select_related("created_by"), request.user, pk=pk)


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    plan = planning.plan_of(run)
    user = request.user
    context: dict[str, Any] = {
        "run": run,
        "title": run.name,
        "breadcrumbs": [STATS, PLANS],
        "plan": plan,
        "can_cancel": run.is_running
        and user.has_perm("caravan.add_planningrun")
        and user.can_manage(run.organization),
        "can_run_again": not run.is_running
        and run.status != PlanningRun.Status.ACCEPTED
        and user.has_perm("caravan.add_planningrun")
        and user.can_manage(run.organization),
        "can_accept": plan is not None
        and plan.feasible
        and run.status in (PlanningRun.Status.DONE, PlanningRun.Status.CANCELLED)
        and user.has_perm("caravan.add_trip")
        and user.can_manage(run.organization),
        "trips": Trip.objects.visible_to(user)
        .filter(plan=run)
        .select_related("vehicle")
        .order_by("date", "vehicle__plate"),
    }
    if plan is not None:
        labels = {v["code"]: v["label"] for v in run.inputs["vehicles"]}
        context["routes"] = [
            {
                "route": route,
                "label": labels.get(route.vehicle, route.vehicle),
                "departure": planner.clock(route.departure),
                "back": planner.clock(route.back),
                "visits": [
                    (v, planner.clock(v.arrival), planner.clock(v.start), planner.clock(v.departure))
                    for v in route.visits
                ],
                "load_percent": round(100 * route.max_load_kg / route.capacity_kg)
                if route.capacity_kg
                else 0,
            }
            for route in plan.routes
        ]
        context["chart_json"] = json.dumps(planning.chart_data(run, plan))
    if request.headers.get("HX-Request"):
        if not run.is_running:  # solved: the whole page, with its plot
            return HttpResponse(headers={"HX-Refresh": "true"})
        return render(request, "caravan/_plan_status.html", context)
    return render(request, "caravan/plan_detail.html", context)


@login_required
@require_POST
def plan_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if not request.user.has_perm("caravan.add_planningrun") or not request.user.can_manage(run.organization):
        raise PermissionDenied
    PlanningRun.objects.filter(
        pk=run.pk, status__in=[PlanningRun.Status.WAITING, PlanningRun.Status.RUNNING]
    ).update(cancel_requested=True)
    messages.info(request, _("Cancelling: the best plan found so far is kept."))
    return redirect("caravan:plan", pk=run.pk)


@login_required
@require_POST
def plan_run_again(request: AuthedRequest, pk: int) -> HttpResponse:
    """A new run with a copy of this run's inputs: after an interruption, or to search longer."""
    run = _run(request, pk)
    if not request.user.has_perm("caravan.add_planningrun") or not request.user.can_manage(run.organization):
        raise PermissionDenied
    try:
        again = planning.run_again(request.user, run)
    except (planner.InvalidProblem, ValidationError) as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("caravan:plan", pk=run.pk)
    return redirect("caravan:plan", pk=again.pk)


@login_required
@require_POST
def plan_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if not request.user.has_perm("caravan.add_trip") or not request.user.can_manage(run.organization):
        raise PermissionDenied
    try:
        trips = planning.accept(request.user, run)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("%(count)s trips scheduled from the plan.") % {"count": len(trips)})
    return redirect("caravan:plan", pk=run.pk)


@login_required
def plan_sheet(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    plan = planning.plan_of(run)
    if plan is None:
        return redirect("caravan:plan", pk=run.pk)
    rows = planning.visit_rows(plan)
    if request.GET.get("format") == "xlsx":
        columns = [
            ExportColumn(_("vehicle"), lambda r: r["vehicle"], "text", 12),
            ExportColumn(_("date"), lambda r: r["day"], "date", 12),
            ExportColumn(_("order"), lambda r: r["position"], "int", 6),
            ExportColumn(_("stop"), lambda r: r["name"], "text", 20),
            ExportColumn(_("division code"), lambda r: r["code"], "text", 14),
            ExportColumn(_("arrival"), lambda r: r["arrival"], "text", 8),
            ExportColumn(_("service starts"), lambda r: r["start"], "text", 8),
            ExportColumn(_("departure"), lambda r: r["departure"], "text", 8),
            ExportColumn(_("km from the previous stop"), lambda r: r["km"], "decimal", 10),
            ExportColumn(_("delivered (kg)"), lambda r: r["delivery"], "int", 10),
            ExportColumn(_("collected (kg)"), lambda r: r["pickup"], "int", 10),
            ExportColumn(_("load on leaving (kg)"), lambda r: r["load"], "int", 12),
        ]
        return xlsx_response(write_xlsx(columns, rows, str(_("Run sheet"))), f"{run.name}.xlsx")
    labels = {v["code"]: v["label"] for v in run.inputs["vehicles"]}
    routes = [
        {
            "route": route,
            "label": labels.get(route.vehicle, route.vehicle),
            "departure": planner.clock(route.departure),
            "back": planner.clock(route.back),
            "rows": [r for r in rows if r["route"] == number],
        }
        for number, route in enumerate(plan.routes, start=1)
    ]
    return render(request, "caravan/plan_sheet.html", {"run": run, "plan": plan, "routes": routes})
