from django.urls import path

from gongxiao.members import views

app_name = "members"

urlpatterns = [
    path("", views.MemberList.as_view(), name="list"),
    path("new/", views.member_edit, name="create"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("unions/", views.UnionList.as_view(), name="unions"),
    path("unions/new/", views.union_edit, name="union_create"),
    path("unions/<int:pk>/", views.union_detail, name="union"),
    path("unions/<int:pk>/edit/", views.union_edit, name="union_edit"),
    path(
        "unions/<int:pk>/members/<int:membership_pk>/remove/",
        views.union_remove_member,
        name="union_remove_member",
    ),
]
