import pytest

from portal.notifications.demo import seed_demo_notifications
from portal.notifications.models import Notification
from tests.people.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_notifications_is_idempotent(commit):
    for local in ("ceo", "sales.head", "sales.manager"):
        UserFactory(email=f"{local}@demo.lumen")
    AdminFactory(email="admin@demo.lumen")
    with commit():
        first = seed_demo_notifications()
    assert first["created"] > 0 and Notification.objects.count() == first["created"]
    assert Notification.objects.filter(
        recipient__email="sales.manager@demo.lumen", read_at__isnull=False
    ).exists()
    with commit():
        second = seed_demo_notifications()
    assert second["created"] == 0 and Notification.objects.count() == first["created"]
