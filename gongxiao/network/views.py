from __future__ import annotations

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.core.editing import edit_object
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, choice_column, field_column
from gongxiao.core.models import Organization, Region
from gongxiao.core.scope import get_visible_or_404
from gongxiao.network.forms import OutletForm
from gongxiao.network.models import Outlet
from gongxiao.supply.store_views import licence_rows

OUTLETS = (gettext_lazy("Outlets"), "network:outlets")


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
        "breadcrumbs": [OUTLETS],
        "region_name": outlet.region.full_name(),
        "stations": outlet.stations.visible_to(user).order_by("code"),  # type: ignore[attr-defined]
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
        breadcrumbs=[OUTLETS],
        success=lambda obj: reverse("network:outlet", args=[obj.pk]),
    )
