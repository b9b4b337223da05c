from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from gongxiao.core.models import ApiToken, Organization, Region, User

admin.site.site_header = _("Gongxiao administration")
admin.site.site_title = _("Gongxiao")


@admin.register(User)
class GongxiaoUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "organization", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups"]
    list_select_related = ["organization"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Organization"), {"fields": ("organization", "phone")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Organization"), {"fields": ("organization", "groups")}),
    )

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin, SimpleHistoryAdmin):
    form = movenodeform_factory(Organization)
    list_display = ["name", "code", "kind", "region", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Region)
class RegionAdmin(TreeAdmin, SimpleHistoryAdmin):
    form = movenodeform_factory(Region)
    list_display = ["name", "code", "level", "is_mountain"]
    search_fields = ["name", "code"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
