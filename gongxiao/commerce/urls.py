from django.urls import path

from gongxiao.commerce import views

app_name = "commerce"

urlpatterns = [
    path("products/", views.ProductList.as_view(), name="products"),
    path("products/new/", views.product_edit, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("locations/", views.LocationList.as_view(), name="locations"),
    path("locations/new/", views.location_edit, name="location_create"),
    path("locations/<int:pk>/edit/", views.location_edit, name="location_edit"),
    path("stock/", views.StockList.as_view(), name="stock"),
    path("stock/moves/", views.StockMoveList.as_view(), name="moves"),
    path("documents/", views.DocumentList.as_view(), name="documents"),
    path("documents/new/", views.document_create, name="document_create"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/confirm/", views.document_confirm, name="document_confirm"),
    path("documents/<int:pk>/reverse/", views.document_reverse, name="document_reverse"),
]
