import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongxiao.core.listing import yes_no_filter
from gongxiao.core.models import Organization, Region
from gongxiao.members.models import Industry, Member, Union


def _organizations(request) -> QuerySet:  # type: ignore[no-untyped-def]
    if request is None:
        return Organization.objects.none()
    return Organization.objects.visible_to(request.user).order_by("path")


class MemberFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Member kind"), choices=Member.Kind.choices)
    town = django_filters.ModelChoiceFilter(
        label=_("Town"),
        queryset=Region.objects.filter(level=Region.Level.TOWN).order_by("code"),
        method="filter_town",
    )
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=Industry.choices, method="filter_industry"
    )
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=_organizations, method="filter_organization"
    )
    is_active = yes_no_filter(_("Active"))

    class Meta:
        model = Member
        fields = ["kind", "town", "industry", "organization", "is_active"]

    def filter_town(self, queryset: QuerySet, name: str, value: Region) -> QuerySet:
        return queryset.filter(village__path__startswith=value.path)

    def filter_industry(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_industry(value)  # type: ignore[attr-defined]

    def filter_organization(self, queryset: QuerySet, name: str, value: Organization) -> QuerySet:
        return queryset.filter(organization__path__startswith=value.path)


class UnionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Union kind"), choices=Union.Kind.choices)

    class Meta:
        model = Union
        fields = ["kind"]
