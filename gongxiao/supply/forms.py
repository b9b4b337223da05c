"""Forms of the spring-campaign pages: the campaign, a delivery to an outlet, households reached."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.forms import formset_factory
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.commerce.models import Batch, Business, Location, Package, Product
from gongxiao.core import clock
from gongxiao.core.forms import ScopedModelForm
from gongxiao.core.models import Region
from gongxiao.core.numbers import plain
from gongxiao.members.models import Member
from gongxiao.network.models import Outlet
from gongxiao.supply.models import Campaign, CampaignDistribution

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(ScopedModelForm):
    class Meta:
        model = Campaign
        fields = ["organization", "name", "starts_on", "ends_on", "partners", "note"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        help_texts = {
            "partners": gettext_lazy("e.g. the county agri-input association; several separated by 、")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and (self.instance.deliveries.exists() or self.instance.distributions.exists()):
            # its transfers and households are the organization's records: the campaign stays with it
            self.fields["organization"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if self.instance.pk and starts_on and ends_on:
            outside = self.instance.distributions.filter(Q(day__lt=starts_on) | Q(day__gt=ends_on))
            first = outside.order_by("day").first()
            if first is not None:
                self.add_error(
                    "starts_on" if first.day < starts_on else "ends_on",
                    _("households were reached on %(day)s, outside these dates")
                    % {"day": first.day.isoformat()},
                )
        return data


# -- a delivery to a township outlet ----------------------------------------------------------------


def delivery_sources(user: Any, campaign: Campaign) -> Any:
    """Warehouses the user may ship from for this campaign: its organization's, active."""
    return (
        Location.objects.visible_to(user)
        .filter(
            kind=Location.Kind.WAREHOUSE,
            is_active=True,
            organization__path__startswith=campaign.organization.path,
        )
        .select_related("organization")
        .order_by("code")
    )


def delivery_outlets(campaign: Campaign) -> Any:
    """Outlets of the campaign's county that hold stock: the township stores it delivers to."""
    organization = campaign.organization
    county_root = organization.path[: organization.steplen]
    return (
        Outlet.objects.filter(
            location__isnull=False,
            location__is_active=True,
            organization__path__startswith=county_root,
        )
        .exclude(status=Outlet.Status.CLOSED)
        .select_related("region", "location")
        .order_by("region__code", "code")
    )


class OutletChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Outlet) -> str:
        return f"{obj.region.name} · {obj.name}"


class DeliveryForm(forms.Form):
    source = forms.ModelChoiceField(label=gettext_lazy("from warehouse"), queryset=Location.objects.none())
    outlet = OutletChoiceField(label=gettext_lazy("to outlet"), queryset=Outlet.objects.none())
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = delivery_sources(user, campaign)
        self.fields["outlet"].queryset = delivery_outlets(campaign)
        self.fields["outlet"].widget.attrs["class"] = "tom-select"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source, outlet = data.get("source"), data.get("outlet")
        if source is not None and outlet is not None and outlet.location_id == source.pk:
            self.add_error("outlet", _("the outlet's stock location is the warehouse itself"))
        return data


def product_units(user: Any) -> list[tuple[str, str]]:
    """One choice per product and unit: "复合肥 15-15-15 · 袋(50公斤)", then the base unit."""
    products = (
        Product.objects.visible_to(user)
        .filter(is_active=True, is_banned=False, business=Business.AGRI_INPUT)
        .prefetch_related("packages")
        .order_by("category", "code")
    )
    choices: list[tuple[str, str]] = [("", "—")]
    for product in products:
        for package in product.packages.all():
            choices.append((f"{product.pk}-{package.pk}", f"{product} · {package}"))
        choices.append((f"{product.pk}-", f"{product} · {product.get_base_unit_display()}"))
    return choices


