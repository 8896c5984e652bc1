from rest_framework.routers import DefaultRouter

from .views import WorkgroupViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("groups", WorkgroupViewSet, basename="workgroup")

urlpatterns = router.urls
