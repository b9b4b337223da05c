from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from gongxiao.network.models import Outlet


@admin.register(Outlet)
class OutletAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "status", "region", "organization"]
    list_filter = ["kind", "status", "grade", "grade_status"]
    search_fields = ["name", "code"]
    raw_id_fields = ["region", "hub", "location", "villages"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)
