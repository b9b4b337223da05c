from __future__ import annotations

from typing import Any

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.core import actions
from gongxiao.core.excel import IMPORTERS, ImportResult, error_workbook
from gongxiao.core.forms import ImportForm, TokenForm
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListPage, choice_column, field_column, xlsx_response, yes_no_filter
from gongxiao.core.models import ApiToken, ImportJob, Organization, Region, User
from gongxiao.core.navigation import visible_sections
from gongxiao.core.scope import get_visible_or_404


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/home.html", {"sections": visible_sections(request.user)})


# ---------------------------------------------------------------- organizations and regions


class OrganizationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Kind"), choices=Organization.Kind.choices)

    class Meta:
        model = Organization
        fields = ["kind"]


class OrganizationList(ListPage):
    title = gettext_lazy("Organizations")
    permission = "core.view_organization"
    filterset_class = OrganizationFilter
    default_sort = "path"
    search_placeholder = gettext_lazy("Search name, pinyin initials or code")
    columns = [
        field_column("code", gettext_lazy("Code")),
        field_column("name", gettext_lazy("Name"), link=True, width=30),
        choice_column("kind", gettext_lazy("Kind")),
        field_column("region__name", gettext_lazy("Region"), sort="region__code"),
        field_column("phone", gettext_lazy("Phone"), sort=""),
    ]

    def queryset(self) -> QuerySet:
        return Organization.objects.visible_to(self.request.user).select_related("region")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(name__icontains=text)
            | Q(code__icontains=text)
            | Q(short_name__icontains=text)
            | Q(pinyin__startswith=text.lower())
        )

    def detail_url(self, obj: Organization) -> str:
        return reverse("core:organization", args=[obj.pk])


@login_required
def organization_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("core.view_organization"):
        raise PermissionDenied
    org: Organization = get_visible_or_404(Organization.objects.all(), request.user, pk=pk)
    children = Organization.objects.get_children(org).select_related("region")
    return render(
        request,
        "core/organization_detail.html",
        {"org": org, "children": children, "history": org.history.select_related("history_user")[:50]},
    )


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=gettext_lazy("Level"), choices=Region.Level.choices)
    is_mountain = yes_no_filter(gettext_lazy("Mountain area"))

    class Meta:
        model = Region
        fields = ["level", "is_mountain"]


class RegionList(ListPage):
    title = gettext_lazy("Regions")
    permission = "core.view_region"
    filterset_class = RegionFilter
    default_sort = "code"
    search_placeholder = gettext_lazy("Search name, pinyin initials or code")
    columns = [
        field_column("code", gettext_lazy("Division code"), width=16),
        field_column("name", gettext_lazy("Name")),
        choice_column("level", gettext_lazy("Level")),
        field_column("full_name", gettext_lazy("Full name"), sort="", width=30),
        field_column("is_mountain", gettext_lazy("Mountain area"), kind="bool"),
    ]

    def queryset(self) -> QuerySet:
        return Region.objects.all()

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(name__icontains=text) | Q(code__startswith=text) | Q(pinyin__startswith=text.lower())
        )

    def detail_url(self, obj: Region) -> str:
        return ""


# ---------------------------------------------------------------- users


class UserList(ListPage):
    title = gettext_lazy("Users")
    permission = "core.view_user"
    default_sort = "username"
    search_placeholder = gettext_lazy("Search user name or name")
    columns = [
        field_column("username", gettext_lazy("User name")),
        field_column("display_name", gettext_lazy("Name"), sort="last_name"),
        field_column("organization__name", gettext_lazy("Organization"), sort="organization__path", width=24),
        field_column("role_labels", gettext_lazy("Roles"), sort="", width=24),
        field_column("is_active", gettext_lazy("Active"), kind="bool"),
        field_column("last_login", gettext_lazy("Last login"), kind="datetime"),
    ]

    def queryset(self) -> QuerySet:
        return (
            User.objects.visible_to(self.request.user)
            .select_related("organization")
            .prefetch_related("groups")
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(username__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text)
        )

    def detail_url(self, obj: User) -> str:
        return (
            reverse("admin:core_user_change", args=[obj.pk])
            if self.request.user.has_perm("core.change_user")
            else ""
        )


# ---------------------------------------------------------------- audit trail


AUDITED = {
    "member": ("members", "Member", "organization__path"),
    "union": ("members", "Union", "organization__path"),
    "organization": ("core", "Organization", "path"),
    "region": ("core", "Region", None),
    "user": ("core", "User", "organization__path"),
}


