"""Workflows API routes under /api/v1/workflows/: each feature registers its view sets on one router and lists
its other routes (actions) in `urls`."""

from rest_framework.routers import DefaultRouter

from . import absences, deputies, holidays, payments, processes, rules, templates

FEATURES = (templates, processes, payments, absences, holidays, deputies, rules)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
for feature in FEATURES:
    feature.register(router)

urlpatterns = [route for feature in FEATURES for route in feature.urls] + router.urls
