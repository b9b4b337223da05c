import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongxiao.commerce.models import Business, Category, Document, Location, StockMove


def _locations(request) -> QuerySet:  # type: ignore[no-untyped-def]
    if request is None:
        return Location.objects.none()
    return Location.objects.visible_to(request.user).order_by("code")


class ProductFilter(django_filters.FilterSet):
    business = django_filters.ChoiceFilter(label=_("main business"), choices=Business.choices)
    category = django_filters.ChoiceFilter(label=_("category"), choices=Category.choices)


class LocationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("location kind"), choices=Location.Kind.choices)


class StockFilter(django_filters.FilterSet):
    location = django_filters.ModelChoiceFilter(label=_("stock location"), queryset=_locations)
    business = django_filters.ChoiceFilter(
        label=_("main business"), choices=Business.choices, field_name="product__business"
    )
    category = django_filters.ChoiceFilter(
        label=_("category"), choices=Category.choices, field_name="product__category"
    )


class DocumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("document kind"), choices=Document.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=Document.Status.choices)
    channel = django_filters.ChoiceFilter(label=_("channel"), choices=Document.Channel.choices)
    location = django_filters.ModelChoiceFilter(label=_("stock location"), queryset=_locations)
    date_from = django_filters.DateFilter(label=_("from"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("to"), field_name="date", lookup_expr="lte")


class StockMoveFilter(django_filters.FilterSet):
    location = django_filters.ModelChoiceFilter(label=_("stock location"), queryset=_locations)
    kind = django_filters.ChoiceFilter(label=_("move kind"), choices=StockMove.Kind.choices)
    corrections = django_filters.ChoiceFilter(
        label=_("corrections of an earlier day"),
        choices=[("true", _("yes")), ("false", _("no"))],
        method=lambda queryset, name, value: queryset.filter(corrects_date__isnull=value != "true"),
    )
    date_from = django_filters.DateFilter(label=_("from"), field_name="created_at__date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("to"), field_name="created_at__date", lookup_expr="lte")
