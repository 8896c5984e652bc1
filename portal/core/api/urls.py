from django.urls import path

from . import views

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("search/", views.SearchView.as_view(), name="api-search"),
]
