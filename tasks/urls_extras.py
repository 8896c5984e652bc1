"""Routes of the extra pages: my tags (create, rename, merge, delete), the efficiency and time reports."""

from django.urls import path

from . import views_extras as v

urlpatterns = [
    path("tags/", v.tags, name="tags"),
    path("tags/new/", v.tag_create, name="tag_create"),
    path("tags/merge/", v.tag_merge, name="tag_merge"),
    path("tags/<int:pk>/rename/", v.tag_rename, name="tag_rename"),
    path("tags/<int:pk>/delete/", v.tag_delete, name="tag_delete"),
    path("efficiency/", v.efficiency, name="efficiency"),
    path("time/", v.time_report, name="time_report"),
]
