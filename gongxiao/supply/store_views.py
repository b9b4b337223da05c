"""Pages for the chain stores' master data: five-unification assessments (with a photo) and pesticide licences.

Both belong to a store (`Outlet`) and are scoped through the store's operator: a base coop's clerk sees and
writes their coop's stores only; the county office sees the county.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.core import clock, files
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, field_column
from gongxiao.core.scope import get_visible_or_404
from gongxiao.network.models import Outlet
from gongxiao.supply.models import UNIFICATIONS, PesticideLicence, UnificationAssessment

ASSESSMENTS = (gettext_lazy("Five-unification assessments"), "supply:assessments")
LICENCES = (gettext_lazy("Pesticide business licences"), "supply:licences")

STORE_KINDS = (Outlet.Kind.CHAIN_STORE, Outlet.Kind.DIRECT_STORE)
# 《农药经营许可证管理办法》: a licence lasts five years (domain-rules.md).
LICENCE_YEARS = 5
PHOTO_MAX_MB = files.PHOTO_MAX_MB
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _edit_store_record(
    request: AuthedRequest,
    form_class: Any,
    *,
    instance: Any,
    permission: str,
    title: Any,
    breadcrumbs: list[tuple[Any, str]],
    success: Callable[[Any], str],
    initial: dict[str, Any] | None = None,
) -> HttpResponse:
    """core.editing.edit_object for rows owned through their store: the user must manage the store's operator."""
    user = request.user
    if not user.has_perm(permission):
        raise PermissionDenied
    if instance is not None and not user.can_manage(instance.outlet.organization):
        raise PermissionDenied
    posted = request.method == "POST"
    form = form_class(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=instance,
        user=user,
        initial=initial,
    )
    if posted and form.is_valid():
        if not user.can_manage(form.instance.outlet.organization):
            raise PermissionDenied
        with transaction.atomic():
            obj = form.save()
        messages.success(request, _("Saved “%(name)s”.") % {"name": obj})
        return redirect(success(obj))
    return render(
        request,
        "core/form.html",
        {"form": form, "title": title, "breadcrumbs": breadcrumbs, "object": instance},
    )


def _initial_outlet(request: AuthedRequest) -> Outlet | None:
    outlet_id = request.GET.get("outlet", "")
    if not outlet_id.isdigit():
        return None
    return Outlet.objects.visible_to(request.user).filter(pk=outlet_id).first()


CHECKED = mark_safe('<span class="text-success fw-bold">✓</span>')
UNCHECKED = mark_safe('<span class="text-danger fw-bold">✗</span>')


def _check(value: bool) -> str:
    return CHECKED if value else UNCHECKED


class StoreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Outlet) -> str:
        return f"{obj.code} {obj.name}"


# ---------------------------------------------------------------- five-unification assessments


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = UnificationAssessment
        fields = ["outlet", "assessed_on", "assessed_by", *UNIFICATIONS, "note", "photo"]
        widgets = {"assessed_on": DATE_WIDGET}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["outlet"] = StoreChoiceField(
            label=_("store"),
            queryset=Outlet.objects.visible_to(user).filter(kind=Outlet.Kind.CHAIN_STORE).order_by("code"),
            widget=forms.Select(attrs={"class": "tom-select"}),
        )
        if not self.instance.pk:
            self.fields["assessed_on"].initial = clock.today()
        self.fields["photo"].widget = files.photo_widget()
        self.fields["photo"].help_text = files.photo_help(
            reverse("supply:assessment_photo", args=[self.instance.pk])
            if self.instance.pk and self.instance.photo
            else None,
            PHOTO_MAX_MB,
        )

    def clean_assessed_on(self) -> dt.date:
        day = self.cleaned_data["assessed_on"]
        if day > clock.today():
            raise forms.ValidationError(_("The assessment date cannot be in the future."))
        return day

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if not upload or upload == self.instance.photo:
            return upload  # nothing new uploaded
        return files.check_photo(upload, PHOTO_MAX_MB)

    def save(self, commit: bool = True) -> UnificationAssessment:
        replaced = self.initial.get("photo") if "photo" in self.changed_data else None
        assessment: UnificationAssessment = super().save(commit=commit)
        if replaced:
            storage, name = replaced.storage, replaced.name
            # The old file goes only once the new row is committed.
            transaction.on_commit(lambda: storage.delete(name))
        return assessment


