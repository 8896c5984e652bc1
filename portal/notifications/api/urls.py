from django.urls import path

from .views import NotificationViewSet

urlpatterns = [
    path("", NotificationViewSet.as_view({"get": "list"}), name="notification-list"),
    path("read-all/", NotificationViewSet.as_view({"post": "read_all"}), name="notification-read-all"),
    path(
        "settings/",
        NotificationViewSet.as_view({"get": "notification_settings", "put": "notification_settings"}),
        name="notification-settings",
    ),
    path("counters/", NotificationViewSet.as_view({"get": "counters"}), name="notification-counters"),
    path("<int:pk>/", NotificationViewSet.as_view({"get": "retrieve"}), name="notification-detail"),
    path("<int:pk>/read/", NotificationViewSet.as_view({"post": "read"}), name="notification-read"),
]
