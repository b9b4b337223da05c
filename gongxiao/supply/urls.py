from django.urls import include, path

from gongxiao.supply import views

app_name = "supply"

urlpatterns = [
    path("chain-stores/", views.chain_stores, name="chain_stores"),
    path("stores/", include("gongxiao.supply.store_urls")),
    path("reserve/", include("gongxiao.supply.reserve_urls")),
    path("campaigns/", views.CampaignList.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/deliveries/new/", views.campaign_deliver, name="campaign_deliver"),
    path(
        "campaigns/<int:pk>/deliveries/<int:delivery_pk>/reverse/",
        views.campaign_reverse_delivery,
        name="campaign_reverse_delivery",
    ),
    path("campaigns/<int:pk>/distributions/new/", views.campaign_distribute, name="campaign_distribute"),
    path("counter/", views.counter_choose, name="counter_choose"),
    path("counter/<int:outlet_id>/", views.counter, name="counter"),
    path("counter/<int:outlet_id>/search/", views.counter_search, name="counter_search"),
    path("counter/<int:outlet_id>/add/", views.counter_add, name="counter_add"),
    path("counter/<int:outlet_id>/lines/<int:index>/", views.counter_update, name="counter_update"),
    path("counter/<int:outlet_id>/member/", views.counter_member, name="counter_member"),
    path("counter/<int:outlet_id>/checkout/", views.counter_checkout, name="counter_checkout"),
    path("counter/<int:outlet_id>/closing/", views.closing, name="closing"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("ledgers/pesticide-purchases/", views.PesticidePurchaseLedger.as_view(), name="pesticide_purchases"),
    path("ledgers/pesticide-sales/", views.PesticideSalesLedger.as_view(), name="pesticide_sales"),
]
