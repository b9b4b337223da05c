from django.urls import path

from gongxiao.network import views

app_name = "network"

urlpatterns = [
    path("outlets/", views.OutletList.as_view(), name="outlets"),
    path("outlets/new/", views.outlet_edit, name="outlet_create"),
    path("outlets/<int:pk>/", views.outlet_detail, name="outlet"),
    path("outlets/<int:pk>/edit/", views.outlet_edit, name="outlet_edit"),
]