def _met(assessment: UnificationAssessment) -> str:
    return f"{assessment.met}/{len(UNIFICATIONS)}"


def _met_count() -> Any:
    total: Any = Value(0)
    for name in UNIFICATIONS:
        total = total + Case(
            When(**{name: True}, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    return total


def _chain_stores(request) -> QuerySet:  # type: ignore[no-untyped-def]
    if request is None:
        return Outlet.objects.none()
    return Outlet.objects.visible_to(request.user).filter(kind=Outlet.Kind.CHAIN_STORE).order_by("code")


class AssessmentFilter(django_filters.FilterSet):
    outlet = django_filters.ModelChoiceFilter(label=gettext_lazy("store"), queryset=_chain_stores)
    meets_all = django_filters.ChoiceFilter(
        label=gettext_lazy("Meets all five"),
        choices=[("true", gettext_lazy("yes")), ("false", gettext_lazy("no"))],
        method="filter_meets_all",
    )
    has_photo = django_filters.ChoiceFilter(
        label=gettext_lazy("With photo"),
        choices=[("true", gettext_lazy("yes")), ("false", gettext_lazy("no"))],
        method="filter_has_photo",
    )
    date_from = django_filters.DateFilter(
        label=gettext_lazy("from"), field_name="assessed_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("to"), field_name="assessed_on", lookup_expr="lte", widget=DATE_WIDGET
    )

    def filter_meets_all(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        five = queryset.filter(met_count=len(UNIFICATIONS))
        return five if value == "true" else queryset.exclude(pk__in=five.values("pk"))

    def filter_has_photo(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.exclude(photo="") if value == "true" else queryset.filter(photo="")


def _unification_label(name: str) -> Any:
    return UnificationAssessment._meta.get_field(name).verbose_name  # type: ignore[union-attr]


def _unification_column(name: str) -> ListColumn:
    return ListColumn(
        _unification_label(name),
        lambda a: _check(getattr(a, name)),
        sort=name,
        width=10,
        export_value=lambda a: "✓" if getattr(a, name) else "✗",
    )


class AssessmentList(ListPage):
    title = gettext_lazy("Five-unification assessments")
    permission = "supply.view_unificationassessment"
    create_permission = "supply.add_unificationassessment"
    create_url = "supply:assessment_create"
    filterset_class = AssessmentFilter
    default_sort = "-assessed_on"
    search_placeholder = gettext_lazy("Store name or code, assessor, note")
    empty_text = gettext_lazy("No assessments yet. Record the first visit to a chain store with 新建.")
    breadcrumbs = []
    columns = [
        field_column("outlet__name", gettext_lazy("store"), sort="outlet__code", link=True, width=28),
        field_column("assessed_on", gettext_lazy("assessed on"), kind="date"),
        field_column("assessed_by", gettext_lazy("assessed by"), width=18),
        *[_unification_column(name) for name in UNIFICATIONS],
        ListColumn(gettext_lazy("met"), _met, sort="met_count", width=8),
        ListColumn(
            gettext_lazy("photo"),
            lambda a: _check(True) if a.photo else "",
            export_value=lambda a: "✓" if a.photo else "",
            width=8,
        ),
        field_column("note", gettext_lazy("note"), sort="", width=30),
        field_column(
            "outlet__organization__name",
            gettext_lazy("operator"),
            sort="outlet__organization__path",
            width=20,
        ),
    ]

    def queryset(self) -> QuerySet:
        return (
            UnificationAssessment.objects.visible_to(self.request.user)
            .select_related("outlet", "outlet__organization")
            .annotate(met_count=_met_count())
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(outlet__name__icontains=text)
            | Q(outlet__code__icontains=text)
            | Q(assessed_by__icontains=text)
            | Q(note__icontains=text)
        )

    def detail_url(self, obj: UnificationAssessment) -> str:
        return reverse("supply:assessment", args=[obj.pk])


@login_required
def assessment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    if not user.has_perm("supply.view_unificationassessment"):
        raise PermissionDenied
    assessment = get_visible_or_404(
        UnificationAssessment.objects.select_related("outlet", "outlet__organization", "outlet__region"),
        user,
        pk=pk,
    )
    return render(
        request,
        "supply/stores/assessment_detail.html",
        {
            "assessment": assessment,
            "title": str(assessment),
            "breadcrumbs": [ASSESSMENTS],
            "checks": [(_unification_label(name), getattr(assessment, name)) for name in UNIFICATIONS],
            "total": len(UNIFICATIONS),
            "can_edit": user.has_perm("supply.change_unificationassessment")
            and user.can_manage(assessment.outlet.organization),
            "others": assessment.outlet.assessments.exclude(pk=assessment.pk)[:20],  # type: ignore[attr-defined]
        },
    )


@login_required
def assessment_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    assessment = (
        get_visible_or_404(UnificationAssessment.objects.select_related("outlet"), request.user, pk=pk)
        if pk
        else None
    )
    outlet = None if assessment else _initial_outlet(request)
    return _edit_store_record(
        request,
        AssessmentForm,
        instance=assessment,
        permission="supply.change_unificationassessment"
        if assessment
        else "supply.add_unificationassessment",
        title=_("Edit assessment") if assessment else _("New five-unification assessment"),
        breadcrumbs=[ASSESSMENTS],
        success=lambda obj: reverse("supply:assessment", args=[obj.pk]),
        initial={"outlet": outlet, "assessed_by": request.user.display_name()} if not assessment else None,
    )


@login_required
def assessment_photo(request: AuthedRequest, pk: int) -> FileResponse:
    """The photo, to those who may see the assessment; MEDIA_ROOT itself is never served."""
    if not request.user.has_perm("supply.view_unificationassessment"):
        raise Http404
    assessment = get_visible_or_404(UnificationAssessment.objects.all(), request.user, pk=pk)
    return files.serve_private_file(assessment.photo)


# ---------------------------------------------------------------- pesticide business licences


class LicenceStatus(models.TextChoices):
    VALID = "valid", gettext_lazy("valid")
    EXPIRING = "expiring", gettext_lazy("expiring soon")
    EXPIRED = "expired", gettext_lazy("expired")
    PENDING = "pending", gettext_lazy("not yet valid")
    NONE = "none", gettext_lazy("no licence")


URGENCY = [
    LicenceStatus.NONE,
    LicenceStatus.EXPIRED,
    LicenceStatus.EXPIRING,
    LicenceStatus.PENDING,
    LicenceStatus.VALID,
]
STATUS_BADGES = {
    LicenceStatus.VALID: "text-bg-success",
    LicenceStatus.EXPIRING: "text-bg-warning",
    LicenceStatus.EXPIRED: "text-bg-danger",
    LicenceStatus.PENDING: "text-bg-info",
    LicenceStatus.NONE: "text-bg-danger",
}


def licence_status(valid_from: dt.date | None, valid_to: dt.date | None, today: dt.date) -> str:
    """The same words as the chain-stores page: expired, n days left within the warning days, valid."""
    if valid_to is None or valid_from is None:
        return LicenceStatus.NONE
    if valid_to < today:
        return LicenceStatus.EXPIRED
    if valid_from > today:
        return LicenceStatus.PENDING
    if (valid_to - today).days <= settings.LICENCE_WARNING_DAYS:
        return LicenceStatus.EXPIRING
    return LicenceStatus.VALID


def status_label(status: str, days_left: int | None) -> str:
    if status == LicenceStatus.EXPIRING and days_left is not None:
        return _("%(d)s days left") % {"d": days_left}
    return str(LicenceStatus(status).label)


def status_badge(status: str, days_left: int | None) -> str:
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        STATUS_BADGES[LicenceStatus(status)],
        status,
        status_label(status, days_left),
    )


def licence_rows(licences: list[PesticideLicence]) -> list[dict[str, Any]]:
    """Licences with their status for a template: newest first as given."""
    today = clock.today()
    rows = []
    for licence in licences:
        status = licence_status(licence.valid_from, licence.valid_to, today)
        days = licence.days_left(today)
        rows.append({"licence": licence, "status": status, "badge": status_badge(status, days)})
    return rows


class LicenceForm(forms.ModelForm):
    class Meta:
        model = PesticideLicence
        fields = ["outlet", "number", "covers_restricted", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE_WIDGET, "valid_to": DATE_WIDGET}
        error_messages = {"number": {"required": gettext_lazy("Enter the licence number as printed on it.")}}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"] = StoreChoiceField(
            label=_("store"),
            queryset=Outlet.objects.visible_to(user)
            .filter(Q(kind__in=STORE_KINDS) | Q(location__isnull=False))
            .order_by("code"),
            widget=forms.Select(attrs={"class": "tom-select"}),
            disabled=bool(self.instance.pk),
        )
        self.fields["valid_to"].help_text = _(
            "A pesticide business licence is valid for at most %(years)s years."
        ) % {"years": LICENCE_YEARS}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end >= start:
            last = _add_years(start, LICENCE_YEARS) - dt.timedelta(days=1)
            if end > last:
                self.add_error(
                    "valid_to",
                    _(
                        "A pesticide business licence is valid for at most %(years)s years: from %(start)s it ends on %(last)s at the latest."
                    )
                    % {"years": LICENCE_YEARS, "start": start.isoformat(), "last": last.isoformat()},
                )
        return data


def _licence_queryset(user: Any) -> QuerySet:
    """Stores (chain and direct stores, and outlets that hold a licence) with their newest licence."""
    newest = PesticideLicence.objects.filter(outlet=OuterRef("pk")).order_by("-valid_to", "-pk")
    today = clock.today()
    warn_until = today + dt.timedelta(days=settings.LICENCE_WARNING_DAYS)
    return (
        Outlet.objects.visible_to(user)
        .filter(Q(kind__in=STORE_KINDS) | Exists(PesticideLicence.objects.filter(outlet=OuterRef("pk"))))
        .select_related("organization", "region")
        .annotate(
            licence_id=Subquery(newest.values("pk")[:1]),
            licence_number=Subquery(newest.values("number")[:1]),
            licence_restricted=Subquery(newest.values("covers_restricted")[:1]),
            licence_from=Subquery(newest.values("valid_from")[:1]),
            licence_to=Subquery(newest.values("valid_to")[:1]),
        )
        .annotate(
            licence_status=Case(
                When(licence_to__isnull=True, then=Value(LicenceStatus.NONE.value)),
                When(licence_to__lt=today, then=Value(LicenceStatus.EXPIRED.value)),
                When(licence_from__gt=today, then=Value(LicenceStatus.PENDING.value)),
                When(licence_to__lte=warn_until, then=Value(LicenceStatus.EXPIRING.value)),
                default=Value(LicenceStatus.VALID.value),
                output_field=models.CharField(),
            )
        )
        .annotate(
            # what needs doing first comes first: no licence, expired, expiring, not yet valid, valid
            status_rank=Case(
                *[When(licence_status=status.value, then=Value(rank)) for rank, status in enumerate(URGENCY)],
                output_field=IntegerField(),
            )
        )
    )


def _days_left(outlet: Any) -> int | None:
    if outlet.licence_to is None or outlet.licence_status == LicenceStatus.EXPIRED:
        return None
    return (outlet.licence_to - clock.today()).days


class LicenceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("licence status"), choices=LicenceStatus.choices, field_name="licence_status"
    )
    restricted = django_filters.ChoiceFilter(
        label=gettext_lazy("covers restricted-use pesticides"),
        choices=[("true", gettext_lazy("yes")), ("false", gettext_lazy("no"))],
        method="filter_restricted",
    )
    kind = django_filters.ChoiceFilter(label=gettext_lazy("outlet kind"), choices=Outlet.Kind.choices)

    def filter_restricted(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(licence_restricted=value == "true")


class LicenceList(ListPage):
    """One row per store: its newest licence (a renewal is a new licence) and whether it still covers today."""

    title = gettext_lazy("Pesticide business licences")
    permission = "supply.view_pesticidelicence"
    create_permission = "supply.add_pesticidelicence"
    create_url = "supply:licence_create"
    filterset_class = LicenceFilter
    default_sort = "status_rank"
    search_placeholder = gettext_lazy("Store name or code, licence number")
    empty_text = gettext_lazy("No stores match.")
    columns = [
        field_column("code", gettext_lazy("outlet code")),
        field_column("name", gettext_lazy("store"), link=True, width=28),
        field_column("licence_number", gettext_lazy("licence number"), width=26),
        ListColumn(
            gettext_lazy("covers restricted-use pesticides"),
            lambda o: "" if o.licence_id is None else (_("yes") if o.licence_restricted else _("no")),
            sort="licence_restricted",
            width=10,
        ),
        field_column("licence_from", gettext_lazy("valid from"), kind="date"),
        field_column("licence_to", gettext_lazy("valid to"), kind="date"),
        ListColumn(
            gettext_lazy("licence status"),
            lambda o: status_badge(o.licence_status, _days_left(o)),
            sort="status_rank",
            export_value=lambda o: status_label(o.licence_status, _days_left(o)),
            width=14,
        ),
        ListColumn(gettext_lazy("days left"), _days_left, kind="int", width=9),
        field_column("organization__name", gettext_lazy("operator"), sort="organization__path", width=20),
    ]

    def queryset(self) -> QuerySet:
        return _licence_queryset(self.request.user)

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(name__icontains=text)
            | Q(code__icontains=text)
            | Exists(PesticideLicence.objects.filter(outlet=OuterRef("pk"), number__icontains=text))
        )

    def detail_url(self, obj: Any) -> str:
        if obj.licence_id is None:
            return reverse("network:outlet", args=[obj.pk])
        return reverse("supply:licence", args=[obj.licence_id])


@login_required
def licence_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    if not user.has_perm("supply.view_pesticidelicence"):
        raise PermissionDenied
    licence = get_visible_or_404(
        PesticideLicence.objects.select_related("outlet", "outlet__organization"), user, pk=pk
    )
    today = clock.today()
    status = licence_status(licence.valid_from, licence.valid_to, today)
    manages = user.can_manage(licence.outlet.organization)
    return render(
        request,
        "supply/stores/licence_detail.html",
        {
            "licence": licence,
            "title": licence.number,
            "breadcrumbs": [LICENCES],
            "badge": status_badge(status, licence.days_left(today)),
            "can_edit": user.has_perm("supply.change_pesticidelicence") and manages,
            "can_renew": user.has_perm("supply.add_pesticidelicence") and manages,
            "others": licence_rows(
                list(licence.outlet.licences.exclude(pk=licence.pk).order_by("-valid_to", "-pk"))  # type: ignore[attr-defined]
            ),
            "history": licence.history.select_related("history_user")[:50],  # type: ignore[attr-defined]
        },
    )


@login_required
def licence_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    licence = (
        get_visible_or_404(PesticideLicence.objects.select_related("outlet"), request.user, pk=pk)
        if pk
        else None
    )
    initial: dict[str, Any] | None = None
    if licence is None:
        initial = {"outlet": _initial_outlet(request)}
        renews_id = request.GET.get("renews", "")
        renews = (
            PesticideLicence.objects.visible_to(request.user).filter(pk=renews_id).first()
            if renews_id.isdigit()
            else None
        )
        if renews is not None:
            start = renews.valid_to + dt.timedelta(days=1)
            initial = {
                "outlet": renews.outlet,
                "number": renews.number,
                "covers_restricted": renews.covers_restricted,
                "valid_from": start,
                "valid_to": _add_years(start, LICENCE_YEARS) - dt.timedelta(days=1),
            }
    return _edit_store_record(
        request,
        LicenceForm,
        instance=licence,
        permission="supply.change_pesticidelicence" if licence else "supply.add_pesticidelicence",
        title=_("Edit pesticide business licence") if licence else _("New pesticide business licence"),
        breadcrumbs=[LICENCES],
        success=lambda obj: reverse("supply:licence", args=[obj.pk]),
        initial=initial,
    )
