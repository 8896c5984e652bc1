from django.urls import path

from . import views_detail

urlpatterns = [
    path("<int:pk>/", views_detail.task_detail, name="detail"),
]
