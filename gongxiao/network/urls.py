from django.urls import path

from gongxiao.network import views

app_name = "network"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("map/", views.network_map, name="map"),
    path("towns/<int:pk>/", views.town, name="town"),
    path("outlets/", views.OutletList.as_view(), name="outlets"),
    path("outlets/new/", views.outlet_edit, name="outlet_create"),
    path("outlets/<int:pk>/", views.outlet_detail, name="outlet"),
    path("outlets/<int:pk>/edit/", views.outlet_edit, name="outlet_edit"),
    path("outlets/<int:pk>/photos/new/", views.photo_add, name="photo_add"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
]
