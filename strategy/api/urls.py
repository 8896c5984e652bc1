"""Strategy API routes under /api/v1/strategy/: each feature registers its view sets on one router and lists its
other routes in `urls`."""

from rest_framework.routers import DefaultRouter

from . import goals, indicators, kpi, projects

FEATURES = (goals, projects, indicators, kpi)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
for feature in FEATURES:
    feature.register(router)

urlpatterns = [route for feature in FEATURES for route in feature.urls] + router.urls
