"""Forms of the caravan pages: vehicles, routes with their stops, trips, pre-orders, route plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.caravan.models import PreOrder, Route, RouteStop, Vehicle
from gongxiao.caravan.plates import check_plate
from gongxiao.commerce.models import Product
from gongxiao.core import clock, roles
from gongxiao.core.forms import ScopedModelForm
from gongxiao.core.models import Region, User
from gongxiao.members.models import Member
from gongxiao.network.models import Outlet

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class VillageChoiceField(forms.ModelChoiceField):
    """Villages labelled with their town (桥头镇上村), without a query per option."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Region.objects.filter(level=Region.Level.VILLAGE).order_by("path"))
        kwargs.setdefault("widget", forms.Select(attrs={"class": "tom-select"}))
        super().__init__(*args, **kwargs)
        self._towns: dict[str, str] | None = None

    def label_from_instance(self, obj: Region) -> str:
        if self._towns is None:
            self._towns = dict(Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name"))
        return self._towns.get(obj.path[: 2 * Region.steplen], "") + obj.name


class VillagesField(forms.ModelMultipleChoiceField):
    """Villages labelled with their town, without a query per option."""

    def label_from_instance(self, obj: Region) -> str:
        if not hasattr(self, "_towns"):
            self._towns = dict(Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name"))
        return self._towns.get(obj.path[: 2 * Region.steplen], "") + obj.name


class CrewField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name()}（{obj.username}）"


class VehicleForm(ScopedModelForm):
    crew = CrewField(queryset=User.objects.none(), required=False, label=gettext_lazy("crew"))

    class Meta:
        model = Vehicle
        fields = [
            "organization",
            "kind",
            "plate",
            "name",
            "capacity_kg",
            "depot",
            "crew",
            "status",
            "in_service_since",
        ]
        widgets = {"in_service_since": DATE}
        help_texts = {"plate": gettext_lazy("e.g. 浙C12345, new-energy 浙CD12345")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].label = _("operator")
        self.fields["depot"].queryset = (
            Outlet.objects.visible_to(self.user).filter(kind=Outlet.Kind.COLLECTION_CENTRE).order_by("code")
        )
        crew_group = Group.objects.filter(name=roles.TRUCK_CREW).first()
        self.fields["crew"].queryset = (
            User.objects.visible_to(self.user).filter(groups=crew_group, is_active=True).order_by("username")
        )
        self.fields["crew"].help_text = _(
            "Users with the truck-crew role; they see only this vehicle's trips."
        )
        if self.instance.pk:
            self.fields["crew"].initial = list(self.instance.crew.values_list("pk", flat=True))

    def clean_plate(self) -> str:
        plate = check_plate(self.cleaned_data.get("plate", ""))
        if Vehicle.objects.filter(plate=plate).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("another vehicle has this plate"))
        return plate


