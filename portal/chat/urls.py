from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("", views.chat_list, name="list"),
    path("people/", views.people_search, name="people"),
    path("direct/", views.direct_open, name="direct"),
    path("new/", views.group_create, name="create"),
    path("workgroup/<int:group_id>/", views.workgroup_chat, name="workgroup"),
    path("<int:pk>/", views.chat_detail, name="detail"),
    path("<int:pk>/messages/", views.chat_messages, name="messages"),
    path("<int:pk>/messages/<int:message_id>/", views.message_detail, name="message"),
    path("<int:pk>/messages/<int:message_id>/edit/", views.message_edit, name="message_edit"),
    path("<int:pk>/messages/<int:message_id>/delete/", views.message_delete, name="message_delete"),
    path("<int:pk>/read/", views.chat_read, name="read"),
    path("<int:pk>/members/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path("files/<int:message_id>/", views.attachment_download, name="attachment"),
]
