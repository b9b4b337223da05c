from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.core import files
from gongxiao.core.editing import edit_object
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, choice_column, field_column, xlsx_response
from gongxiao.core.models import Organization, Region
from gongxiao.core.scope import get_visible_or_404
from gongxiao.network import statistics
from gongxiao.network.forms import OutletForm, OutletPhotoForm
from gongxiao.network.importers import OutletImporter, export_queryset
from gongxiao.network.models import Outlet, OutletPhoto, Service
from gongxiao.supply.store_views import licence_rows

OUTLETS = (gettext_lazy("Outlets"), "network:outlets")
NETWORK = (gettext_lazy("Service network"), "network:overview")
VIEW = "network.view_outlet"


def _organizations(request) -> QuerySet:  # type: ignore[no-untyped-def]
    if request is None:
        return Organization.objects.none()
    return Organization.objects.visible_to(request.user).order_by("path")


class OutletFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("outlet kind"), choices=Outlet.Kind.choices)
    status = django_filters.ChoiceFilter(label=gettext_lazy("status"), choices=Outlet.Status.choices)
    town = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Town"),
        queryset=Region.objects.filter(level=Region.Level.TOWN).order_by("code"),
        method="filter_town",
    )
    organization = django_filters.ModelChoiceFilter(
        label=gettext_lazy("operator"), queryset=_organizations, method="filter_organization"
    )
    service = django_filters.ChoiceFilter(
        label=gettext_lazy("services offered"), choices=Service.choices, method="filter_service"
    )
    grade = django_filters.ChoiceFilter(label=gettext_lazy("centre grade"), choices=Outlet.Grade.choices)

    def filter_service(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_service(value)  # type: ignore[attr-defined, no-any-return]

    def filter_town(self, queryset: QuerySet, name: str, value: Region) -> QuerySet:
        return queryset.filter(region__path__startswith=value.path)

    def filter_organization(self, queryset: QuerySet, name: str, value: Organization) -> QuerySet:
        return queryset.filter(organization__path__startswith=value.path)


def _village(outlet: Outlet) -> str:
    return outlet.region.name if outlet.region.level == Region.Level.VILLAGE else ""


class OutletList(ListPage):
    title = gettext_lazy("Outlets")
    permission = "network.view_outlet"
    create_permission = "network.add_outlet"
    create_url = "network:outlet_create"
    import_name = "outlets"
    breadcrumbs = [NETWORK]
    filterset_class = OutletFilter
    default_sort = "code"
    search_placeholder = gettext_lazy("Name, code or address")
    empty_text = gettext_lazy("No outlets match. Add the county's stores, service coops and centres here.")
    columns = [
        field_column("code", gettext_lazy("outlet code")),
        field_column("name", gettext_lazy("outlet name"), link=True, width=28),
        choice_column("kind", gettext_lazy("outlet kind"), width=18),
        choice_column("status", gettext_lazy("status"), width=8),
        field_column("town_name", gettext_lazy("Town"), sort="region__path"),
        ListColumn(gettext_lazy("Village"), _village),
        field_column("address", gettext_lazy("address"), sort="", width=28),
        field_column("organization__name", gettext_lazy("operator"), sort="organization__path", width=20),
        field_column("location__name", gettext_lazy("stock location"), sort="location__code", width=24),
        field_column("opened_year", gettext_lazy("opened in"), kind="int", width=9),
        field_column("renovated_year", gettext_lazy("renovated in"), kind="int", width=9),
        ListColumn(gettext_lazy("services offered"), Outlet.service_labels, width=30),
    ]

    def queryset(self) -> QuerySet:
        town = Region.objects.filter(path=Substr(OuterRef("region__path"), 1, 2 * Region.steplen))
        return (
            Outlet.objects.visible_to(self.request.user)
            .select_related("region", "organization", "location")
            .annotate(town_name=Subquery(town.values("name")[:1]))
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=text) | Q(code__icontains=text) | Q(address__icontains=text))

    def detail_url(self, obj: Outlet) -> str:
        return reverse("network:outlet", args=[obj.pk])

    def export(self, queryset: QuerySet) -> HttpResponse:
        """The import template's layout, hubs first: the file can be edited and imported again."""
        importer = OutletImporter(self.request.user, self.request.user.organization)  # type: ignore[union-attr]
        content, _count = importer.export(export_queryset(queryset))
        return xlsx_response(content, self.export_filename())


