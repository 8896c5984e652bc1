"""Role x endpoint matrix for every page and endpoint of notifications. Notifications are personal:
everybody reaches their own list; another person's notification answers 404, admins included."""

import sys

import pytest

from portal.notifications.models import Notification, NotificationSetting
from tests.matrix import assert_covers_every_route
from tests.notifications.factories import NotificationFactory
from tests.utils import Endpoint, assert_matrix, rows

pytestmark = pytest.mark.django_db

ANON_PAGE = 302  # to the login page
ANON_API = (401, 403)


def _everyone(status, anon=ANON_PAGE):
    return {"anonymous": anon, "outsider": status, "member": status, "supervisor": status, "admin": status}


def _only_member(status, anon=ANON_PAGE):
    return {"anonymous": anon, "outsider": 404, "member": status, "supervisor": 404, "admin": 404}


def test_permission_matrix(roles):
    # "member" owns the notification; the supervisor heads member's department; admin is a portal admin.
    note = NotificationFactory(recipient=roles["member"], url="/")
    api = "/api/v1/notifications/"

    def fresh_note(path):
        """A new unread notification of member's for each call, so each role meets one."""
        return lambda role: path.format(pk=NotificationFactory(recipient=roles["member"], url="/").pk)

    def with_unread(url):
        """Give the caller an unread notification first, so that marking all read has work to do."""

        def build(role):
            if roles[role] is not None:
                NotificationFactory(recipient=roles[role])
            return url

        return build

    read_at = rows(Notification, "read_at")
    email_kinds = rows(NotificationSetting, "user_id", "email_kinds")
    endpoints = [
        Endpoint("page list", "GET", "/notifications/", _everyone(200)),
        Endpoint("page list unread", "GET", "/notifications/?unread=1", _everyone(200)),
        Endpoint("page dropdown", "GET", "/notifications/dropdown/", _everyone(200)),
        Endpoint("page open", "GET", f"/notifications/{note.pk}/open/", _only_member(302)),
        Endpoint(
            "page open (post)",
            "POST",
            fresh_note("/notifications/{pk}/open/"),
            _only_member(302),
            format="form",
            changed=read_at,
        ),
        Endpoint("page open missing", "GET", "/notifications/999999/open/", _everyone(404)),
        Endpoint(
            "page read all",
            "POST",
            with_unread("/notifications/read-all/"),
            _everyone(302),
            format="form",
            changed=read_at,
        ),
        Endpoint("page settings", "GET", "/notifications/settings/", _everyone(200)),
        Endpoint(
            "page settings save",
            "POST",
            "/notifications/settings/",
            _everyone(302),
            data={"email_kinds": ["comment"]},
            format="form",
            changed=email_kinds,
        ),
        Endpoint("api list", "GET", api, _everyone(200, ANON_API)),
        Endpoint("api detail", "GET", f"{api}{note.pk}/", _only_member(200, ANON_API)),
        Endpoint(
            "api read",
            "POST",
            fresh_note(api + "{pk}/read/"),
            _only_member(200, ANON_API),
            changed=read_at,
        ),
        Endpoint(
            "api read all",
            "POST",
            with_unread(f"{api}read-all/"),
            _everyone(200, ANON_API),
            changed=read_at,
        ),
        Endpoint("api settings", "GET", f"{api}settings/", _everyone(200, ANON_API)),
        Endpoint(
            "api settings put",
            "PUT",
            f"{api}settings/",
            _everyone(200, ANON_API),
            data={"email_kinds": []},
            changed=email_kinds,
        ),
        Endpoint("api counters", "GET", f"{api}counters/", _everyone(200, ANON_API)),
    ]
    assert_matrix(roles, endpoints)


def test_matrix_covers_every_route(request, db):
    assert_covers_every_route(
        request,
        urlconfs=["portal.notifications.urls", "portal.notifications.api.urls"],
        modules=[sys.modules[__name__]],
        public={},
    )


def test_nobody_lists_another_persons_notifications(roles, client_for):
    NotificationFactory(recipient=roles["member"], title="Private to member")
    for role in ("outsider", "supervisor", "admin"):
        client = client_for(roles[role])
        assert "Private to member" not in client.get("/notifications/").content.decode()
        assert client.get("/api/v1/notifications/").json()["results"] == []
    assert client_for(roles["member"]).get("/api/v1/notifications/").json()["results"][0]["title"] == (
        "Private to member"
    )


def test_inactive_person_sees_nothing(org):
    from portal.notifications.models import Notification

    note = NotificationFactory(recipient=org.developer)
    org.developer.is_active = False
    assert not Notification.objects.visible_to(org.developer).filter(pk=note.pk).exists()
    assert not Notification.objects.visible_to(None).exists()
