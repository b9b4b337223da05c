from django.urls import path

from gongxiao.core import views

app_name = "core"

urlpatterns = [
    path("organizations/", views.OrganizationList.as_view(), name="organizations"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("regions/", views.RegionList.as_view(), name="regions"),
    path("users/", views.UserList.as_view(), name="users"),
    path("audit/", views.audit, name="audit"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("imports/", views.ImportJobList.as_view(), name="imports"),
    path("imports/new/<slug:name>/", views.import_upload, name="import_upload"),
    path("imports/template/<slug:name>.xlsx", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
]
