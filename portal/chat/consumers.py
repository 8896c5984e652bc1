"""The chat websocket: `ws/chat/<chat_id>/`, for the chat's members only.

A non-member's (or anonymous) connection is refused before it is accepted. Members receive every new,
edited and deleted message (as JSON with the HTML rendered for them) and read receipts; they may send
messages (`{"type": "message", "body": "..."}`) and mark the chat read (`{"type": "read", "message_id": n}`)
through the same services as the pages.
"""

from __future__ import annotations

import logging
import zoneinfo
from contextlib import contextmanager

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.core.errors import DomainError, NotFound

from . import selectors, services
from .realtime import chat_group

log = logging.getLogger(__name__)

MESSAGE_EVENTS = {"message.new", "message.edited", "message.deleted"}
CLOSE_NOT_MEMBER = 4403


class ChatConsumer(AsyncJsonWebsocketConsumer):
    chat_id: int | None = None
    group_name: str | None = None

    async def connect(self):
        user = self.scope.get("user")
        chat_id = int(self.scope["url_route"]["kwargs"]["chat_id"])
        if not (user and user.is_authenticated) or not await self._is_member(user, chat_id):
            await self.close()  # before accept: the handshake is refused
            return
        self.user = user
        self.chat_id = chat_id
        self.group_name = chat_group(chat_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    # --- from the browser ---------------------------------------------------------------------------

    @contextmanager
    def _as_reader(self):
        """The connected person's language and time zone for what is sent to them (errors, message HTML):
        the socket has no request, so the middleware that sets them for pages does not run here."""
        user = getattr(self, "user", None)
        language = getattr(user, "language", "") or translation.get_language()
        try:
            zone = zoneinfo.ZoneInfo(user.time_zone)
        except (AttributeError, TypeError, ValueError, zoneinfo.ZoneInfoNotFoundError):
            zone = timezone.get_current_timezone()
        with translation.override(language), timezone.override(zone):
            yield

    async def receive_json(self, content, **kwargs):
        with self._as_reader():
            await self._receive(content)

    async def _receive(self, content):
        if not isinstance(content, dict):
            await self._error(_("Send a JSON object."))
            return
        kind = content.get("type")
        try:
            if kind == "message":
                message = await self._send_message(content.get("body"))
                await self.send_json({"type": "sent", "message_id": message.pk, "ref": content.get("ref")})
            elif kind == "read":
                await self._mark_read(content.get("message_id"))
            elif kind == "ping":
                await self.send_json({"type": "pong"})
            else:
                await self._error(_("Unknown message type."))
        except ValidationError as exc:  # Invalid included: it is a ValidationError
            fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            await self.send_json(
                {
                    "type": "error",
                    "message": " ".join(exc.messages),
                    "fields": fields,
                    "ref": content.get("ref"),
                }
            )
        except (DomainError, PermissionDenied):
            # NotFound/NotAllowed: removed from the chat (or deactivated) since connecting.
            await self.close(code=CLOSE_NOT_MEMBER)

    async def _error(self, text: str) -> None:
        await self.send_json({"type": "error", "message": text, "fields": {}})

    # --- from the channel layer ---------------------------------------------------------------------

    async def chat_event(self, message):
        with self._as_reader():
            await self._chat_event(message)

    async def _chat_event(self, message):
        event = message["event"]
        kind = event.get("type")
        if kind in MESSAGE_EVENTS:
            data = await self._message_event(event)
            if data is not None:
                await self.send_json(data)
            return
        await self.send_json(event)
        if kind == "member.removed" and event.get("user_id") == self.user.pk:
            await self.close(code=CLOSE_NOT_MEMBER)

    # --- database -----------------------------------------------------------------------------------

    @database_sync_to_async
    def _is_member(self, user, chat_id: int) -> bool:
        return selectors.is_member(user=user, chat_id=chat_id)

    @database_sync_to_async
    def _send_message(self, body):
        chat = selectors.chat_get(user=self.user, pk=self.chat_id)
        if body is not None and not isinstance(body, str):
            raise ValidationError({"body": [_("Send the message as text.")]})
        return services.message_send(actor=self.user, chat=chat, body=body or "")

    @database_sync_to_async
    def _mark_read(self, message_id) -> None:
        chat = selectors.chat_get(user=self.user, pk=self.chat_id)
        try:
            message_id = int(message_id) if message_id is not None else None
        except (TypeError, ValueError) as exc:
            raise ValidationError({"message_id": [_("Give a message id.")]}) from exc
        services.chat_mark_read(actor=self.user, chat=chat, message_id=message_id)

    @database_sync_to_async
    def _message_event(self, event) -> dict | None:
        """The message as JSON plus its HTML as this reader sees it; None if it is gone or no longer ours."""
        from .api.serializers import MessageSerializer
        from .rendering import render_message

        try:
            message = selectors.message_get(user=self.user, pk=event["message_id"])
        except NotFound:
            return None
        members = list(selectors.chat_members(user=self.user, chat=message.chat))
        return {
            "type": event["type"],
            "chat_id": message.chat_id,
            "message": MessageSerializer(message, context={"members": members}).data,
            "html": render_message(message=message, viewer=self.user, members=members),
        }
