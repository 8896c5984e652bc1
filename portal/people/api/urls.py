from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("people", views.PersonViewSet, basename="person")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("invitations", views.InvitationViewSet, basename="invitation")

urlpatterns = [
    path("company/", views.CompanyView.as_view(), name="company"),
    *router.urls,
]
