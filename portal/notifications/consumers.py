"""The live socket every signed-in page opens: pushes to `user.<id>` reach the browser as JSON."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .counters import counters_get
from .realtime import user_group


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """`ws/live/`: refuses anonymous visitors, then forwards every payload pushed to the person's group."""

    group_name: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close()
            return
        self.group_name = user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        counters = await database_sync_to_async(counters_get)(user)
        await self.send_json({"event": "counters", "counters": counters})

    async def disconnect(self, code) -> None:
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        # The page may ping to keep proxies from closing an idle socket.
        if isinstance(content, dict) and content.get("event") == "ping":
            await self.send_json({"event": "pong"})

    async def live_push(self, message: dict) -> None:
        await self.send_json(message["payload"])
