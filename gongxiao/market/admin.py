from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from gongxiao.market.models import Brand, Channel, ChannelOrder


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "launched_year", "is_active"]
    search_fields = ["name", "pinyin"]
    filter_horizontal = ["products", "producers"]


@admin.register(Channel)
class ChannelAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "platform", "organization", "location", "is_active"]
    list_filter = ["kind", "platform", "is_active"]
    search_fields = ["code", "name", "pinyin"]


@admin.register(ChannelOrder)
class ChannelOrderAdmin(admin.ModelAdmin):
    list_display = [
        "order_no",
        "channel",
        "product",
        "ordered_at",
        "quantity",
        "amount",
        "status",
        "document",
    ]
    list_filter = ["status", "source", "channel"]
    search_fields = ["order_no", "buyer"]
    raw_id_fields = ["product", "document", "reversal"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # orders change through imports, pushes and the stall, which keep the books right
