"""Websocket routes: each app keeps its own in `<app>/routing.py` (chat, live counters, caller pop-ups)."""

from portal.chat.routing import websocket_urlpatterns as chat_routes
from portal.notifications.routing import websocket_urlpatterns as live_routes

websocket_urlpatterns: list = [*live_routes, *chat_routes]