@login_required
def outlet_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    if not user.has_perm("network.view_outlet"):
        raise PermissionDenied
    outlet = get_visible_or_404(
        Outlet.objects.select_related("region", "organization", "location", "location__organization", "hub"),
        user,
        pk=pk,
    )
    manages = user.can_manage(outlet.organization)
    context = {
        "outlet": outlet,
        "title": outlet.name,
        "breadcrumbs": [NETWORK, OUTLETS],
        "region_name": outlet.region.full_name(),
        "stations": outlet.stations.visible_to(user).order_by("code"),  # type: ignore[attr-defined]
        "villages": _town_labelled(outlet.villages.order_by("path")),
        "photos": outlet.photos.all(),  # type: ignore[attr-defined]
        "can_add_photo": user.has_perm("network.add_outletphoto") and manages,
        "can_delete_photo": user.has_perm("network.delete_outletphoto") and manages,
        "can_edit": user.has_perm("network.change_outlet") and manages,
        "history": outlet.history.select_related("history_user")[:50],  # type: ignore[attr-defined]
        "is_store": outlet.kind in (Outlet.Kind.CHAIN_STORE, Outlet.Kind.DIRECT_STORE),
    }
    if outlet.kind == Outlet.Kind.CHAIN_STORE and user.has_perm("supply.view_unificationassessment"):
        context["show_assessment"] = True
        context["assessment"] = outlet.assessments.first()  # type: ignore[attr-defined]
        context["can_assess"] = user.has_perm("supply.add_unificationassessment") and manages
    if user.has_perm("supply.view_pesticidelicence"):
        licences = licence_rows(list(outlet.licences.order_by("-valid_to", "-pk")))  # type: ignore[attr-defined]
        context["show_licences"] = bool(licences) or context["is_store"]
        context["licences"] = licences
        context["can_license"] = user.has_perm("supply.add_pesticidelicence") and manages
    return render(request, "network/outlet_detail.html", context)


@login_required
def outlet_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    outlet = get_visible_or_404(Outlet.objects.all(), request.user, pk=pk) if pk else None
    return edit_object(
        request,
        OutletForm,
        instance=outlet,
        permission="network.change_outlet" if outlet else "network.add_outlet",
        title=_("Edit outlet") if outlet else _("New outlet"),
        breadcrumbs=[NETWORK, OUTLETS],
        success=lambda obj: reverse("network:outlet", args=[obj.pk]),
    )


def _town_labelled(villages: QuerySet) -> list[tuple[Region, str]]:
    towns = dict(Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name"))
    return [
        (village, towns.get(village.path[: 2 * Region.steplen], "") + village.name) for village in villages
    ]


# ---------------------------------------------------------------- photos


@login_required
def photo_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    if not user.has_perm("network.add_outletphoto"):
        raise PermissionDenied
    outlet = get_visible_or_404(Outlet.objects.all(), user, pk=pk)
    if not user.can_manage(outlet.organization):
        raise PermissionDenied
    posted = request.method == "POST"
    form = OutletPhotoForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=OutletPhoto(outlet=outlet, uploaded_by=user),
        user=user,
    )
    if posted and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Saved the photo of “%(name)s”.") % {"name": outlet.name})
        return redirect("network:outlet", pk=outlet.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("New photo of %(name)s") % {"name": outlet.name},
            "breadcrumbs": [NETWORK, OUTLETS, (outlet.name, reverse("network:outlet", args=[outlet.pk]))],
        },
    )


