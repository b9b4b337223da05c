"""Forms of the fertilizer reserve pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.commerce.models import FERTILIZERS, Document, Location, Product
from gongxiao.core import clock
from gongxiao.core.files import check_photo
from gongxiao.core.forms import ScopedModelForm, organization_field
from gongxiao.supply.models import (
    ReserveHolder,
    ReserveHolderPartner,
    ReserveInspection,
    ReservePlan,
    ReserveQuota,
    ReserveRelease,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _transfer_label(document: Document) -> str:
    return (
        f"{document.number} {document.date:%Y-%m-%d} {document.location.name} → {document.to_location or ''}"
    )


def fertilizers(user: Any) -> Any:
    return Product.objects.visible_to(user).filter(category__in=FERTILIZERS, is_active=True).order_by("code")


class ReservePlanForm(ScopedModelForm):
    class Meta:
        model = ReservePlan
        fields = [
            "organization",
            "year",
            "name",
            "kind",
            "total_quota",
            "period_start",
            "products",
            "min_ratio_any_day",
            "min_ratio_average",
            "refill_working_days",
            "subsidy_formula",
            "subsidy_per_tonne_month",
            "subsidy_interest_rate",
            "withhold_on_failure",
            "note",
        ]
        widgets = {"period_start": DATE, "products": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = fertilizers(self.user)
        if self.instance.pk and self.instance.period_start:
            self.fields["period_start"].disabled = True


class ReserveHolderForm(forms.ModelForm):
    class Meta:
        model = ReserveHolder
        fields = [
            "code",
            "name",
            "stock_organization",
            "tender_date",
            "tender_result",
            "tender_document",
            "contact",
            "phone",
        ]
        widgets = {"tender_date": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock_organization"] = organization_field(
            user, required=False, label=ReserveHolder._meta.get_field("stock_organization").verbose_name
        )
        self.fields["stock_organization"].help_text = ReserveHolder._meta.get_field(
            "stock_organization"
        ).help_text


class PartnerForm(forms.ModelForm):
    class Meta:
        model = ReserveHolderPartner
        fields = ["name", "credit_code", "is_lead"]


class BasePartnerFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        leads = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("is_lead")
        ]
        if len(leads) > 1:
            raise forms.ValidationError(_("A consortium has one lead partner."))


PartnerFormSet = forms.inlineformset_factory(
    ReserveHolder,
    ReserveHolderPartner,
    form=PartnerForm,
    formset=BasePartnerFormSet,
    extra=3,
    can_delete=True,
)


class ReserveQuotaForm(forms.ModelForm):
    class Meta:
        model = ReserveQuota
        fields = ["product", "quantity", "zone", "warehouse", "zone_name", "unit_value"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = self.instance.holder.plan
        products = plan.products.all() if plan.products.exists() else fertilizers(user)
        self.fields["product"].queryset = products.order_by("code")
        self.fields["zone"].queryset = Location.objects.visible_to(user).filter(
            kind=Location.Kind.RESERVE_ZONE
        )


class ReserveReleaseForm(forms.ModelForm):
    class Meta:
        model = ReserveRelease
        fields = [
            "product",
            "quantity",
            "order_number",
            "approved_by",
            "approved_on",
            "released_on",
            "destinations",
            "refill_working_days",
            "document",
        ]
        widgets = {"approved_on": DATE, "released_on": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        holder = self.instance.holder
        self.fields["product"].queryset = Product.objects.filter(
            pk__in=holder.quotas.values("product")
        ).order_by("code")
        if holder.reports_monthly:
            del self.fields["document"]  # an outside enterprise's stock is not in the ledger
        else:
            field = self.fields["document"]
            field.queryset = (
                holder.unordered_transfers().visible_to(user)
                if not self.instance.pk
                else Document.objects.filter(pk=self.instance.document_id)
            )
            field.label_from_instance = _transfer_label  # type: ignore[attr-defined]
            field.help_text = _(
                "the transfer out of the reserve zone; left empty, the one matching transfer is named"
            )


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason for cancelling"), max_length=200)


class ReserveInspectionForm(forms.ModelForm):
    class Meta:
        model = ReserveInspection
        fields = [
            "inspected_on",
            "inspectors",
            "counted",
            "quantity_ok",
            "books_ok",
            "signage_ok",
            "zoning_ok",
            "photo",
            "findings",
        ]
        widgets = {"inspected_on": DATE, "findings": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean_inspected_on(self) -> dt.date:
        day = self.cleaned_data["inspected_on"]
        if day > clock.today():
            raise forms.ValidationError(_("must not be in the future"))
        return day

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if photo and hasattr(photo, "size") and not getattr(photo, "_committed", False):
            return check_photo(photo)
        return photo


class ReportForm(forms.Form):
    month = forms.TypedChoiceField(label=gettext_lazy("month"), coerce=dt.date.fromisoformat)
    submitted_on = forms.DateField(label=gettext_lazy("submitted on"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)

    def __init__(self, *args: Any, holder: ReserveHolder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(m.isoformat(), f"{m:%Y-%m}") for m in holder.plan.months]
        self.fields["submitted_on"].initial = clock.today()


class ReportLineForm(forms.Form):
    product: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("product"), queryset=Product.objects.none()
    )
    day = forms.DateField(label=gettext_lazy("date"), widget=DATE)
    received = forms.DecimalField(
        label=gettext_lazy("purchased (t)"), min_value=0, decimal_places=3, initial=0
    )
    issued = forms.DecimalField(
        label=gettext_lazy("sold or issued (t)"), min_value=0, decimal_places=3, initial=0
    )
    stock = forms.DecimalField(label=gettext_lazy("stock after the day (t)"), min_value=0, decimal_places=3)
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)

    def __init__(self, *args: Any, holder: ReserveHolder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            pk__in=holder.quotas.values("product")
        ).order_by("code")


ReportLineFormSet = forms.formset_factory(ReportLineForm, extra=6)
