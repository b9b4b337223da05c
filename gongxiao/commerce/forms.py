from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongxiao.commerce.models import Batch, Document, Location, Package, Product
from gongxiao.core.forms import ScopedModelForm


class ProductForm(ScopedModelForm):
    class Meta:
        model = Product
        fields = [
            "organization",
            "code",
            "name",
            "barcode",
            "business",
            "category",
            "specification",
            "base_unit",
            "brand",
            "manufacturer",
            "price",
            "tax_rate",
            "registration_no",
            "is_restricted",
            "is_banned",
            "shelf_life_days",
            "tracks_batches",
            "is_active",
        ]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        organization = self.cleaned_data.get("organization") or self.data.get("organization")
        clash = Product.objects.filter(organization=organization, code=code).exclude(pk=self.instance.pk)
        if organization and clash.exists():
            raise forms.ValidationError(_("Another product already has this code."))
        return code


class LocationForm(ScopedModelForm):
    class Meta:
        model = Location
        fields = ["organization", "code", "name", "kind", "warehouse", "address", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Location.objects.visible_to(self.user).filter(
            kind=Location.Kind.WAREHOUSE
        )


class DocumentHeaderForm(forms.Form):
    kind = forms.ChoiceField(label=_("document kind"), choices=Document.Kind.choices)
    location = forms.ModelChoiceField(label=_("stock location"), queryset=Location.objects.none())
    to_location = forms.ModelChoiceField(
        label=_("to location"), queryset=Location.objects.none(), required=False
    )
    channel = forms.ChoiceField(
        label=_("channel"), choices=[("", "—"), *Document.Channel.choices], required=False
    )
    partner_name = forms.CharField(label=_("partner"), max_length=100, required=False)
    partner_contact = forms.CharField(label=_("partner contact"), max_length=60, required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    # A correction of an earlier day (更正单): shown to users with commerce.correct_document; the
    # rules (a day before today, not too far back, a reason, the permission) are in the action.
    corrects_date = forms.DateField(
        label=_("corrects the day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("only for a document that should have been entered on an earlier day"),
    )
    correction_reason = forms.CharField(label=_("reason for the correction"), max_length=200, required=False)

    CORRECTION_FIELDS = ("corrects_date", "correction_reason")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may_correct = user.has_perm("commerce.correct_document")
        mine = (
            Location.objects.visible_to(user)
            .filter(is_active=True)
            .select_related("organization")
            .order_by("code")
        )
        self.fields["location"].queryset = mine
        county_root = user.organization.path[: user.organization.steplen] if user.organization else ""
        self.fields["to_location"].queryset = Location.objects.filter(
            is_active=True, organization__path__startswith=county_root
        ).order_by("code")

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.CORRECTION_FIELDS]

    def correction_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CORRECTION_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == Document.Kind.TRANSFER and not data.get("to_location"):
            self.add_error("to_location", _("a transfer needs the location it goes to"))
        return data


class DocumentLineForm(forms.Form):
    product: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("product"), queryset=Product.objects.none()
    )
    package = forms.ModelChoiceField(label=_("package unit"), queryset=Package.objects.none(), required=False)
    quantity = forms.DecimalField(
        label=_("quantity"), max_digits=16, decimal_places=3, min_value=Decimal("0")
    )
    unit_price = forms.DecimalField(
        label=_("unit price"), max_digits=16, decimal_places=4, required=False, min_value=Decimal("0")
    )
    batch = forms.ModelChoiceField(label=_("batch"), queryset=Batch.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.visible_to(user).filter(is_active=True).order_by("code")
        self.fields["product"].queryset = products
        self.fields["product"].widget.attrs["class"] = "tom-select"
        self.fields["package"].queryset = Package.objects.filter(product__in=products).select_related(
            "product"
        )
        self.fields["batch"].queryset = Batch.objects.filter(product__in=products)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)
