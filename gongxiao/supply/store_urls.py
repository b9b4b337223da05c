"""The chain stores' assessments and licences, under /supply/stores/ in the "supply" namespace."""

from django.urls import path

from gongxiao.supply import store_views

urlpatterns = [
    path("assessments/", store_views.AssessmentList.as_view(), name="assessments"),
    path("assessments/new/", store_views.assessment_edit, name="assessment_create"),
    path("assessments/<int:pk>/", store_views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/edit/", store_views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/photo/", store_views.assessment_photo, name="assessment_photo"),
    path("licences/", store_views.LicenceList.as_view(), name="licences"),
    path("licences/new/", store_views.licence_edit, name="licence_create"),
    path("licences/<int:pk>/", store_views.licence_detail, name="licence"),
    path("licences/<int:pk>/edit/", store_views.licence_edit, name="licence_edit"),
]
