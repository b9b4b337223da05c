from django.urls import path

from gongxiao.market import contract_views, stall_views, views

app_name = "market"

urlpatterns = [
    path("", views.ChannelList.as_view(), name="channels"),
    path("channels/new/", views.channel_edit, name="channel_create"),
    path("channels/<int:pk>/", views.channel_detail, name="channel"),
    path("channels/<int:pk>/edit/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/columns/", views.channel_mapping, name="channel_mapping"),
    path("channels/<int:pk>/import/", views.channel_import, name="channel_import"),
    path("channels/<int:pk>/template.xlsx", views.channel_template, name="channel_template"),
    path("channels/<int:pk>/token/", views.channel_token, name="channel_token"),
    path("channels/<int:pk>/post/", views.channel_post, name="channel_post"),
    path("channels/<int:pk>/stall/", stall_views.stall, name="stall"),
    path("channels/<int:pk>/stall/search/", stall_views.stall_search, name="stall_search"),
    path("channels/<int:pk>/stall/add/", stall_views.stall_add, name="stall_add"),
    path("channels/<int:pk>/stall/lines/<int:index>/", stall_views.stall_update, name="stall_update"),
    path("channels/<int:pk>/stall/checkout/", stall_views.stall_checkout, name="stall_checkout"),
    path("channels/<int:pk>/stall/cancel/", stall_views.stall_cancel, name="stall_cancel"),
    path("channels/<int:pk>/stall/close/", stall_views.stall_close, name="stall_close"),
    path(
        "channels/<int:pk>/stall/orders/<str:order_no>/receipt/",
        stall_views.stall_receipt,
        name="stall_receipt",
    ),
    path("events/", views.EventList.as_view(), name="events"),
    path("orders/", views.OrderList.as_view(), name="orders"),
    path("brands/", views.BrandList.as_view(), name="brands"),
    path("brands/new/", views.brand_edit, name="brand_create"),
    path("brands/<int:pk>/", views.brand_detail, name="brand"),
    path("brands/<int:pk>/edit/", views.brand_edit, name="brand_edit"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("contracts/plans/", contract_views.PlanList.as_view(), name="contract_plans"),
    path("contracts/plans/new/", contract_views.plan_edit, name="contract_plan_create"),
    path("contracts/plans/<int:pk>/", contract_views.plan_detail, name="contract_plan"),
    path("contracts/plans/<int:pk>/edit/", contract_views.plan_edit, name="contract_plan_edit"),
    path("contracts/orders/", contract_views.BuyerOrderList.as_view(), name="contract_orders"),
    path("contracts/orders/new/", contract_views.order_edit, name="contract_order_create"),
    path("contracts/orders/<int:pk>/edit/", contract_views.order_edit, name="contract_order_edit"),
    path("contracts/matching/", contract_views.matching, name="contract_matching"),
]
