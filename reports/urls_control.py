"""Control pages (namespace "reports"): reports:home (the dashboard, or the person's own overview), the
overview, "touch" control and the control-time heartbeat."""

from django.urls import path

from . import views_control as views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.overview, name="overview"),
    path("control/touch/", views.touch, name="touch"),
    path("control/touch/<int:pk>/done/", views.touch_done, name="touch_done"),
    path("control/beat/", views.control_beat, name="control_beat"),
]
