from django.urls import path

from .consumers import ChatConsumer

websocket_urlpatterns: list = [
    path("ws/chat/<int:chat_id>/", ChatConsumer.as_asgi()),
]
