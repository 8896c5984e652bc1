"""Websocket routes of notifications: the live socket of every signed-in page."""

from django.urls import path

from .consumers import LiveConsumer

websocket_urlpatterns: list = [path("ws/live/", LiveConsumer.as_asgi())]
