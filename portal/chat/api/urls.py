from rest_framework.routers import DefaultRouter

from .views import ChatViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("chats", ChatViewSet, basename="chat")

urlpatterns = router.urls