class RouteForm(ScopedModelForm):
    weekday_list = forms.TypedMultipleChoiceField(
        label=gettext_lazy("weekdays"),
        choices=Route.WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Route
        fields = [
            "organization",
            "code",
            "name",
            "kind",
            "vehicle",
            "area",
            "weekday_list",
            "runs_per_month",
            "departs_at",
            "is_active",
            "note",
        ]
        widgets = {"departs_at": TIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].label = _("operator")
        self.fields["vehicle"].queryset = Vehicle.objects.visible_to(self.user).order_by("kind", "plate")
        self.fields["weekday_list"].initial = self.instance.weekday_numbers() if self.instance.pk else [2, 5]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.instance.weekdays = ",".join(str(d) for d in data.get("weekday_list") or [])
        return data

    def _post_clean(self) -> None:
        super()._post_clean()
        if self._errors and "weekdays" in self._errors:
            self._errors["weekday_list"] = self._errors.pop("weekdays")


class RouteStopForm(forms.ModelForm):
    class Meta:
        model = RouteStop
        fields = ["village", "outlet", "minutes_from_start", "service_minutes"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"] = VillageChoiceField(required=False, label=_("village"))
        self.fields["outlet"].queryset = (
            Outlet.objects.visible_to(user).order_by("code") if user else Outlet.objects.none()
        )
        self.fields["outlet"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("DELETE"):
            return data
        if bool(data.get("village")) == bool(data.get("outlet")):
            if data.get("village") or data.get("outlet") or self.has_changed():
                raise ValidationError(_("a stop is either a village or an outlet"))
        return data


class BaseStopFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        kwargs["user"] = self.user
        return kwargs

    def save(self, commit: bool = True) -> list[Any]:
        """Stops are numbered in the order of the form, gaps closed."""
        route = self.instance
        kept = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                if form.instance.pk:
                    form.instance.delete()
                continue
            if not (form.cleaned_data.get("village") or form.cleaned_data.get("outlet")):
                continue
            kept.append(form.save(commit=False))
        RouteStop.objects.filter(route=route).exclude(pk__in=[s.pk for s in kept if s.pk]).delete()
        # renumber in two passes so that the unique (route, position) never clashes midway
        for offset, stop in enumerate(kept, start=1):
            stop.route = route
            stop.position = 1000 + offset
            stop.save()
        for offset, stop in enumerate(kept, start=1):
            stop.position = offset
            stop.save(update_fields=["position"])
        return kept


RouteStopFormSet = forms.inlineformset_factory(
    Route, RouteStop, form=RouteStopForm, formset=BaseStopFormSet, extra=3, can_delete=True
)


class TripForm(forms.Form):
    vehicle: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Vehicle.objects.none(), label=gettext_lazy("vehicle")
    )
    date = forms.DateField(label=gettext_lazy("date"), widget=DATE)
    route = forms.ModelChoiceField(
        queryset=Route.objects.none(),
        label=gettext_lazy("route"),
        required=False,
        help_text=gettext_lazy("The trip takes the route's stops."),
    )
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["vehicle"].queryset = (
            Vehicle.objects.visible_to(user).exclude(status=Vehicle.Status.RETIRED).order_by("kind", "plate")
        )
        self.fields["route"].queryset = Route.objects.visible_to(user).filter(is_active=True).order_by("code")
        self.fields["date"].initial = clock.today()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        vehicle, route = data.get("vehicle"), data.get("route")
        if vehicle is not None and not self.user.can_manage(vehicle.organization):
            self.add_error("vehicle", _("You may not plan trips for this vehicle."))
        if vehicle is not None and route is not None and route.kind != vehicle.kind:
            self.add_error("route", _("the vehicle is of another kind than the route"))
        return data


class ScheduleForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=gettext_lazy(
            "The trips of this month are made from the route's weekdays and runs a month."
        ),
    )

    def clean_month(self) -> tuple[int, int]:
        value = self.cleaned_data["month"]
        try:
            day = dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise ValidationError(_("enter a month, e.g. 2022-03")) from None
        return day.year, day.month


class PreOrderForm(ScopedModelForm):
    class Meta:
        model = PreOrder
        fields = [
            "organization",
            "village",
            "member",
            "customer_name",
            "phone",
            "product",
            "quantity",
            "channel",
            "wanted_by",
            "note",
        ]
        widgets = {"wanted_by": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"] = VillageChoiceField(label=_("village"))
        self.fields["member"].queryset = Member.objects.visible_to(self.user).order_by("pinyin")
        self.fields["member"].widget.attrs["class"] = "tom-select"
        self.fields["member"].help_text = _("When the customer is a member; the name is then filled from it.")
        self.fields["product"].queryset = (
            Product.objects.visible_to(self.user).filter(is_active=True, is_banned=False).order_by("code")
        )
        self.fields["product"].widget.attrs["class"] = "tom-select"
        self.fields["customer_name"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        member = data.get("member")
        if member is not None:
            data["customer_name"] = data.get("customer_name") or member.name
            data["phone"] = data.get("phone") or member.phone
            self.instance.customer_name = data["customer_name"]
            self.instance.phone = data["phone"]
        if not data.get("customer_name"):
            self.add_error("customer_name", _("name the customer or choose the member"))
        return data


class PlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    start_date = forms.DateField(label=gettext_lazy("first day"), widget=DATE)
    days = forms.IntegerField(label=gettext_lazy("days"), min_value=1, max_value=7, initial=1)
    vehicles: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=Vehicle.objects.none(), label=gettext_lazy("vehicles"), widget=forms.CheckboxSelectMultiple
    )
    villages = forms.ModelMultipleChoiceField(
        queryset=Region.objects.none(),
        label=gettext_lazy("villages to visit"),
        required=False,
        help_text=gettext_lazy("Villages with open pre-orders are added as must-visit stops."),
    )
    shift_start = forms.TimeField(label=gettext_lazy("shift starts"), initial=dt.time(8, 0), widget=TIME)
    shift_end = forms.TimeField(label=gettext_lazy("shift ends"), initial=dt.time(17, 0), widget=TIME)
    service_minutes = forms.IntegerField(
        label=gettext_lazy("minutes at each stop"), min_value=1, max_value=240, initial=30
    )
    road_factor = forms.DecimalField(
        label=gettext_lazy("road factor"),
        min_value=1,
        max_value=3,
        decimal_places=2,
        initial="1.4",
        help_text=gettext_lazy("Road distance = great-circle distance × this factor (mountain roads: 1.4)."),
    )
    speed_kmh = forms.IntegerField(
        label=gettext_lazy("average speed (km/h)"), min_value=5, max_value=90, initial=30
    )
    time_limit = forms.IntegerField(
        label=gettext_lazy("time limit (seconds)"), min_value=1, max_value=600, initial=10
    )
    distance_file = forms.FileField(
        label=gettext_lazy("distance matrix (.xlsx, optional)"),
        required=False,
        help_text=gettext_lazy(
            "First row and first column: the depots' and villages' names or codes; cells: road km."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["vehicles"].queryset = (
            Vehicle.objects.visible_to(user)
            .filter(status=Vehicle.Status.IN_SERVICE)
            .order_by("kind", "plate")
        )
        self.fields["villages"] = VillagesField(
            queryset=Region.objects.filter(level=Region.Level.VILLAGE).order_by("path"),
            label=_("villages to visit"),
            required=False,
            widget=forms.SelectMultiple(attrs={"class": "tom-select"}),
            help_text=_(
                "Optional stops, worth a visit by their member households; villages with open pre-orders "
                "are added as must-visit stops."
            ),
        )
        self.fields["start_date"].initial = clock.today() + dt.timedelta(days=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        vehicles = list(data.get("vehicles") or [])
        if vehicles:
            if len({v.organization_id for v in vehicles}) > 1:
                self.add_error("vehicles", _("plan the trucks of one operator at a time"))
            elif not self.user.can_manage(vehicles[0].organization):
                self.add_error("vehicles", _("You may not plan trips for this vehicle."))
        start, end = data.get("shift_start"), data.get("shift_end")
        if start and end and end <= start:
            self.add_error("shift_end", _("the shift ends after it starts"))
        return data
