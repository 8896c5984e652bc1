from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("people", views.PersonViewSet, basename="person")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("auth/tokens", views.ApiTokenViewSet, basename="apitoken")

urlpatterns = [
    path("company/", views.CompanyView.as_view(), name="company"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    *router.urls,
]
