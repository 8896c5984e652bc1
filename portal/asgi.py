"""ASGI entry point: HTTP through Django, websockets through Channels (portal/routing.py).

Once loaded, the process's objects are frozen out of the garbage collector's generations (portal/core/runtime.py).
The first websocket connection starts the live outbox relay of this process when the channel layer is
in-memory (embedded mode), so that pushes from the Celery worker reach the browsers (portal/core/live.py).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from portal.core.live import LiveRelayStarter  # noqa: E402
from portal.core.runtime import settle_process  # noqa: E402
from portal.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": LiveRelayStarter(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# The application is loaded: freeze it out of the garbage collector's way (portal/core/runtime.py).
settle_process()
