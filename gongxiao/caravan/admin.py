from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from gongxiao.caravan.models import PreOrder, Route, RouteStop, Trip, TripStop, Vehicle, VillagePoint


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)


@admin.register(Vehicle)
class VehicleAdmin(SimpleHistoryAdmin):
    list_display = ["plate", "name", "kind", "status", "organization", "depot"]
    list_filter = ["kind", "status"]
    search_fields = ["plate", "name"]
    raw_id_fields = ["depot"]
    filter_horizontal = ["crew"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)


class RouteStopInline(admin.TabularInline):
    model = RouteStop
    raw_id_fields = ["village", "outlet"]
    extra = 0


@admin.register(Route)
class RouteAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "vehicle", "weekdays", "runs_per_month", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    inlines = [RouteStopInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)


class TripStopInline(admin.TabularInline):
    model = TripStop
    raw_id_fields = ["village", "outlet"]
    extra = 0


@admin.register(Trip)
class TripAdmin(ScopedAdmin):
    list_display = ["date", "vehicle", "route", "status", "distance_km"]
    list_filter = ["status", "vehicle__kind"]
    date_hierarchy = "date"
    raw_id_fields = ["vehicle", "route", "plan"]
    inlines = [TripStopInline]


@admin.register(PreOrder)
class PreOrderAdmin(ScopedAdmin):
    list_display = ["customer_name", "village", "product", "quantity", "status", "created_at"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["village", "member", "product", "delivered_on"]


@admin.register(VillagePoint)
class VillagePointAdmin(admin.ModelAdmin):
    list_display = ["village", "longitude", "latitude"]
    raw_id_fields = ["village"]
