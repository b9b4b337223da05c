from django.urls import path

from gongxiao.caravan import phone_views, plan_views, point_views, views

app_name = "caravan"

urlpatterns = [
    path("", views.statistics_page, name="stats"),
    path("vehicles/", views.VehicleList.as_view(), name="vehicles"),
    path("vehicles/new/", views.vehicle_edit, name="vehicle_create"),
    path("vehicles/<int:pk>/", views.vehicle_detail, name="vehicle"),
    path("vehicles/<int:pk>/edit/", views.vehicle_edit, name="vehicle_edit"),
    path("routes/", views.RouteList.as_view(), name="routes"),
    path("routes/new/", views.route_edit, name="route_create"),
    path("routes/<int:pk>/", views.route_detail, name="route"),
    path("routes/<int:pk>/edit/", views.route_edit, name="route_edit"),
    path("trips/", views.TripList.as_view(), name="trips"),
    path("trips/new/", views.trip_create, name="trip_create"),
    path("trips/<int:pk>/", views.trip_detail, name="trip"),
    path("trips/<int:pk>/cancel/", views.trip_cancel, name="trip_cancel"),
    path("trips/<int:pk>/run-sheet/", views.run_sheet, name="run_sheet"),
    path("preorders/", views.PreOrderList.as_view(), name="preorders"),
    path("preorders/new/", views.preorder_edit, name="preorder_create"),
    path("preorders/<int:pk>/", views.preorder_edit, name="preorder_edit"),
    path("preorders/<int:pk>/cancel/", views.preorder_cancel, name="preorder_cancel"),
    path("purchases/", views.PurchaseList.as_view(), name="purchases"),
    path("purchases/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("plans/", plan_views.PlanList.as_view(), name="plans"),
    path("plans/new/", plan_views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:pk>/cancel/", plan_views.plan_cancel, name="plan_cancel"),
    path("plans/<int:pk>/accept/", plan_views.plan_accept, name="plan_accept"),
    path("plans/<int:pk>/run-again/", plan_views.plan_run_again, name="plan_run_again"),
    path("plans/<int:pk>/run-sheet/", plan_views.plan_sheet, name="plan_sheet"),
    path("village-points/", point_views.VillagePointList.as_view(), name="village_points"),
    path("phone/", phone_views.phone, name="phone"),
    path("phone/sw.js", phone_views.service_worker, name="phone_sw"),
]
