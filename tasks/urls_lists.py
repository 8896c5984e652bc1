"""Routes of the list pages: role lists, saved filters, bulk actions, the create/edit form, templates."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.task_list, name="home"),
    path("new/", views.task_create, name="create"),
    path("<int:pk>/edit/", views.task_edit, name="edit"),
    path("bulk/", views.task_bulk, name="bulk"),
    path("filters/", views.saved_filter_save, name="filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="filter_delete"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("templates/<int:pk>/run/", views.template_run, name="template_run"),
]
