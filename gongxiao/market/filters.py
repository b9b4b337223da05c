from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongxiao.core.listing import yes_no_filter
from gongxiao.core.models import Organization
from gongxiao.market.models import Brand, Channel, ChannelOrder
from gongxiao.market.statistics import LOCAL


def _organizations(request: Any) -> QuerySet:
    if request is None:
        return Organization.objects.none()
    return Organization.objects.visible_to(request.user).order_by("path")


def _channels(request: Any) -> QuerySet:
    if request is None:
        return Channel.objects.none()
    return Channel.objects.visible_to(request.user).order_by("code")


class ChannelFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Channel kind"), choices=Channel.Kind.choices)
    platform = django_filters.ChoiceFilter(label=_("Platform"), choices=Channel.Platform.choices)
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=_organizations, method="filter_organization"
    )
    is_active = yes_no_filter(_("Active"))

    class Meta:
        model = Channel
        fields = ["kind", "platform", "organization", "is_active"]

    def filter_organization(self, queryset: QuerySet, name: str, value: Organization) -> QuerySet:
        return queryset.filter(organization__path__startswith=value.path)


class EventFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"), method="filter_year")
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=_organizations, method="filter_organization"
    )

    class Meta:
        model = Channel
        fields = ["year", "organization"]

    def filter_year(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(starts_on__year=int(value))

    def filter_organization(self, queryset: QuerySet, name: str, value: Organization) -> QuerySet:
        return queryset.filter(organization__path__startswith=value.path)


class OrderFilter(django_filters.FilterSet):
    channel = django_filters.ModelChoiceFilter(label=_("Sales channel"), queryset=_channels)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ChannelOrder.Status.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=ChannelOrder.Source.choices)
    posted = django_filters.ChoiceFilter(
        label=_("Posted"),
        choices=[("yes", _("posted")), ("no", _("waiting to be posted"))],
        method="filter_posted",
    )
    first = django_filters.DateFilter(
        label=_("Ordered from"), method="filter_first", widget=forms.DateInput(attrs={"type": "date"})
    )
    last = django_filters.DateFilter(
        label=_("Ordered until"), method="filter_last", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = ChannelOrder
        fields = ["channel", "status", "source", "posted", "first", "last"]

    def filter_posted(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "no":
            return queryset.filter(status__in=ChannelOrder.SALE_STATUSES, document__isnull=True)
        return queryset.filter(document__isnull=False)

    def filter_first(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(ordered_at__gte=dt.datetime.combine(value, dt.time.min, tzinfo=LOCAL))

    def filter_last(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        end = dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)
        return queryset.filter(ordered_at__lt=end)


class BrandFilter(django_filters.FilterSet):
    is_active = yes_no_filter(_("Active"))

    class Meta:
        model = Brand
        fields = ["is_active"]