@login_required
def audit(request: AuthedRequest) -> HttpResponse:
    """Who changed what and when, on the master data the user may see."""
    if not request.user.has_perm("core.view_historicalorganization"):
        raise PermissionDenied
    from django.apps import apps
    from django.core.paginator import Paginator

    kind = request.GET.get("model", "member")
    if kind not in AUDITED:
        kind = "member"
    app_label, model_name, scope = AUDITED[kind]
    model = apps.get_model(app_label, model_name)
    records = model.history.select_related("history_user").order_by("-history_date")
    if scope and not request.user.sees_all_organizations:
        org = request.user.scope_organization
        records = records.filter(**{f"{scope}__startswith": org.path}) if org else records.none()
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    rows = []
    for record in page.object_list:
        changes = []
        if record.history_type == "~" and record.prev_record is not None:
            delta = record.diff_against(record.prev_record)
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                changes.append((field.verbose_name, change.old, change.new))
        rows.append((record, changes))
    models_choice = [(key, apps.get_model(a, m)._meta.verbose_name) for key, (a, m, _s) in AUDITED.items()]
    return render(
        request,
        "core/audit.html",
        {"rows": rows, "page_obj": page, "kind": kind, "models_choice": models_choice},
    )


# ---------------------------------------------------------------- API tokens


@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = ApiToken.issue(request.user, form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "core/tokens.html",
        {"tokens": request.user.api_tokens.order_by("-created_at"), "form": form, "new_key": new_key},
    )


@login_required
@require_POST
def revoke_token(request: AuthedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("core:tokens")


# ---------------------------------------------------------------- imports


class ImportJobList(ListPage):
    title = gettext_lazy("Imports")
    permission = "core.view_importjob"
    search_placeholder = gettext_lazy("Search file name")
    columns = [
        field_column("created_at", gettext_lazy("Time"), kind="datetime", width=18),
        field_column("filename", gettext_lazy("File name"), link=True, width=30),
        field_column("importer_label", gettext_lazy("Data"), sort="importer"),
        field_column("organization__name", gettext_lazy("Organization"), sort="organization__path"),
        field_column("created_by__username", gettext_lazy("By"), sort="created_by__username"),
        choice_column("status", gettext_lazy("Status"), kind="badge"),
        field_column("total_rows", gettext_lazy("Rows"), kind="int"),
    ]

    def queryset(self) -> QuerySet:
        return ImportJob.objects.visible_to(self.request.user).select_related("organization", "created_by")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(filename__icontains=text)

    def detail_url(self, obj: ImportJob) -> str:
        return reverse("core:import_job", args=[obj.pk])


def _importer_or_404(name: str) -> Any:
    if name not in IMPORTERS:
        raise Http404
    return IMPORTERS[name]


@login_required
def import_upload(request: AuthedRequest, name: str) -> HttpResponse:
    importer = _importer_or_404(name)
    if not request.user.has_perm(importer.permission):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        job = actions.start_import(
            request.user, form.cleaned_data["organization"], name, form.cleaned_data["file"]
        )
        return redirect("core:import_job", pk=job.pk)
    return render(request, "core/import_upload.html", {"form": form, "importer": importer, "name": name})


@login_required
def import_template(request: AuthedRequest, name: str) -> HttpResponse:
    importer_class = _importer_or_404(name)
    if not request.user.has_perm(importer_class.permission):
        raise PermissionDenied
    importer = importer_class(request.user, request.user.organization)
    return xlsx_response(importer.template(), _("%(label)s import template.xlsx") % {"label": importer.label})


def _visible_job(request: AuthedRequest, pk: int) -> ImportJob:
    job = get_visible_or_404(
        ImportJob.objects.select_related("organization", "created_by"), request.user, pk=pk
    )
    assert isinstance(job, ImportJob)
    return job


@login_required
def import_job(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    result = ImportResult(errors=job.errors)
    context = {
        "job": job,
        "error_lines": list(zip(job.errors[:200], result.error_lines()[:200], strict=False)),
    }
    if request.headers.get("HX-Request"):
        return render(request, "core/_import_status.html", context)
    return render(request, "core/import_job.html", context)


@login_required
@require_POST
def import_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    importer = IMPORTERS[job.importer]
    if not request.user.has_perm(importer.permission) or not request.user.can_manage(job.organization):
        raise PermissionDenied
    job = actions.confirm_import(job)
    if job.status == ImportJob.Status.DONE:
        messages.success(
            request,
            _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
            % {"created": job.created_count, "updated": job.updated_count, "unchanged": job.unchanged_count},
        )
    return redirect("core:import_job", pk=job.pk)


@login_required
def import_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    return xlsx_response(
        error_workbook(ImportResult(errors=job.errors)), _("import errors %(name)s") % {"name": job.filename}
    )
