import pytest
from django.utils import timezone

from portal.notifications.models import Notification
from tests.notifications.factories import NotificationFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db


def _grow(recipient, actor, count):
    def grow():
        Notification.objects.bulk_create(
            [
                Notification(recipient=recipient, actor=actor, kind="like", title=f"Bulk {i}", url="/")
                for i in range(count)
            ]
        )

    return grow


def test_list_newest_first_with_unread_highlighted(org):
    old = NotificationFactory(
        recipient=org.east_rep, title="Older one", created_at=timezone.now().replace(year=2020)
    )
    NotificationFactory(recipient=org.east_rep, title="Newer one", read_at=timezone.now())
    html = client_as(org.east_rep).get("/notifications/").content.decode()
    assert html.index("Newer one") < html.index("Older one")
    item = html[html.index(f'data-notification="{old.pk}"') - 300 : html.index("Older one")]
    assert "lumen-notification-unread" in item
    unread_only = client_as(org.east_rep).get("/notifications/?unread=1").content.decode()
    assert "Older one" in unread_only and "Newer one" not in unread_only


def test_open_marks_read_and_redirects_to_its_url(org, commit, stored):
    from portal.notifications.services import notify

    with commit():
        [note] = notify(recipients=[org.east_rep], kind="system", title="Go", url="/groups/")
        [evil] = notify(recipients=[org.east_rep], kind="system", title="Evil", url="https://evil.example/")
    with commit():
        response = client_as(org.east_rep).get(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/groups/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert stored(org.east_rep)["notifications.unread"] == 1
    response = client_as(org.east_rep).get(f"/notifications/{evil.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_mark_all_read_page_and_htmx(org, commit):
    NotificationFactory.create_batch(3, recipient=org.east_rep)
    with commit():
        response = client_as(org.east_rep).post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=org.east_rep, read_at__isnull=True).exists()
    NotificationFactory(recipient=org.east_rep, title="Fresh")
    response = client_as(org.east_rep).post("/notifications/read-all/", HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b"Fresh" in response.content


def test_dropdown_shows_latest(org):
    NotificationFactory.create_batch(12, recipient=org.east_rep)
    NotificationFactory(recipient=org.east_rep, title="The newest")
    html = client_as(org.east_rep).get("/notifications/dropdown/").content.decode()
    assert "The newest" in html and html.count("data-notification=") == 8 and "<html" not in html


def test_settings_page_saves_choices(org):
    from portal.notifications.selectors import notification_settings_get

    client = client_as(org.east_rep)
    html = client.get("/notifications/settings/").content.decode()
    assert 'value="mention"' in html and "checked" in html  # mention defaults to e-mail
    response = client.post("/notifications/settings/", {"email_kinds": ["like"]}, format="multipart")
    assert response.status_code == 302
    chosen = {k["key"] for k in notification_settings_get(user=org.east_rep) if k["email"]}
    assert chosen == {"like"}
    response = client.post("/notifications/settings/", {"email_kinds": ["bogus"]}, format="multipart")
    assert response.status_code == 200 and "bogus" in response.content.decode()
    assert {k["key"] for k in notification_settings_get(user=org.east_rep) if k["email"]} == {"like"}


def test_header_bell_and_sidebar_badges_come_from_stored_counters(org):
    from portal.notifications.models import UserCounter

    UserCounter.objects.create(user=org.east_rep, key="notifications.unread", value=4)
    html = client_as(org.east_rep).get("/notifications/").content.decode()
    bell = html[html.index('id="lumen-bell"') : html.index('id="bell-badge"') + 20]
    assert 'data-counter-keys="notifications.unread"' in bell
    badge = html[html.index('id="bell-badge"') :][:40]
    assert ">4<" in badge
    assert 'data-live-url="/ws/live/"' in html
    assert "data-live-url" not in client_as(None).get("/login/").content.decode()


def test_header_counters_cost_one_query(org, django_assert_num_queries):
    """The bell and every sidebar badge together read the counters once."""
    from portal.notifications.models import UserCounter
    from tests.utils import count_queries

    client = client_as(org.east_rep)
    client.get("/notifications/settings/")  # warm caches (company, content types)
    with_counters = count_queries(lambda: client.get("/notifications/settings/"))
    UserCounter.objects.create(user=org.east_rep, key="notifications.unread", value=1)
    assert count_queries(lambda: client.get("/notifications/settings/")) == with_counters


@pytest.mark.parametrize("rows", [10, 1000])
def test_list_page_query_budget(org, rows):
    client = client_as(org.east_rep)
    _grow(org.east_rep, org.ceo, 10)()
    client.get("/notifications/")  # warm the per-process caches (company, content types)
    assert_query_budget(
        lambda: client.get("/notifications/"), _grow(org.east_rep, org.ceo, rows - 10), budget=8
    )


@pytest.mark.parametrize("rows", [10, 1000])
def test_list_api_query_budget(org, rows):
    client = client_as(org.east_rep)
    _grow(org.east_rep, org.ceo, 10)()
    client.get("/api/v1/notifications/")  # warm the per-process caches
    assert_query_budget(
        lambda: client.get("/api/v1/notifications/"), _grow(org.east_rep, org.ceo, rows - 10), budget=4
    )