@login_required
def photo(request: AuthedRequest, pk: int) -> FileResponse:
    """A photo, to those who may see its outlet; MEDIA_ROOT itself is never served."""
    if not request.user.has_perm(VIEW):
        raise Http404
    stored = get_visible_or_404(OutletPhoto.objects.all(), request.user, pk=pk)
    return files.serve_private_file(stored.photo)


@login_required
@require_POST
def photo_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    stored = get_visible_or_404(OutletPhoto.objects.select_related("outlet__organization"), user, pk=pk)
    if not user.has_perm("network.delete_outletphoto") or not user.can_manage(stored.outlet.organization):
        raise PermissionDenied
    storage, name = stored.photo.storage, stored.photo.name
    with transaction.atomic():
        stored.delete()
        if name:  # the file goes only once the row is gone for good
            transaction.on_commit(lambda: storage.delete(name))
    messages.success(request, _("The photo was deleted."))
    return redirect("network:outlet", pk=stored.outlet_id)


# ---------------------------------------------------------------- the network: coverage, building, plot


def _visible_outlets(request: AuthedRequest) -> QuerySet:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    return Outlet.objects.visible_to(request.user)  # type: ignore[no-any-return]


KIND_LABELS = dict(Outlet.Kind.choices)


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    """Villages covered per town and in the county, outlets built and renovated per year, the report's sentence."""
    outlets = _visible_outlets(request)
    covered = statistics.coverage(outlets)
    years = statistics.figures_by_year(outlets)
    wanted = request.GET.get("year", "")
    year = int(wanted) if wanted.isdigit() and int(wanted) in years else statistics.default_year(years)
    figures = years.get(year) or statistics.YearFigures(year)
    shown_years = sorted(years)[-6:]
    build_rows = [
        (
            label,
            [(years[y].new[kind], years[y].renovated[kind]) for y in shown_years],
        )
        for kind, label in Outlet.Kind.choices
    ]
    declared_rows = [
        (label, [years[y].declared[grade] for y in shown_years]) for grade, label in Outlet.Grade.choices
    ]
    towns = [
        (row, [(KIND_LABELS[kind], count) for kind, count in sorted(row.by_kind.items())])
        for row in covered.towns
    ]
    return render(
        request,
        "network/overview.html",
        {
            "title": _("Service network"),
            "coverage": covered,
            "towns": towns,
            "year": year,
            "years": sorted(years, reverse=True),
            "figures": figures,
            "shown_years": shown_years,
            "build_rows": build_rows,
            "declared_rows": declared_rows,
            "outlet_count": outlets.count(),
        },
    )


@login_required
def town(request: AuthedRequest, pk: int) -> HttpResponse:
    outlets = _visible_outlets(request)
    try:
        place = Region.objects.get(pk=pk, level=Region.Level.TOWN)
    except Region.DoesNotExist:
        raise Http404 from None
    network = statistics.town_network(outlets, place)
    towns = dict(Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name"))

    def label(village: Region) -> str:
        if village.path.startswith(place.path):
            return village.name
        return towns.get(village.path[: 2 * Region.steplen], "") + village.name

    standing = [
        (
            outlet,
            "、".join(
                label(v)
                for v in sorted(outlet.villages.all(), key=lambda v: v.path)
                if v.pk != outlet.region_id
            ),
        )
        for outlet in network.outlets
    ]
    return render(
        request,
        "network/town.html",
        {"title": place.name, "breadcrumbs": [NETWORK], "network": network, "standing": standing},
    )


@login_required
def network_map(request: AuthedRequest) -> HttpResponse:
    outlets = _visible_outlets(request)
    return render(
        request,
        "network/map.html",
        {
            "title": _("Outlet map"),
            "breadcrumbs": [NETWORK],
            "chart": statistics.map_points(outlets)
            | {
                "labels": {
                    "code": _("outlet code"),
                    "town": _("Town"),
                    "status": _("status"),
                    "links": _("hub"),
                    "longitude": _("longitude"),
                    "latitude": _("latitude"),
                }
            },
        },
    )
