"""Village stopping places: which villages of the county the planner can place, and which not yet;
the list exported in the import's layout, to fill in and import again."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import HttpResponse
from django.utils.translation import gettext_lazy

from gongxiao.caravan.importers import VillagePointImporter
from gongxiao.caravan.plan_views import PLANS
from gongxiao.caravan.views import STATS
from gongxiao.core.listing import ListColumn, ListPage, field_column, xlsx_response
from gongxiao.core.models import Region


def county_villages(user: Any) -> QuerySet:
    """The villages of the user's county, each with its town's name and its stopping place (or None)."""
    villages = Region.objects.filter(level=Region.Level.VILLAGE)
    organization = user.scope_organization
    region = organization.county.region if organization is not None else None
    if region is not None:
        villages = villages.filter(path__startswith=region.path)
    town = Region.objects.filter(path=Substr(OuterRef("path"), 1, 2 * Region.steplen))
    return villages.annotate(
        town_name=Subquery(town.values("name")[:1]),
        point_longitude=F("caravan_point__longitude"),
        point_latitude=F("caravan_point__latitude"),
    )


def _towns(request: Any) -> QuerySet:
    towns = Region.objects.filter(level=Region.Level.TOWN).order_by("code")
    organization = request.user.scope_organization if request else None
    region = organization.county.region if organization is not None else None
    return towns.filter(path__startswith=region.path) if region is not None else towns


class VillagePointFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(label=gettext_lazy("Town"), queryset=_towns, method="filter_town")
    has_point = django_filters.ChoiceFilter(
        label=gettext_lazy("stopping place"),
        choices=[("yes", gettext_lazy("entered")), ("no", gettext_lazy("none yet"))],
        method="filter_has_point",
    )

    def filter_town(self, queryset: QuerySet, name: str, value: Region) -> QuerySet:
        return queryset.filter(path__startswith=value.path)

    def filter_has_point(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(caravan_point__isnull=value != "yes")


class VillagePointList(ListPage):
    title = gettext_lazy("Village stopping places")
    permission = "caravan.view_villagepoint"
    template = "caravan/village_points.html"
    import_name = VillagePointImporter.name
    filterset_class = VillagePointFilter
    default_sort = "code"
    breadcrumbs = [STATS, PLANS]
    search_placeholder = gettext_lazy("Village name or division code")
    empty_text = gettext_lazy("No village matches.")
    columns = [
        field_column("town_name", gettext_lazy("Town"), sort="path"),
        field_column("name", gettext_lazy("Village")),
        field_column("code", gettext_lazy("division code")),
        field_column("point_longitude", gettext_lazy("longitude"), kind="decimal", sort="point_longitude"),
        field_column("point_latitude", gettext_lazy("latitude"), kind="decimal", sort="point_latitude"),
        ListColumn(
            gettext_lazy("stopping place"),
            lambda v: gettext_lazy("entered") if v.point_longitude is not None else gettext_lazy("none yet"),
        ),
    ]

    def queryset(self) -> QuerySet:
        return county_villages(self.request.user)

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=text) | Q(code__startswith=text))

    def detail_url(self, obj: Any) -> str:
        return ""

    def can_import(self) -> bool:
        return bool(self.request.user.has_perm(VillagePointImporter.permission))

    def missing(self) -> int:
        """Villages of the county without a stopping place: the planner refuses them."""
        return county_villages(self.request.user).filter(caravan_point__isnull=True).count()

    def export(self, queryset: QuerySet) -> HttpResponse:
        """The import's layout: fill in the missing coordinates and import the file again."""
        importer = VillagePointImporter(self.request.user, self.request.user.organization)  # type: ignore[union-attr]
        content, _count = importer.export(queryset)
        return xlsx_response(content, self.export_filename())
