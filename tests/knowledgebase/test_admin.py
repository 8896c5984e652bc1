"""The knowledge base in Django admin: spaces and pages are listed for support; a space's settings saved there go
through `space_update` (audited); pages are read-only (their revisions are the services')."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.core.models import AuditLog
from tests.knowledgebase.factories import kb_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, org):
    from portal.people.models import User

    User.objects.filter(pk=org.admin.pk).update(is_staff=True, is_superuser=True)
    org.admin.refresh_from_db()
    client.force_login(org.admin)
    return client


def test_spaces_and_pages_are_listed_and_pages_cannot_be_changed(staff_client, org):
    world = kb_world(org)
    assert b"Sales handbook" in staff_client.get(reverse("admin:knowledgebase_space_changelist")).content
    assert b"Discount rules" in staff_client.get(reverse("admin:knowledgebase_page_changelist")).content
    page = staff_client.get(reverse("admin:knowledgebase_page_change", args=[world.secret.pk]))
    assert page.status_code == 200 and b'name="title"' not in page.content
    assert staff_client.get(reverse("admin:knowledgebase_page_add")).status_code == 403


def test_a_space_saved_in_admin_goes_through_the_service(staff_client, org):
    world = kb_world(org)
    url = reverse("admin:knowledgebase_space_change", args=[world.restricted.pk])
    response = staff_client.post(
        url,
        {
            "title": "Sales wiki",
            "description": "",
            "icon": "bi-book",
            "responsible": org.sales_head.pk,
            "home_page": "",
            "everyone_access": "none",
            "language": "english",
            "grants-TOTAL_FORMS": "3",
            "grants-INITIAL_FORMS": "3",
            "grants-MIN_NUM_FORMS": "0",
            "grants-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    world.restricted.refresh_from_db()
    assert world.restricted.title == "Sales wiki"
    assert AuditLog.objects.filter(action="kb.space.update", target_id=str(world.restricted.pk)).exists()
