from rest_framework.routers import DefaultRouter

from .views import CommentViewSet, EntryViewSet, PhotoViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("entries", EntryViewSet, basename="stream-entry")
router.register("comments", CommentViewSet, basename="stream-comment")
router.register("photos", PhotoViewSet, basename="stream-photo")

urlpatterns = router.urls
