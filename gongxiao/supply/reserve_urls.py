from django.urls import path

from gongxiao.supply import reserve_views as views

urlpatterns = [
    path("", views.ReservePlanList.as_view(), name="reserve_plans"),
    path("new/", views.plan_edit, name="reserve_plan_new"),
    path("<int:pk>/", views.plan_detail, name="reserve_plan"),
    path("<int:pk>/edit/", views.plan_edit, name="reserve_plan_edit"),
    path("<int:plan_pk>/holders/new/", views.holder_edit, name="reserve_holder_new"),
    path("holders/<int:pk>/", views.holder_detail, name="reserve_holder"),
    path("holders/<int:pk>/edit/", views.holder_edit, name="reserve_holder_edit"),
    path("holders/<int:pk>/tender/", views.tender_document, name="reserve_tender_document"),
    path("holders/<int:pk>/statement.xlsx", views.statement, name="reserve_statement"),
    path("holders/<int:holder_pk>/quotas/new/", views.quota_edit, name="reserve_quota_new"),
    path("holders/<int:holder_pk>/quotas/<int:pk>/", views.quota_edit, name="reserve_quota_edit"),
    path("holders/<int:holder_pk>/reports/new/", views.report_entry, name="reserve_report_new"),
    path("holders/<int:holder_pk>/releases/new/", views.release_new, name="reserve_release_new"),
    path("holders/<int:holder_pk>/inspections/new/", views.inspection_new, name="reserve_inspection_new"),
    path("reports/<int:pk>/", views.report_detail, name="reserve_report"),
    path("releases/<int:pk>/cancel/", views.release_cancel, name="reserve_release_cancel"),
    path("inspections/<int:pk>/photo/", views.inspection_photo, name="reserve_inspection_photo"),
]
