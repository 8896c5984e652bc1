"""Top-level routes: pages per app, the API under /api/v1/, its schema and docs, and Django admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from portal.core import pickers
from portal.core import views as core_views
from portal.core.api.docs import ApiDocsView, ApiReferenceView

api_v1 = [
    path("", include("portal.core.api.urls")),
    path("", include("portal.people.api.urls")),
    path("", include("portal.groups.api.urls")),
    path("stream/", include("portal.stream.api.urls")),
    path("chat/", include("portal.chat.api.urls")),
    path("notifications/", include("portal.notifications.api.urls")),
    path("tasks/", include("tasks.api.urls")),
    path("reports/", include("reports.api.urls")),
    path("crm/", include("crm.api.urls")),
    path("workflows/", include("portal.workflows.api.urls")),
    path("strategy/", include("strategy.api.urls")),
    path("kb/", include("knowledgebase.api.urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("search/", core_views.search, name="search"),
    path("search/suggest/", core_views.search_suggest, name="search_suggest"),
    path("healthz", core_views.healthz, name="healthz"),
    path("lookups/", pickers.lookup, name="lookup"),
    path("", include("portal.people.auth_urls")),
    path("", include("portal.people.urls")),
    path("groups/", include("portal.groups.urls")),
    path("stream/", include("portal.stream.urls")),
    path("chat/", include("portal.chat.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("tasks/", include("tasks.urls")),
    path("reports/", include("reports.urls")),
    path("crm/", include("crm.urls")),
    path("workflows/", include("portal.workflows.urls")),
    path("strategy/", include("strategy.urls")),
    path("kb/", include("knowledgebase.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", ApiReferenceView.as_view(url_name="api-schema"), name="api-redoc"),
]

if settings.LUMEN_BENCH:
    from portal.core import bench

    urlpatterns += [path("bench/floor/", bench.floor, name="bench-floor")]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.STATIC_URL, document_root=settings.STATIC_ROOT)

handler404 = "portal.core.views.not_found"
