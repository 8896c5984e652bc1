"""The API's documentation pages (drf-spectacular), made to run under the Content-Security-Policy.

Swagger UI is the split view: its start-up script comes from a URL of the page itself (`?script`), not from an
inline <script>, and its template links a stylesheet instead of an inline <style>, so it needs no exemption.
Redoc renders with styled-components, which writes <style> elements at run time; that one page allows inline
styles (`style-src 'unsafe-inline'`, still no inline scripts).
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "core/api/swagger_ui.html"


@method_decorator(
    csp_update({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}), name="dispatch"
)
class ApiReferenceView(SpectacularRedocView):
    template_name = "core/api/redoc.html"
