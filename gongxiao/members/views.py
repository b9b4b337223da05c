from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.core.editing import edit_object
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, choice_column, field_column
from gongxiao.core.scope import get_visible_or_404
from gongxiao.members.filters import MemberFilter, UnionFilter
from gongxiao.members.forms import MemberForm, UnionForm, UnionMembershipForm
from gongxiao.members.models import Member, Union, UnionMembership

MEMBERS = (gettext_lazy("Members"), "members:list")
UNIONS = (gettext_lazy("Unions"), "members:unions")


class MemberList(ListPage):
    title = gettext_lazy("Members")
    permission = "members.view_member"
    create_permission = "members.add_member"
    create_url = "members:create"
    import_name = "members"
    filterset_class = MemberFilter
    default_sort = "-id"
    search_placeholder = gettext_lazy("Name, pinyin initials, ID or phone")
    empty_text = gettext_lazy("No members match. Add one, or import them from Excel.")
    columns = [
        field_column("name", gettext_lazy("Member name"), link=True, width=18),
        choice_column("kind", gettext_lazy("Member kind")),
        ListColumn(
            gettext_lazy("ID number"),
            Member.masked_id_number,
            sort="id_number",
            width=22,
            export_value=lambda m: m.id_number,
        ),
        field_column("phone", gettext_lazy("Phone")),
        ListColumn(gettext_lazy("Village"), Member.village_label, sort="village__code", width=24),
        ListColumn(gettext_lazy("Industries"), lambda m: m.industry_labels(), width=18),
        field_column("land_area_mu", gettext_lazy("Land area (mu)"), kind="decimal", width=12),
        field_column("organization__name", gettext_lazy("Organization"), sort="organization__path", width=20),
        field_column("joined_on", gettext_lazy("Joined on"), kind="date"),
    ]

    def queryset(self) -> QuerySet:
        return (
            Member.objects.visible_to(self.request.user).with_town().select_related("village", "organization")
        )

    def detail_url(self, obj: Member) -> str:
        return reverse("members:detail", args=[obj.pk])


@login_required
def member_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("members.view_member"):
        raise PermissionDenied
    member = get_visible_or_404(Member.objects.select_related("village", "organization"), request.user, pk=pk)
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "can_edit": request.user.has_perm("members.change_member")
            and request.user.can_manage(member.organization),
            "unions": member.unionmembership_set.select_related("union"),
            "history": member.history.select_related("history_user")[:50],
        },
    )


@login_required
def member_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    member = get_visible_or_404(Member.objects, request.user, pk=pk) if pk else None
    return edit_object(
        request,
        MemberForm,
        instance=member,
        permission="members.change_member" if member else "members.add_member",
        title=_("Edit member") if member else _("New member"),
        breadcrumbs=[MEMBERS],
        success=lambda obj: reverse("members:detail", args=[obj.pk]),
    )


class UnionList(ListPage):
    title = gettext_lazy("Unions")
    permission = "members.view_union"
    create_permission = "members.add_union"
    create_url = "members:union_create"
    filterset_class = UnionFilter
    default_sort = "name"
    search_placeholder = gettext_lazy("Search name")
    columns = [
        field_column("name", gettext_lazy("Name"), link=True, width=24),
        choice_column("kind", gettext_lazy("Union kind")),
        field_column("town__name", gettext_lazy("Town"), sort="town__code"),
        choice_column("industry", gettext_lazy("Industry")),
        field_column("member_count", gettext_lazy("Members"), kind="int"),
        field_column("established_on", gettext_lazy("Established on"), kind="date"),
    ]

    def queryset(self) -> QuerySet:
        return (
            Union.objects.visible_to(self.request.user)
            .select_related("town")
            .annotate(member_count=Count("members"))
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(name__icontains=text)

    def detail_url(self, obj: Union) -> str:
        return reverse("members:union", args=[obj.pk])


@login_required
def union_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("members.view_union"):
        raise PermissionDenied
    union = get_visible_or_404(Union.objects.select_related("town", "organization"), request.user, pk=pk)
    can_edit = request.user.has_perm("members.change_union") and request.user.can_manage(union.organization)
    form = UnionMembershipForm(request.POST or None, user=request.user, union=union)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(request, _("%(member)s joined the union.") % {"member": form.instance.member})
            return redirect("members:union", pk=union.pk)
    return render(
        request,
        "members/union_detail.html",
        {
            "union": union,
            "can_edit": can_edit,
            "form": form,
            "memberships": union.unionmembership_set.select_related("member", "member__village").order_by(
                "member__name"
            ),
            "organizations": union.member_organizations.order_by("path"),
        },
    )


@login_required
@require_POST
def union_remove_member(request: AuthedRequest, pk: int, membership_pk: int) -> HttpResponse:
    union: Union = get_visible_or_404(Union.objects.all(), request.user, pk=pk)
    if not (request.user.has_perm("members.change_union") and request.user.can_manage(union.organization)):
        raise PermissionDenied
    membership = (
        UnionMembership.objects.filter(union=union, pk=membership_pk).select_related("member").first()
    )
    if membership is not None:
        membership.delete()
        messages.success(request, _("%(member)s left the union.") % {"member": membership.member})
    return redirect("members:union", pk=union.pk)


@login_required
def union_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    union = get_visible_or_404(Union.objects, request.user, pk=pk) if pk else None
    return edit_object(
        request,
        UnionForm,
        instance=union,
        permission="members.change_union" if union else "members.add_union",
        title=_("Edit union") if union else _("New union"),
        breadcrumbs=[UNIONS],
        success=lambda obj: reverse("members:union", args=[obj.pk]),
    )
