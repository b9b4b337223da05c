"""Pages of the caravan trucks: statistics, vehicles, routes, trips with their run sheets, pre-orders,
produce purchases and the farmer's receipt.

Lists and details go through the data scope (`visible_to`): a crew member sees only their own
vehicles' trips; another organization's rows answer 404. Writes need the permission and an
organization the user manages.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.caravan import actions, stats
from gongxiao.caravan.forms import (
    PreOrderForm,
    RouteForm,
    RouteStopFormSet,
    ScheduleForm,
    TripForm,
    VehicleForm,
)
from gongxiao.caravan.models import (
    InputDelivery,
    PreOrder,
    ProducePurchase,
    Route,
    ServiceRecord,
    StopSale,
    SyncEntry,
    Trip,
    TripStop,
    Vehicle,
    VehicleKind,
)
from gongxiao.commerce.models import Document, StockBalance
from gongxiao.core import clock
from gongxiao.core.editing import edit_object
from gongxiao.core.excel import ExportColumn, write_xlsx
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, choice_column, field_column, xlsx_response
from gongxiao.core.models import Region
from gongxiao.core.numbers import capital_amount
from gongxiao.core.scope import get_visible_or_404

STATS = (gettext_lazy("Caravan trucks"), "caravan:stats")
VEHICLES = (gettext_lazy("Vehicles"), "caravan:vehicles")
ROUTES = (gettext_lazy("Routes"), "caravan:routes")
TRIPS = (gettext_lazy("Trips"), "caravan:trips")
PREORDERS = (gettext_lazy("Pre-orders"), "caravan:preorders")
PURCHASES = (gettext_lazy("Produce bought"), "caravan:purchases")


def _need(request: AuthedRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _town_names() -> dict[str, str]:
    return dict(Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name"))


# ---------------------------------------------------------------- statistics


def _period(request: AuthedRequest) -> tuple[dt.date, dt.date, str]:
    """The period of the statistics page: ?year=2022, ?month=2022-03 or ?start=…&end=…; default the latest year with trips."""
    params = request.GET
    try:
        if params.get("start") and params.get("end"):
            start = dt.date.fromisoformat(params["start"])
            end = dt.date.fromisoformat(params["end"])
            if end >= start:
                return start, end, "range"
        if params.get("month"):
            first = dt.datetime.strptime(params["month"], "%Y-%m").date()
            following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return first, following - dt.timedelta(days=1), "month"
        if params.get("year"):
            year = int(params["year"])
            return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    except ValueError:
        pass
    latest = (
        Trip.objects.visible_to(request.user)
        .filter(status__in=stats.RUN)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    year = latest.year if latest else clock.today().year
    return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"


def _previous(start: dt.date, end: dt.date, mode: str) -> tuple[dt.date, dt.date]:
    if mode == "year":
        return start.replace(year=start.year - 1), end.replace(year=end.year - 1)
    if mode == "month":
        last = start - dt.timedelta(days=1)
        return last.replace(day=1), last
    length = end - start
    return start - length - dt.timedelta(days=1), start - dt.timedelta(days=1)


HEADLINES = [
    ("trips", gettext_lazy("Trips"), ""),
    ("mileage_km", gettext_lazy("Service mileage"), gettext_lazy("km")),
    ("villages", gettext_lazy("Villages served"), ""),
    ("people", gettext_lazy("People served"), gettext_lazy("person-visits")),
    ("sales_orders", gettext_lazy("Sales orders"), ""),
    ("sales_amount", gettext_lazy("Sales"), gettext_lazy("yuan")),
    ("produce_jin", gettext_lazy("Produce bought"), gettext_lazy("jin")),
    ("produce_yuan", gettext_lazy("Paid to farmers"), gettext_lazy("yuan")),
    ("inputs_t", gettext_lazy("Inputs delivered"), gettext_lazy("tonnes")),
    ("advice_sessions", gettext_lazy("Agronomy advice sessions"), ""),
]

COLUMNS = [
    ("vehicles", gettext_lazy("Vehicles running"), "int"),
    ("trips", gettext_lazy("Trips"), "int"),
    ("mileage_km", gettext_lazy("Mileage (km)"), "decimal"),
    ("towns", gettext_lazy("Towns"), "int"),
    ("villages", gettext_lazy("Villages"), "int"),
    ("people", gettext_lazy("People served"), "int"),
    ("sales_orders", gettext_lazy("Sales orders"), "int"),
    ("sales_amount", gettext_lazy("Sales (yuan)"), "money"),
    ("produce_jin", gettext_lazy("Produce bought (jin)"), "decimal"),
    ("produce_yuan", gettext_lazy("Produce bought (yuan)"), "money"),
    ("households_paid", gettext_lazy("Households paid"), "int"),
    ("inputs_t", gettext_lazy("Inputs delivered (t)"), "decimal"),
    ("advice_sessions", gettext_lazy("Advice sessions"), "int"),
    ("finance_services", gettext_lazy("Finance services"), "int"),
    ("gifts", gettext_lazy("Gifts given"), "int"),
    ("gift_households", gettext_lazy("Households given gifts"), "int"),
]


@login_required
def statistics_page(request: AuthedRequest) -> HttpResponse:
    _need(request, "caravan.view_trip")
    start, end, mode = _period(request)
    current = stats.statistics(request.user, start, end)
    previous_start, previous_end = _previous(start, end, mode)
    previous = stats.statistics(request.user, previous_start, previous_end)
    period = f"start={start.isoformat()}&end={end.isoformat()}"
    headlines = [
        {
            "key": key,
            "label": label,
            "unit": unit,
            "value": getattr(current.total, key),
            "change": stats.change(getattr(current.total, key), getattr(previous.total, key)),
        }
        for key, label, unit in HEADLINES
    ]
    rows = [
        (kind, label, [(getattr(figures, key), kind_of) for key, _l, kind_of in COLUMNS])
        for kind, label, figures in current.rows()
    ]
    total_row = [(getattr(current.total, key), kind_of) for key, _l, kind_of in COLUMNS]
    if request.GET.get("export") == "xlsx":
        return _statistics_xlsx(current, start, end)
    labels = dict(VehicleKind.choices)
    chart = {
        "months": current.months,
        "kinds": [{"key": kind, "name": str(labels[kind])} for kind in VehicleKind.values],
        "series": current.monthly,
        "names": {
            "trips": str(_("Trips")),
            "mileage_km": str(_("Mileage (km)")),
            "sales_amount": str(_("Sales (yuan)")),
            "produce_jin": str(_("Produce bought (jin)")),
        },
    }
    return render(
        request,
        "caravan/statistics.html",
        {
            "title": _("Caravan trucks"),
            "start": start,
            "end": end,
            "mode": mode,
            "year": start.year,
            "previous_start": previous_start,
            "previous_end": previous_end,
            "headlines": headlines,
            "columns": COLUMNS,
            "rows": rows,
            "total_row": total_row,
            "paragraph": stats.report_paragraph(request.user, current),
            "chart": chart,
            "chart_json": json.dumps(chart),
            "period": period,
            "years": range(clock.today().year, clock.today().year - 6, -1),
        },
    )


def _statistics_xlsx(current: stats.Statistics, start: dt.date, end: dt.date) -> HttpResponse:
    rows = [(str(label), figures) for _kind, label, figures in current.rows()] + [
        (str(_("Total")), current.total)
    ]

    def figure(key: str) -> Any:
        return lambda row: getattr(row[1], key)

    columns = [ExportColumn(_("vehicle kind"), lambda row: row[0], "text", 24)] + [
        ExportColumn(label, figure(key), kind if kind in ("money", "decimal") else "int", 14)
        for key, label, kind in COLUMNS
    ]
    return xlsx_response(
        write_xlsx(columns, rows, str(_("Caravan trucks"))), f"caravan-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    )


# ---------------------------------------------------------------- vehicles


class VehicleFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("vehicle kind"), choices=VehicleKind.choices)
    status = django_filters.ChoiceFilter(label=gettext_lazy("status"), choices=Vehicle.Status.choices)


class VehicleList(ListPage):
    title = gettext_lazy("Vehicles")
    permission = "caravan.view_vehicle"
    create_permission = "caravan.add_vehicle"
    create_url = "caravan:vehicle_create"
    filterset_class = VehicleFilter
    default_sort = "plate"
    search_placeholder = gettext_lazy("Plate or name")
    breadcrumbs = [STATS]
    empty_text = gettext_lazy("No vehicles yet. Add the trucks with their home depot and crew.")
    columns = [
        ListColumn(gettext_lazy("licence plate"), lambda v: v.display_plate, sort="plate", link=True),
        field_column("name", gettext_lazy("vehicle name"), width=18),
        choice_column("kind", gettext_lazy("vehicle kind"), width=22),
        field_column("organization__name", gettext_lazy("operator"), sort="organization__path", width=22),
        field_column("depot__name", gettext_lazy("home depot"), sort="depot__code", width=22),
        field_column("capacity_kg", gettext_lazy("capacity (kg)"), kind="int"),
        ListColumn(
            gettext_lazy("crew"), lambda v: "、".join(u.display_name() for u in v.crew.all()), width=20
        ),
        choice_column("status", gettext_lazy("status")),
    ]

    def queryset(self) -> QuerySet:
        return (
            Vehicle.objects.visible_to(self.request.user)
            .select_related("organization", "depot")
            .prefetch_related("crew")
        )


@login_required
def vehicle_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _need(request, "caravan.view_vehicle")
    vehicle = get_visible_or_404(
        Vehicle.objects.select_related("organization", "depot", "location"), request.user, pk=pk
    )
    trips = Trip.objects.visible_to(request.user).filter(vehicle=vehicle).select_related("route")
    return render(
        request,
        "caravan/vehicle_detail.html",
        {
            "vehicle": vehicle,
            "title": str(vehicle),
            "breadcrumbs": [STATS, VEHICLES],
            "crew": vehicle.crew.all(),
            "routes": vehicle.routes.filter(is_active=True),
            "trips": trips.order_by("-date")[:20],
            "stock": StockBalance.objects.filter(location=vehicle.location)
            .exclude(quantity=0)
            .select_related("product")
            .order_by("product__code"),
            "can_edit": request.user.has_perm("caravan.change_vehicle")
            and request.user.can_manage(vehicle.organization),
            "history": vehicle.history.select_related("history_user")[:30],  # type: ignore[attr-defined]
        },
    )


@login_required
def vehicle_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    vehicle = get_visible_or_404(Vehicle.objects.all(), user, pk=pk) if pk else None
    _need(request, "caravan.change_vehicle" if vehicle else "caravan.add_vehicle")
    if vehicle is not None and not user.can_manage(vehicle.organization):
        raise PermissionDenied
    form = VehicleForm(request.POST or None, instance=vehicle, user=user)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if not user.can_manage(obj.organization):
            raise PermissionDenied
        try:
            actions.save_vehicle(obj, form.cleaned_data["crew"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": obj})
            return redirect("caravan:vehicle", pk=obj.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("Edit vehicle") if vehicle else _("New vehicle"),
            "breadcrumbs": [STATS, VEHICLES],
            "object": vehicle,
        },
    )


# ---------------------------------------------------------------- routes


class RouteFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("vehicle kind"), choices=VehicleKind.choices)
    is_active = django_filters.BooleanFilter(label=gettext_lazy("active"))


class RouteList(ListPage):
    title = gettext_lazy("Routes")
    permission = "caravan.view_route"
    create_permission = "caravan.add_route"
    create_url = "caravan:route_create"
    filterset_class = RouteFilter
    default_sort = "code"
    search_placeholder = gettext_lazy("Code, name or area")
    breadcrumbs = [STATS]
    empty_text = gettext_lazy("No routes yet. A route is an ordered list of villages with its weekdays.")
    columns = [
        field_column("code", gettext_lazy("route code")),
        field_column("name", gettext_lazy("route name"), link=True, width=24),
        choice_column("kind", gettext_lazy("vehicle kind"), width=22),
        ListColumn(
            gettext_lazy("vehicle"),
            lambda r: r.vehicle.display_plate if r.vehicle else "",
            sort="vehicle__plate",
        ),
        field_column("area", gettext_lazy("service area")),
        ListColumn(gettext_lazy("weekdays"), lambda r: r.weekday_labels(), width=16),
        field_column("runs_per_month", gettext_lazy("runs a month"), kind="int"),
        field_column("stop_count", gettext_lazy("stops"), kind="int"),
        ListColumn(gettext_lazy("active"), lambda r: r.is_active, sort="is_active", kind="bool"),
    ]

    def queryset(self) -> QuerySet:
        return (
            Route.objects.visible_to(self.request.user)
            .select_related("vehicle")
            .annotate(stop_count=Count("stops"))
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(area__icontains=text))


@login_required
def route_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _need(request, "caravan.view_route")
    route = get_visible_or_404(Route.objects.select_related("vehicle", "organization"), request.user, pk=pk)
    can_schedule = request.user.has_perm("caravan.add_trip") and request.user.can_manage(route.organization)
    form = ScheduleForm(request.POST or None, initial={"month": _next_month(clock.today())})
    if request.method == "POST":
        if not can_schedule:
            raise PermissionDenied
        if form.is_valid():
            year, month = form.cleaned_data["month"]
            try:
                made = actions.schedule_month(request.user, route, year, month)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("%(count)s trips scheduled for %(month)s.")
                    % {"count": len(made), "month": f"{year}-{month:02d}"},
                )
                return redirect("caravan:route", pk=route.pk)
    towns = _town_names()
    stops = [
        (stop, towns.get(stop.place_region.path[: 2 * Region.steplen], "") if stop.place_region else "")
        for stop in route.stops.select_related("village", "outlet__region")
    ]
    return render(
        request,
        "caravan/route_detail.html",
        {
            "route": route,
            "title": route.name,
            "breadcrumbs": [STATS, ROUTES],
            "stops": stops,
            "form": form,
            "can_schedule": can_schedule,
            "can_edit": request.user.has_perm("caravan.change_route")
            and request.user.can_manage(route.organization),
            "trips": Trip.objects.visible_to(request.user)
            .filter(route=route, date__gte=clock.today() - dt.timedelta(days=7))
            .select_related("vehicle")
            .order_by("date")[:30],
        },
    )


def _next_month(day: dt.date) -> str:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return f"{following:%Y-%m}"


@login_required
def route_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    route = get_visible_or_404(Route.objects.all(), user, pk=pk) if pk else None
    _need(request, "caravan.change_route" if route else "caravan.add_route")
    if route is not None and not user.can_manage(route.organization):
        raise PermissionDenied
    instance = route or Route()
    form = RouteForm(request.POST or None, instance=instance, user=user)
    formset = RouteStopFormSet(request.POST or None, instance=instance, user=user, prefix="stops")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        obj = form.save(commit=False)
        if not user.can_manage(obj.organization):
            raise PermissionDenied
        with transaction.atomic():
            obj.save()
            formset.instance = obj
            formset.save()
        messages.success(request, _("Saved “%(name)s”.") % {"name": obj})
        return redirect("caravan:route", pk=obj.pk)
    return render(
        request,
        "caravan/route_form.html",
        {
            "form": form,
            "formset": formset,
            "title": _("Edit route") if route else _("New route"),
            "breadcrumbs": [STATS, ROUTES],
        },
    )


# ---------------------------------------------------------------- trips


class TripFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("vehicle kind"), choices=VehicleKind.choices, field_name="vehicle__kind"
    )
    status = django_filters.ChoiceFilter(label=gettext_lazy("status"), choices=Trip.Status.choices)
    date_from = django_filters.DateFilter(label=gettext_lazy("from"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=gettext_lazy("to"), field_name="date", lookup_expr="lte")


class TripList(ListPage):
    title = gettext_lazy("Trips")
    permission = "caravan.view_trip"
    create_permission = "caravan.add_trip"
    create_url = "caravan:trip_create"
    filterset_class = TripFilter
    default_sort = "-date"
    search_placeholder = gettext_lazy("Plate or route")
    breadcrumbs = [STATS]
    empty_text = gettext_lazy("No trips. Schedule a route's month on the route page, or add a trip.")
    columns = [
        field_column("date", gettext_lazy("date"), kind="date", link=True),
        ListColumn(gettext_lazy("vehicle"), lambda t: t.vehicle.display_plate, sort="vehicle__plate"),
        ListColumn(
            gettext_lazy("vehicle kind"),
            lambda t: t.vehicle.get_kind_display(),
            sort="vehicle__kind",
            width=22,
        ),
        field_column("route__name", gettext_lazy("route"), sort="route__code", width=22),
        choice_column("status", gettext_lazy("status")),
        field_column("stops_made", gettext_lazy("stops made"), kind="int", sort=""),
        field_column("stop_count", gettext_lazy("stops"), kind="int", sort=""),
        field_column("people", gettext_lazy("people served"), kind="int", sort=""),
        field_column("distance_km", gettext_lazy("service mileage (km)"), kind="decimal"),
    ]

    def queryset(self) -> QuerySet:
        return (
            Trip.objects.visible_to(self.request.user)
            .select_related("vehicle", "route")
            .annotate(
                stop_count=Count("stops"),
                stops_made=Count("stops", filter=Q(stops__status=TripStop.Status.MADE)),
                people=Sum("stops__people_served"),
            )
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        from gongxiao.caravan.plates import normalize_plate

        return queryset.filter(
            Q(vehicle__plate__icontains=normalize_plate(text)) | Q(route__name__icontains=text)
        )


def _trip(request: AuthedRequest, pk: int) -> Trip:
    _need(request, "caravan.view_trip")
    return get_visible_or_404(
        Trip.objects.select_related("vehicle__depot", "vehicle__location", "route", "organization"),
        request.user,
        pk=pk,
    )


@login_required
def trip_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    trip = _trip(request, pk)
    stops = list(trip.stops.select_related("village", "outlet__region"))
    towns = _town_names()
    standing = Q(document__status=Document.Status.CONFIRMED)
    sales = StopSale.objects.filter(stop__trip=trip).select_related("document__member", "stop").order_by("pk")
    purchases = ProducePurchase.objects.filter(stop__trip=trip).select_related(
        "document", "member", "product", "stop"
    )
    deliveries = InputDelivery.objects.filter(stop__trip=trip).select_related(
        "document", "product", "member", "stop"
    )
    services = ServiceRecord.objects.filter(stop__trip=trip).select_related("member", "stop")
    manages = request.user.can_manage(trip.organization)
    return render(
        request,
        "caravan/trip_detail.html",
        {
            "trip": trip,
            "title": _("Trip %(date)s %(plate)s")
            % {"date": trip.date.isoformat(), "plate": trip.vehicle.display_plate},
            "breadcrumbs": [STATS, TRIPS],
            "stops": [
                (s, towns.get(s.place_region.path[: 2 * Region.steplen], "") if s.place_region else "")
                for s in stops
            ],
            "crew": trip.crew.all(),
            "sales": sales,
            "sales_total": sales.filter(standing).aggregate(total=Sum("document__total_amount"))["total"]
            or 0,
            "purchases": purchases.order_by("pk"),
            "purchases_jin": purchases.filter(standing).aggregate(total=Sum("weight_jin"))["total"] or 0,
            "purchases_total": purchases.filter(standing).aggregate(total=Sum("amount"))["total"] or 0,
            "deliveries": deliveries.order_by("pk"),
            "services": services.order_by("pk"),
            "entries": SyncEntry.objects.filter(trip=trip)
            .select_related("user")
            .order_by("recorded_at", "pk"),
            "refused": SyncEntry.objects.filter(trip=trip, status=SyncEntry.Status.REFUSED).count(),
            "can_cancel": trip.status == Trip.Status.PLANNED
            and request.user.has_perm("caravan.change_trip")
            and manages,
            "can_record": request.user.has_perm("caravan.record_trip") and manages,
        },
    )


@login_required
@require_POST
def trip_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    trip = _trip(request, pk)
    _need(request, "caravan.change_trip")
    if not request.user.can_manage(trip.organization):
        raise PermissionDenied
    if trip.status != Trip.Status.PLANNED:
        messages.error(request, _("Only a planned trip can be cancelled."))
    else:
        Trip.objects.filter(pk=trip.pk, status=Trip.Status.PLANNED).update(status=Trip.Status.CANCELLED)
        messages.success(request, _("The trip was cancelled."))
    return redirect("caravan:trip", pk=trip.pk)


@login_required
def trip_create(request: AuthedRequest) -> HttpResponse:
    _need(request, "caravan.add_trip")
    form = TripForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            trip = actions.create_trip(
                request.user, data["vehicle"], data["date"], route=data["route"], note=data["note"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": trip})
            return redirect("caravan:trip", pk=trip.pk)
    return render(
        request, "core/form.html", {"form": form, "title": _("New trip"), "breadcrumbs": [STATS, TRIPS]}
    )


def run_sheet_rows(trip: Trip) -> list[dict[str, Any]]:
    """One row per stop with the pre-orders the truck takes there."""
    towns = _town_names()
    orders: dict[int, list[PreOrder]] = {}
    for order in actions.preorders_for_trip(trip):
        orders.setdefault(order.village_id, []).append(order)
    rows = []
    for stop in trip.stops.select_related("village", "outlet__region"):
        region = stop.place_region
        rows.append(
            {
                "stop": stop,
                "town": towns.get(region.path[: 2 * Region.steplen], "") if region else "",
                "orders": orders.get(stop.village_id, []) if stop.village_id else [],
            }
        )
    return rows


@login_required
def run_sheet(request: AuthedRequest, pk: int) -> HttpResponse:
    trip = _trip(request, pk)
    rows = run_sheet_rows(trip)
    if request.GET.get("format") == "xlsx":
        return _run_sheet_xlsx(trip, rows)
    return render(
        request,
        "caravan/run_sheet.html",
        {
            "trip": trip,
            "rows": rows,
            "crew": trip.crew.all(),
            "stock": StockBalance.objects.filter(location=trip.vehicle.location, quantity__gt=0)
            .select_related("product")
            .order_by("product__code"),
            "printed_at": clock.now(),
        },
    )


def _run_sheet_xlsx(trip: Trip, rows: list[dict[str, Any]]) -> HttpResponse:
    lines: list[dict[str, Any]] = []
    for row in rows:
        stop = row["stop"]
        base = {
            "position": stop.position,
            "town": row["town"],
            "place": stop.place_name,
            "arrival": stop.planned_arrival.strftime("%H:%M") if stop.planned_arrival else "",
            "load": stop.planned_load_kg,
        }
        if not row["orders"]:
            lines.append(base | {"customer": "", "phone": "", "product": "", "quantity": None})
        for order in row["orders"]:
            lines.append(
                base
                | {
                    "customer": order.customer_name,
                    "phone": order.phone,
                    "product": str(order.product),
                    "quantity": order.quantity,
                }
            )
    columns = [
        ExportColumn(_("order"), lambda r: r["position"], "int", 6),
        ExportColumn(_("Town"), lambda r: r["town"], "text", 12),
        ExportColumn(_("stop"), lambda r: r["place"], "text", 22),
        ExportColumn(_("planned arrival"), lambda r: r["arrival"], "text", 10),
        ExportColumn(_("planned load (kg)"), lambda r: r["load"], "decimal", 12),
        ExportColumn(_("pre-order customer"), lambda r: r["customer"], "text", 14),
        ExportColumn(_("phone"), lambda r: r["phone"], "text", 14),
        ExportColumn(_("product"), lambda r: r["product"], "text", 22),
        ExportColumn(_("quantity"), lambda r: r["quantity"], "decimal", 10),
        ExportColumn(_("arrived at"), lambda r: "", "text", 10),
        ExportColumn(_("people served"), lambda r: "", "text", 10),
    ]
    title = f"{trip.date:%Y%m%d}-{trip.vehicle.plate}"
    return xlsx_response(write_xlsx(columns, lines, str(_("Run sheet"))), f"{_('Run sheet')}-{title}.xlsx")


# ---------------------------------------------------------------- pre-orders


class PreOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("status"), choices=PreOrder.Status.choices)
    channel = django_filters.ChoiceFilter(label=gettext_lazy("ordered by"), choices=PreOrder.Channel.choices)


class PreOrderList(ListPage):
    title = gettext_lazy("Pre-orders")
    permission = "caravan.view_preorder"
    create_permission = "caravan.add_preorder"
    create_url = "caravan:preorder_create"
    filterset_class = PreOrderFilter
    default_sort = "-created_at"
    search_placeholder = gettext_lazy("Customer, phone or village")
    breadcrumbs = [STATS]
    empty_text = gettext_lazy("No pre-orders. Enter the orders villagers phone in before a run.")
    columns = [
        field_column("created_at", gettext_lazy("entered at"), kind="date"),
        field_column("village__name", gettext_lazy("village"), sort="village__code"),
        field_column("customer_name", gettext_lazy("customer"), link=True),
        field_column("phone", gettext_lazy("phone")),
        ListColumn(gettext_lazy("product"), lambda o: str(o.product), sort="product__code", width=22),
        field_column("quantity", gettext_lazy("quantity"), kind="decimal"),
        choice_column("channel", gettext_lazy("ordered by")),
        field_column("wanted_by", gettext_lazy("wanted by"), kind="date"),
        choice_column("status", gettext_lazy("status")),
        ListColumn(
            gettext_lazy("delivered on trip"),
            lambda o: str(o.delivered_on) if o.delivered_on_id else "",
            sort="delivered_on__date",
            width=20,
        ),
    ]

    def queryset(self) -> QuerySet:
        return PreOrder.objects.visible_to(self.request.user).select_related(
            "village", "product", "delivered_on__vehicle"
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(customer_name__icontains=text) | Q(phone__startswith=text) | Q(village__name__icontains=text)
        )

    def detail_url(self, obj: PreOrder) -> str:
        return reverse("caravan:preorder_edit", args=[obj.pk])


@login_required
def preorder_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    order = get_visible_or_404(PreOrder.objects.all(), request.user, pk=pk) if pk else None
    if order is not None and request.method == "POST" and order.status != PreOrder.Status.OPEN:
        messages.error(request, _("Only an open pre-order can be changed."))
        return redirect("caravan:preorders")

    def saved(obj: PreOrder) -> str:
        return reverse("caravan:preorders")

    if order is None:
        _need(request, "caravan.add_preorder")
        instance = PreOrder(created_by=request.user, created_at=clock.now())
    else:
        instance = order
    return edit_object(
        request,
        PreOrderForm,
        instance=instance if order is None else order,
        permission="caravan.change_preorder" if order else "caravan.add_preorder",
        title=_("Edit pre-order") if order else _("New pre-order"),
        breadcrumbs=[STATS, PREORDERS],
        success=saved,
    )


@login_required
@require_POST
def preorder_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    _need(request, "caravan.change_preorder")
    order = get_visible_or_404(PreOrder.objects.all(), request.user, pk=pk)
    if not request.user.can_manage(order.organization):
        raise PermissionDenied
    updated = PreOrder.objects.filter(pk=order.pk, status=PreOrder.Status.OPEN).update(
        status=PreOrder.Status.CANCELLED
    )
    if updated:
        messages.success(request, _("The pre-order was cancelled."))
    else:
        messages.error(request, _("Only an open pre-order can be cancelled."))
    return redirect("caravan:preorders")


# ---------------------------------------------------------------- produce purchases and receipts


class PurchaseFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=gettext_lazy("from"), field_name="stop__trip__date", lookup_expr="gte"
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("to"), field_name="stop__trip__date", lookup_expr="lte"
    )


class PurchaseList(ListPage):
    title = gettext_lazy("Produce bought")
    permission = "caravan.view_producepurchase"
    filterset_class = PurchaseFilter
    default_sort = "-id"
    search_placeholder = gettext_lazy("Farmer, pinyin initials or produce")
    breadcrumbs = [STATS]
    empty_text = gettext_lazy("No produce bought yet: the crews record purchases on their phones.")
    columns = [
        field_column("stop__trip__date", gettext_lazy("date"), kind="date"),
        ListColumn(
            gettext_lazy("vehicle"),
            lambda p: p.stop.trip.vehicle.display_plate,
            sort="stop__trip__vehicle__plate",
        ),
        ListColumn(gettext_lazy("stop"), lambda p: p.stop.place_name, width=16),
        field_column("member__name", gettext_lazy("farmer"), link=True, sort="member__pinyin"),
        field_column("product__name", gettext_lazy("produce"), sort="product__code"),
        field_column("weight_jin", gettext_lazy("weight (jin)"), kind="decimal"),
        field_column("price_per_jin", gettext_lazy("price (yuan per jin)"), kind="money"),
        field_column("amount", gettext_lazy("amount (yuan)"), kind="money"),
        field_column("paid_amount", gettext_lazy("amount paid (yuan)"), kind="money"),
        choice_column("payment_method", gettext_lazy("paid by")),
        field_column("document__number", gettext_lazy("document number"), sort="document__number", width=24),
        ListColumn(
            gettext_lazy("status"), lambda p: p.document.get_status_display(), sort="document__status"
        ),
    ]

    def queryset(self) -> QuerySet:
        return ProducePurchase.objects.visible_to(self.request.user).select_related(
            "stop__trip__vehicle", "stop__village", "stop__outlet", "member", "product", "document"
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(member__name__icontains=text)
            | Q(member__pinyin__startswith=text.lower())
            | Q(product__name__icontains=text)
        )

    def detail_url(self, obj: ProducePurchase) -> str:
        return reverse("caravan:receipt", args=[obj.pk])


@login_required
def receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    """The farmer's receipt for produce bought on the truck: 58 mm thermal or A4, the amount in words."""
    _need(request, "caravan.view_producepurchase")
    purchase = get_visible_or_404(
        ProducePurchase.objects.select_related(
            "stop__trip__vehicle__organization",
            "stop__village",
            "stop__outlet",
            "member__village",
            "product",
            "document",
        ),
        request.user,
        pk=pk,
    )
    owed = purchase.amount - purchase.paid_amount
    return render(
        request,
        "caravan/receipt.html",
        {
            "purchase": purchase,
            "trip": purchase.stop.trip,
            "vehicle": purchase.stop.trip.vehicle,
            "document": purchase.document,
            "words": capital_amount(purchase.amount),
            "paid_words": capital_amount(purchase.paid_amount),
            "owed": owed if owed > 0 else Decimal(0),
            "size": "a4" if request.GET.get("size") == "a4" else "58",
        },
    )
