import pytest

from portal.notifications.models import Notification, UserCounter
from tests.notifications.factories import NotificationFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications/"


def test_list_cursor_pagination_newest_first(org):
    for i in range(5):
        NotificationFactory(recipient=org.east_rep, title=f"n{i}", actor=org.ceo)
    client = client_as(org.east_rep)
    body = client.get(API, {"page_size": 2}).json()
    assert [r["title"] for r in body["results"]] == ["n4", "n3"]
    assert body["results"][0]["actor"] == {"id": org.ceo.pk, "name": org.ceo.full_name}
    second = client.get(body["next"]).json()
    assert [r["title"] for r in second["results"]] == ["n2", "n1"]


def test_unread_filter_and_read_actions(org, commit):
    a = NotificationFactory(recipient=org.east_rep, title="a")
    NotificationFactory(recipient=org.east_rep, title="b")
    client = client_as(org.east_rep)
    with commit():
        body = client.post(f"{API}{a.pk}/read/").json()
    assert body["is_read"] is True and body["read_at"]
    assert [r["title"] for r in client.get(API, {"unread": "true"}).json()["results"]] == ["b"]
    assert client.get(f"{API}counters/").json()["counters"]["notifications.unread"] == 1
    with commit():
        assert client.post(f"{API}read-all/").json() == {"marked": 1}
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert UserCounter.objects.get(user=org.east_rep, key="notifications.unread").value == 0


def test_settings_get_and_put(org):
    client = client_as(org.east_rep)
    body = client.get(f"{API}settings/").json()
    assert "mention" in body["email_kinds"] and {k["key"] for k in body["kinds"]} >= {"comment", "system"}
    body = client.put(f"{API}settings/", {"email_kinds": ["comment", "like"]}, format="json").json()
    assert sorted(body["email_kinds"]) == ["comment", "like"]


def test_bad_settings_give_a_json_error_and_change_nothing(org):
    client = client_as(org.east_rep)
    response = client.put(f"{API}settings/", {"email_kinds": ["bogus"]}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "email_kinds" in error["fields"]
    response = client.put(f"{API}settings/", {}, format="json")
    assert response.status_code == 400
    from portal.notifications.models import NotificationSetting

    assert not NotificationSetting.objects.exists()


def test_another_persons_notification_is_a_json_404(org):
    note = NotificationFactory(recipient=org.developer)
    response = client_as(org.east_rep).post(f"{API}{note.pk}/read/")
    assert response.status_code == 404 and response.json()["error"]["status"] == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_options_of_the_settings_describe_their_put(org):
    """OPTIONS once crashed here: DRF's metadata looked up an object by a `pk` this route has not."""
    response = client_as(org.east_rep).options(f"{API}settings/")
    assert response.status_code == 200
    put = response.json()["actions"]["PUT"]
    assert put["email_kinds"]["read_only"] is False and put["kinds"]["read_only"] is True
