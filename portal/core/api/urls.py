from django.urls import path

from . import views

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("search/", views.SearchView.as_view(), name="api-search"),
]
