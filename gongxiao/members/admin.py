from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from gongxiao.members.models import Member, Union, UnionMembership


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "id_number", "phone", "village", "organization"]
    list_filter = ["kind"]
    search_fields = ["name", "pinyin", "id_number", "phone"]
    raw_id_fields = ["village"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)


class MembershipInline(admin.TabularInline):
    model = UnionMembership
    raw_id_fields = ["member"]
    extra = 0


@admin.register(Union)
class UnionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "town", "industry"]
    inlines = [MembershipInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)
