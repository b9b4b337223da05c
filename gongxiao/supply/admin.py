from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from gongxiao.supply.models import (
    Campaign,
    CampaignDistribution,
    PesticideLicence,
    PesticideSaleRecord,
    UnificationAssessment,
)


@admin.register(UnificationAssessment)
class UnificationAssessmentAdmin(admin.ModelAdmin):
    list_display = ["outlet", "assessed_on", "signage", "rules", "zoning", "distribution", "sales_system"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)


@admin.register(PesticideLicence)
class PesticideLicenceAdmin(SimpleHistoryAdmin):
    list_display = ["number", "outlet", "covers_restricted", "valid_from", "valid_to"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)


@admin.register(PesticideSaleRecord)
class PesticideSaleRecordAdmin(admin.ModelAdmin):
    """Read-only: the ledger is written by the counter and kept two years."""

    list_display = ["buyer_name", "crop", "pest", "created_at", "organization"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class DistributionInline(admin.TabularInline):
    model = CampaignDistribution
    raw_id_fields = ["town", "member"]
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ["name", "starts_on", "ends_on", "organization"]
    inlines = [DistributionInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)
