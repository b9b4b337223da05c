from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from gongxiao.api import api
from gongxiao.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("base/", include("gongxiao.core.urls")),
    path("members/", include("gongxiao.members.urls")),
    path("trade/", include("gongxiao.commerce.urls")),
    path("supply/", include("gongxiao.supply.urls")),
    path("market/", include("gongxiao.market.urls")),
    path("network/", include("gongxiao.network.urls")),
    path("caravan/", include("gongxiao.caravan.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