class DeliveryLineForm(forms.Form):
    item = forms.ChoiceField(label=gettext_lazy("product and unit"))
    quantity = forms.DecimalField(
        label=gettext_lazy("quantity"), max_digits=14, decimal_places=3, min_value=Decimal("0.001")
    )
    batch = forms.ModelChoiceField(label=gettext_lazy("batch"), queryset=Batch.objects.none(), required=False)

    def __init__(self, *args: Any, units: list[tuple[str, str]], batches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = units
        self.fields["item"].widget.attrs["class"] = "tom-select"
        self.fields["batch"].queryset = batches

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        item = data.get("item")
        if item:
            product_id, _sep, package_id = item.partition("-")
            product = Product.objects.filter(pk=product_id).first()
            package = Package.objects.filter(pk=package_id, product=product).first() if package_id else None
            if product is None or (package_id and package is None):
                self.add_error("item", _("choose a product from the list"))
            data["product"], data["package"] = product, package
            batch = data.get("batch")
            if product is not None and batch is not None and batch.product_id != product.pk:
                self.add_error("batch", _("not a batch of this product"))
        return data


BaseDeliveryLines = formset_factory(DeliveryLineForm, extra=5)


class DeliveryLines(BaseDeliveryLines):  # type: ignore[valid-type,misc]
    """The lines of a delivery; filled rows are moved up first so that "line 2" means the second filled row."""

    prefix = "lines"

    def __init__(self, data: Any = None, *, user: Any) -> None:
        if data is not None:
            data = _filled_rows_first(data, self.prefix)
        products = Product.objects.visible_to(user).filter(is_active=True)
        super().__init__(
            data,
            prefix=self.prefix,
            form_kwargs={
                "units": product_units(user),
                "batches": Batch.objects.filter(product__in=products).select_related("product"),
            },
        )

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.filled():
            raise forms.ValidationError(_("The document has no lines."))

    def filled(self) -> list[dict[str, Any]]:
        return [data for data in self.cleaned_data if data and data.get("product")]


def _filled_rows_first(data: QueryDict, prefix: str) -> QueryDict:
    fields = ("item", "quantity", "batch")
    try:
        count = min(int(data.get(f"{prefix}-TOTAL_FORMS", "0")), 100)
    except ValueError:
        return data
    rows = [{name: data.get(f"{prefix}-{index}-{name}", "") for name in fields} for index in range(count)]
    rows = [row for row in rows if any(value.strip() for value in row.values())]
    copy = data.copy()
    for index in range(count):
        for name in fields:
            copy.pop(f"{prefix}-{index}-{name}", None)
    for index, row in enumerate(rows):
        for name, value in row.items():
            copy[f"{prefix}-{index}-{name}"] = value
    copy[f"{prefix}-TOTAL_FORMS"] = str(max(count, len(rows)))
    return copy


# -- households reached ------------------------------------------------------------------------------


class DistributionForm(forms.ModelForm):
    """Households reached in a town on a day: one member found by ID or phone, or a reported count."""

    member_key = forms.CharField(
        label=gettext_lazy("member (resident ID number or phone)"),
        max_length=20,
        required=False,
        help_text=gettext_lazy(
            "leave empty and give the number of households when the outlet reports a count"
        ),
    )

    class Meta:
        model = CampaignDistribution
        fields = ["day", "town", "households"]
        widgets = {"day": DATE}

    def __init__(self, *args: Any, user: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.campaign = campaign
        self.fields["town"].queryset = Region.objects.filter(level=Region.Level.TOWN).order_by("code")
        self.fields["town"].widget.attrs["class"] = "tom-select"
        self.fields["households"].min_value = 1
        self.fields["households"].widget.attrs["min"] = 1
        self.order_fields(["day", "town", "member_key", "households"])
        if not self.is_bound:
            self.initial.setdefault("day", min(max(clock.today(), campaign.starts_on), campaign.ends_on))

    def clean_day(self) -> Any:
        day = self.cleaned_data["day"]
        if day > clock.today():
            raise forms.ValidationError(_("must not be in the future"))
        if not self.campaign.starts_on <= day <= self.campaign.ends_on:
            raise forms.ValidationError(
                _("outside the campaign (%(start)s to %(end)s)")
                % {"start": self.campaign.starts_on.isoformat(), "end": self.campaign.ends_on.isoformat()}
            )
        return day

    def clean_households(self) -> Any:
        households = self.cleaned_data.get("households")
        if households is not None and households < 1:
            raise forms.ValidationError(_("must be greater than 0"))
        return households

    def clean_member_key(self) -> Member | None:
        key = self.cleaned_data["member_key"].strip().upper()
        if not key:
            return None
        found = list(
            Member.objects.visible_to(self.user)
            .filter(is_active=True)
            .filter(Q(id_number=key) | Q(phone=key))
            .select_related("village")[:2]
        )
        if not found:
            raise forms.ValidationError(_("no member of yours has this ID number or phone"))
        if len(found) > 1:
            raise forms.ValidationError(_("several members have this phone; give the resident ID number"))
        member = found[0]
        if self.campaign.distributions.filter(member=member).exists():
            raise forms.ValidationError(
                _("%(name)s is already counted in this campaign") % {"name": member.name}
            )
        return member

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        member, town, households = data.get("member_key"), data.get("town"), data.get("households")
        if member is not None:
            if households is not None and households != 1:
                self.add_error(
                    "households",
                    _("a member is one household; leave the member empty to record %(count)s households")
                    % {"count": plain(households)},
                )
            if town is not None and not member.village.path.startswith(town.path):
                self.add_error(
                    "member_key",
                    _("%(name)s lives in %(village)s, not in %(town)s")
                    % {"name": member.name, "village": member.village.full_name(), "town": town.name},
                )
        return data

    def save(self, commit: bool = True) -> CampaignDistribution:
        distribution = super().save(commit=False)
        distribution.campaign = self.campaign
        distribution.member = self.cleaned_data.get("member_key")
        if commit:
            distribution.save()
        return distribution
