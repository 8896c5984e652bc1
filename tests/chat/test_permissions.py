"""Role x endpoint matrix of the chat pages and API: only members read and write, admins included.

Roles: anonymous, outsider (not in the chat), member, creator (made the group chat), admin (portal admin,
not in the chat). Hidden chats answer 404, a visible action without the right 403.
"""

from __future__ import annotations

import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.chat import services
from portal.chat.models import Chat, ChatMember, Message
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.matrix import assert_covers_every_route
from tests.people.factories import UserFactory
from tests.utils import Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db
LOGIN = 302  # pages send anonymous visitors to the login form
ANON_API = (401, 403)


def _expect(anonymous, outsider, member, creator, admin):
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "creator": creator,
        "admin": admin,
    }


@pytest.fixture
def matrix(people, group_chat):
    chat = group_chat
    message = services.message_send(
        actor=people.member,
        chat=chat,
        body="with file",
        attachment=SimpleUploadedFile("a.txt", b"abc"),
    )

    def fresh_message(role: str) -> int:
        return services.message_send(actor=people.member, chat=chat, body=f"for {role}").pk

    def fresh_member(role: str) -> int:
        user = UserFactory()
        ChatMember.objects.create(chat=chat, user=user)
        return user.pk

    def new_person(role: str) -> dict:
        return {"user": UserFactory().pk}

    def workgroup(visibility: str) -> int:
        group = WorkgroupFactory(visibility=visibility)
        for user in (people.creator, people.member):
            MembershipFactory(group=group, user=user)
        return group.pk

    secret_group, open_group = workgroup("secret"), workgroup("open")
    chats = rows(Chat)
    members = rows(ChatMember)
    messages = rows(Message, "body", "deleted_at")
    read_marks = rows(ChatMember, "last_read_message_id")

    def unread(path: str):
        """A new message by the creator first, so that marking the chat read has something to mark."""

        def build(role: str) -> str:
            sender = people.member if role == "creator" else people.creator  # one's own is read already
            services.message_send(actor=sender, chat=chat, body=f"news for {role}")
            return path

        return build

    read = _expect(LOGIN, 404, 200, 200, 404)
    pages = [
        Endpoint("page chat list", "GET", reverse("chat:list"), _expect(LOGIN, 200, 200, 200, 200)),
        Endpoint("page people picker", "GET", reverse("chat:people"), _expect(LOGIN, 200, 200, 200, 200)),
        Endpoint("page new group chat", "GET", reverse("chat:create"), _expect(LOGIN, 200, 200, 200, 200)),
        Endpoint(
            "page new group chat save",
            "POST",
            reverse("chat:create"),
            _expect(LOGIN, 302, 302, 302, 302),
            data=lambda role: {"title": f"Made by {role}"},
            format="form",
            changed=chats,
        ),
        Endpoint(
            "page open direct chat",
            "POST",
            reverse("chat:direct"),
            _expect(LOGIN, 302, 302, 302, 302),
            data=new_person,
            format="form",
            changed=chats,
        ),
        # The workgroup's chat opens (made on first use) for its members; a hidden group answers 404.
        Endpoint(
            "page workgroup chat (secret group)",
            "POST",
            reverse("chat:workgroup", args=[secret_group]),
            _expect(LOGIN, 404, 302, 302, 403),
            format="form",
            changed=chats,
            unchanged_for=("creator",),  # member opened it first
        ),
        Endpoint(
            "page workgroup chat (open group)",
            "POST",
            reverse("chat:workgroup", args=[open_group]),
            _expect(LOGIN, 403, 302, 302, 403),
            format="form",
            changed=chats,
            unchanged_for=("creator",),  # member opened it first
        ),
        Endpoint("page chat", "GET", reverse("chat:detail", args=[chat.pk]), read),
        Endpoint("page older messages", "GET", reverse("chat:messages", args=[chat.pk]), read),
        Endpoint("page one message", "GET", reverse("chat:message", args=[chat.pk, message.pk]), read),
        Endpoint(
            "page send message",
            "POST",
            reverse("chat:messages", args=[chat.pk]),
            _expect(LOGIN, 404, 302, 302, 404),
            data={"body": "hello"},
            format="form",
            changed=messages,
        ),
        Endpoint(
            "page edit message (author: member)",
            "GET",
            reverse("chat:message_edit", args=[chat.pk, message.pk]),
            _expect(LOGIN, 404, 200, 403, 404),
        ),
        Endpoint(
            "page edit message save (author: member)",
            "POST",
            lambda role: reverse("chat:message_edit", args=[chat.pk, fresh_message(role)]),
            _expect(LOGIN, 404, 302, 403, 404),
            data={"body": "edited"},
            format="form",
            changed=messages,
        ),
        Endpoint(
            "page delete message (author: member)",
            "POST",
            lambda role: reverse("chat:message_delete", args=[chat.pk, fresh_message(role)]),
            _expect(LOGIN, 404, 302, 403, 404),
            format="form",
            changed=messages,
        ),
        Endpoint(
            "page mark read",
            "POST",
            unread(reverse("chat:read", args=[chat.pk])),
            _expect(LOGIN, 404, 302, 302, 404),
            format="form",
            changed=read_marks,
        ),
        Endpoint(
            "page add member",
            "POST",
            reverse("chat:member_add", args=[chat.pk]),
            _expect(LOGIN, 404, 403, 302, 404),
            data=new_person,
            format="form",
            changed=members,
        ),
        Endpoint(
            "page remove member",
            "POST",
            lambda role: reverse("chat:member_remove", args=[chat.pk, fresh_member(role)]),
            _expect(LOGIN, 404, 403, 302, 404),
            format="form",
            changed=members,
        ),
        Endpoint("page attachment", "GET", reverse("chat:attachment", args=[message.pk]), read),
    ]
    api = "/api/v1/chat/chats/"
    api_read = _expect(ANON_API, 404, 200, 200, 404)
    endpoints = [
        Endpoint("api list", "GET", api, _expect(ANON_API, 200, 200, 200, 200)),
        Endpoint(
            "api create group chat",
            "POST",
            api,
            _expect(ANON_API, 201, 201, 201, 201),
            data={"kind": "group", "title": "New"},
            changed=chats,
        ),
        Endpoint("api retrieve", "GET", f"{api}{chat.pk}/", api_read),
        Endpoint("api members", "GET", f"{api}{chat.pk}/members/", api_read),
        Endpoint(
            "api add member",
            "POST",
            f"{api}{chat.pk}/members/",
            _expect(ANON_API, 404, 403, 201, 404),
            data=new_person,
            changed=members,
        ),
        Endpoint(
            "api remove member",
            "DELETE",
            lambda role: f"{api}{chat.pk}/members/{fresh_member(role)}/",
            _expect(ANON_API, 404, 403, 204, 404),
            changed=members,
        ),
        Endpoint("api messages", "GET", f"{api}{chat.pk}/messages/", api_read),
        Endpoint(
            "api send message",
            "POST",
            f"{api}{chat.pk}/messages/",
            _expect(ANON_API, 404, 201, 201, 404),
            data={"body": "hi"},
            changed=messages,
        ),
        Endpoint(
            "api edit message (author: member)",
            "PATCH",
            lambda role: f"{api}{chat.pk}/messages/{fresh_message(role)}/",
            _expect(ANON_API, 404, 200, 403, 404),
            data={"body": "changed"},
            changed=messages,
        ),
        Endpoint(
            "api delete message (author: member)",
            "DELETE",
            lambda role: f"{api}{chat.pk}/messages/{fresh_message(role)}/",
            _expect(ANON_API, 404, 204, 403, 404),
            changed=messages,
        ),
        Endpoint(
            "api mark read",
            "POST",
            unread(f"{api}{chat.pk}/read/"),
            _expect(ANON_API, 404, 200, 200, 404),
            changed=read_marks,
        ),
    ]
    return pages + endpoints


def test_permission_matrix(chat_roles, matrix):
    assert_matrix(chat_roles, matrix)


def test_matrix_covers_every_route(request, db):
    assert_covers_every_route(
        request,
        urlconfs=["portal.chat.urls", "portal.chat.api.urls"],
        modules=[sys.modules[__name__]],
        public={},
    )
