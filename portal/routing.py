"""Websocket routes. Apps add their consumers here (chat, live counters, caller pop-ups)."""

websocket_urlpatterns: list = []
