from django.urls import include, path

from bench_site import views

urlpatterns = [
    path("bench/insert-one/", views.insert_one),
    path("", include("gongxiao.urls")),
]
