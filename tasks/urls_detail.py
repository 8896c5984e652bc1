"""Routes of the task page and its htmx parts (all under /tasks/<id>/)."""

from django.urls import path

from . import views_detail as v

urlpatterns = [
    path("<int:pk>/", v.task_detail, name="detail"),
    path("<int:pk>/part/<slug:block>/", v.task_block, name="detail_block"),
    path("<int:pk>/title/", v.task_title, name="detail_title"),
    path("<int:pk>/transition/", v.task_action, name="detail_action"),
    path("<int:pk>/remove/", v.task_delete, name="detail_delete"),
    path("<int:pk>/description/", v.task_description, name="detail_description"),
    path("<int:pk>/people/", v.task_people, name="detail_people"),
    path("<int:pk>/people/search/", v.people_search, name="detail_people_search"),
    path("<int:pk>/dates/", v.task_dates, name="detail_dates"),
    path("<int:pk>/tags/", v.task_tags, name="detail_tags"),
    path("<int:pk>/rules/", v.task_rules, name="detail_rules"),
    path("<int:pk>/estimate/", v.task_estimate, name="detail_estimate"),
    path("<int:pk>/timer/start/", v.timer_start, name="detail_timer_start"),
    path("<int:pk>/timer/stop/", v.timer_stop, name="detail_timer_stop"),
    path("<int:pk>/time/", v.time_entry_add, name="detail_time_add"),
    path("<int:pk>/time/<int:entry_pk>/delete/", v.time_entry_delete, name="detail_time_delete"),
    path("<int:pk>/links/", v.link_add, name="detail_link_add"),
    path("<int:pk>/links/search/", v.link_search, name="detail_link_search"),
    path("<int:pk>/links/<int:link_pk>/delete/", v.link_delete, name="detail_link_delete"),
    path("<int:pk>/checklist/", v.checklist_add, name="detail_checklist_add"),
    path("<int:pk>/checklist/reorder/", v.checklist_reorder, name="detail_checklist_reorder"),
    path("<int:pk>/checklist/<int:item_pk>/", v.checklist_edit, name="detail_checklist_edit"),
    path("<int:pk>/checklist/<int:item_pk>/toggle/", v.checklist_toggle, name="detail_checklist_toggle"),
    path("<int:pk>/checklist/<int:item_pk>/delete/", v.checklist_delete, name="detail_checklist_delete"),
    path("<int:pk>/files/", v.file_upload, name="detail_file_upload"),
    path("<int:pk>/files/<int:file_pk>/", v.file_download, name="detail_file_download"),
    path("<int:pk>/files/<int:file_pk>/delete/", v.file_delete, name="detail_file_delete"),
    path("<int:pk>/comments/", v.comment_add, name="detail_comment_add"),
    path("<int:pk>/comments/<int:comment_pk>/", v.comment_edit, name="detail_comment_edit"),
    path("<int:pk>/comments/<int:comment_pk>/delete/", v.comment_delete, name="detail_comment_delete"),
]
