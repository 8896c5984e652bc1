from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create, name="create"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/edit/", views.group_edit, name="edit"),
    path("<int:pk>/archive/", views.group_archive, name="archive"),
    path("<int:pk>/join/", views.group_join, name="join"),
    path("<int:pk>/leave/", views.group_leave, name="leave"),
    path("<int:pk>/members/", views.group_members, name="members"),
    path("<int:pk>/members/<int:user_id>/role/", views.member_set_role, name="member_role"),
    path("<int:pk>/members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/files/", views.file_upload, name="file_upload"),
    path("files/<int:pk>/download/", views.file_download, name="file_download"),
    path("files/<int:pk>/delete/", views.file_delete, name="file_delete"),
    path("requests/<int:pk>/approve/", views.join_request_approve, name="request_approve"),
    path("requests/<int:pk>/reject/", views.join_request_reject, name="request_reject"),
    path("requests/<int:pk>/cancel/", views.join_request_cancel, name="request_cancel"),
]
