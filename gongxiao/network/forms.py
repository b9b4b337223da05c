from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongxiao.commerce.models import Location
from gongxiao.core import files
from gongxiao.core.forms import ScopedModelForm
from gongxiao.core.models import Region
from gongxiao.network.models import Outlet, OutletPhoto, Service, store_location

STORE_KINDS = (Outlet.Kind.CHAIN_STORE, Outlet.Kind.DIRECT_STORE)


class TownLabels:
    """Labels a village with its town ("桥头镇上村") without a query per option."""

    _towns: dict[str, str] | None = None

    def label_from_instance(self, obj: Region) -> str:
        if obj.level != Region.Level.VILLAGE:
            return obj.name
        if self._towns is None:
            self._towns = dict(Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name"))
        return self._towns.get(obj.path[: 2 * Region.steplen], "") + obj.name


class RegionChoiceField(TownLabels, forms.ModelChoiceField):
    """Towns and villages, a village labelled with its town."""


class VillagesField(TownLabels, forms.ModelMultipleChoiceField):
    """Villages, each labelled with its town."""


class OutletForm(ScopedModelForm):
    service_list = forms.MultipleChoiceField(
        label=_("services offered"),
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    create_location = forms.BooleanField(
        label=_("Create the store's stock location when none is chosen"),
        required=False,
        initial=True,
        help_text=_(
            "A store sells from its own stock location; it gets the outlet's code, name and operator."
        ),
    )

    class Meta:
        model = Outlet
        fields = [
            "organization",
            "code",
            "name",
            "kind",
            "status",
            "region",
            "address",
            "longitude",
            "latitude",
            "opened_year",
            "renovated_year",
            "grade",
            "grade_status",
            "declared_year",
            "hub",
            "villages",
            "service_list",
            "location",
            "create_location",
        ]

    field_order = Meta.fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_location: Location | None = None
        self.creates_location = False
        self.location_problem: str | None = None
        self.fields["organization"].label = _("operator")
        self.fields["region"] = RegionChoiceField(
            queryset=Region.objects.filter(level__in=[Region.Level.TOWN, Region.Level.VILLAGE]).order_by(
                "path"
            ),
            label=_("town or village"),
            initial=self.instance.region_id if self.instance.pk else None,
            widget=forms.Select(attrs={"class": "tom-select"}),
        )
        outlets = Outlet.objects.visible_to(self.user).order_by("code")
        self.fields["hub"].queryset = outlets.exclude(pk=self.instance.pk) if self.instance.pk else outlets
        self.fields["location"].queryset = (
            Location.objects.visible_to(self.user)
            .filter(is_active=True)
            .filter(Q(outlet__isnull=True) | Q(pk=self.instance.location_id))
            .order_by("code")
        )
        self.fields["location"].help_text = _("Stores need one; leave it empty to create it with the outlet.")
        self.fields["villages"] = VillagesField(
            queryset=Region.objects.filter(level=Region.Level.VILLAGE).order_by("path"),
            label=_("villages served"),
            required=False,
            help_text=_(
                "The villages this outlet serves besides its own; they count as covered while it operates."
            ),
        )
        self.fields["service_list"].initial = self.instance.service_list()
        self.fields["grade"].help_text = _("Farm service centres only.")
        self.fields["declared_year"].help_text = _(
            "The year the grade was declared to the province, city or county."
        )
        if self.instance.pk and self.instance.location_id:
            self.fields["create_location"].initial = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.instance.services = ",".join(data.get("service_list") or [])
        organization, location = data.get("organization"), data.get("location")
        # Problems with the location are reported in _post_clean, in place of Outlet.clean's shorter message.
        self.location_problem = None
        if (
            location is not None
            and organization is not None
            and not organization.contains(location.organization)
        ):
            self.location_problem = _(
                "This stock location belongs to %(owner)s, not to the operator or its units."
            ) % {"owner": location.organization}
        self.creates_location = bool(
            data.get("kind") in STORE_KINDS
            and "location" in data
            and location is None
            and data.get("create_location")
        )
        if self.creates_location and organization is not None and data.get("code"):
            if Location.objects.filter(code=data["code"]).exists():
                self.location_problem = _(
                    "A stock location with the code %(code)s already exists: choose it, or give the outlet another code."
                ) % {"code": data["code"]}
            else:
                self.new_location = store_location(
                    organization, data["code"], data.get("name", ""), data.get("address", "")
                )
        self.instance.location_pending = self.creates_location
        return data

    def _post_clean(self) -> None:
        super()._post_clean()
        if self._errors is None or not (self.creates_location or self.location_problem):
            return
        # Outlet.clean asks a store for its stock location: this form creates it on save, or says
        # more precisely why it cannot.
        self._errors.pop("location", None)
        if self.location_problem:
            self.add_error("location", self.location_problem)

    def save(self, commit: bool = True) -> Outlet:
        outlet: Outlet = super().save(commit=False)
        save_m2m = self.save_m2m

        def after_outlet_saved() -> None:
            """Runs inside edit_object's transaction, right after the outlet's own row is written."""
            save_m2m()
            if self.new_location is not None:
                self.new_location.save()
                outlet.location = self.new_location
                outlet.save(update_fields=["location"])

        if commit:
            outlet.save()
            after_outlet_saved()
        else:
            self.save_m2m = after_outlet_saved  # type: ignore[method-assign]
        return outlet


class OutletPhotoForm(forms.ModelForm):
    class Meta:
        model = OutletPhoto
        fields = ["photo", "caption", "taken_on"]
        widgets = {"taken_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["photo"].widget = files.photo_widget()
        self.fields["photo"].help_text = files.photo_help()

    def clean_photo(self) -> Any:
        return files.check_photo(self.cleaned_data["photo"])
