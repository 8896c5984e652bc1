"""Digest pages (namespace "reports"): my digests, one digest, and my digest settings."""

from django.urls import path

from . import views_digests as views

urlpatterns = [
    path("digests/", views.digest_list, name="digest_list"),
    path("digests/settings/", views.digest_settings, name="digest_settings"),
    path("digests/<int:pk>/", views.digest_detail, name="digest_detail"),
]
