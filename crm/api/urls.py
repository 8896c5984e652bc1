"""CRM API routes under /api/v1/crm/: each feature registers its view sets on one router and lists its other
routes (webhooks, actions) in `urls`."""

from rest_framework.routers import DefaultRouter

from . import (
    activities,
    companies,
    contacts,
    deals,
    imports,
    leads,
    pipelines,
    products,
    stores,
    telephony,
    timeline,
)

FEATURES = (
    leads,
    contacts,
    companies,
    deals,
    pipelines,
    products,
    activities,
    timeline,
    imports,
    stores,
    telephony,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
for feature in FEATURES:
    feature.register(router)

urlpatterns = [route for feature in FEATURES for route in feature.urls] + router.urls
