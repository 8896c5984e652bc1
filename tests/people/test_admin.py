"""Django admin for the people app: pages render, actions and saves go through the services."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image, PngImagePlugin

from portal.core.models import AuditLog
from portal.people import services
from portal.people.models import Company, Department, Invitation, User
from tests.people.factories import AdminFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(org):
    return org.admin


@pytest.fixture
def admin_client(superuser):
    # Django's test client: admin forms are posted form-encoded (the API client would send JSON).
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def invitation(org):
    (invitation,) = services.invitation_send(actor=org.admin, emails=["inv@acme.test"], department=org.east)
    return invitation


def _url(model, view, *args):
    return reverse(f"admin:people_{model._meta.model_name}_{view}", args=args)


def test_changelists_and_change_pages_render(admin_client, org, invitation):
    company = Company.objects.get()
    pages = [
        _url(Company, "changelist"),
        _url(Company, "change", company.pk),
        _url(Department, "changelist"),
        _url(Department, "changelist") + "?q=east",
        _url(Department, "change", org.east.pk),
        _url(Department, "add"),
        _url(User, "changelist"),
        _url(User, "changelist") + f"?is_active__exact=1&department__id__exact={org.east.pk}&q=rep",
        _url(User, "change", org.east_rep.pk),
        _url(User, "add"),
        _url(Invitation, "changelist"),
        _url(Invitation, "changelist") + "?status=pending",
        _url(Invitation, "change", invitation.pk),
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page


def test_employees_cannot_open_admin(org):
    response = client_as(org.sales_head).get(_url(User, "changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_company_cannot_be_added_twice_or_deleted(admin_client):
    assert admin_client.get(_url(Company, "add")).status_code == 403
    assert admin_client.get(_url(Company, "delete", Company.objects.get().pk)).status_code == 403


def test_company_change_goes_through_the_service(admin_client, org):
    company = Company.objects.get()
    response = admin_client.post(
        _url(Company, "change", company.pk),
        {"name": "Acme Group", "group_creation_policy": "admins", "default_time_zone": "Europe/Berlin"},
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.group_creation_policy) == ("Acme Group", "admins")
    assert Department.objects.get(pk=org.root.pk).name == "Acme Group"
    assert AuditLog.objects.filter(action="company.update").exists()


def test_invitation_secret_is_not_shown(admin_client, invitation):
    for page in (_url(Invitation, "change", invitation.pk), _url(Invitation, "changelist")):
        content = admin_client.get(page).content.decode()
        assert invitation.secret not in content and "inv@acme.test" in content
    assert admin_client.get(_url(Invitation, "add")).status_code == 403


def test_invitation_status_filter(admin_client, invitation, org):
    (other,) = services.invitation_send(actor=org.admin, emails=["gone@acme.test"], department=org.it)
    services.invitation_revoke(actor=org.admin, invitation=other)
    content = admin_client.get(_url(Invitation, "changelist") + "?status=revoked").content.decode()
    assert "gone@acme.test" in content and "inv@acme.test" not in content


def test_invitation_actions_resend_and_revoke(admin_client, invitation, mailoutbox):
    old_secret = invitation.secret
    changelist = _url(Invitation, "changelist")
    admin_client.post(changelist, {"action": "resend", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.sent_count == 2 and invitation.secret != old_secret
    admin_client.post(changelist, {"action": "revoke", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditLog.objects.filter(action="invitation.revoke", actor__email="admin@acme.test").exists()


def test_user_actions_deactivate_and_activate(admin_client, org):
    changelist = _url(User, "changelist")
    services.departments_recount()
    admin_client.post(
        changelist, {"action": "deactivate", "_selected_action": [org.east_head.pk, org.admin.pk]}
    )
    org.east_head.refresh_from_db()
    org.admin.refresh_from_db()
    assert not org.east_head.is_active and org.admin.is_active  # one cannot deactivate oneself
    east = Department.objects.get(pk=org.east.pk)
    assert east.head_id is None and east.members_count == 1
    admin_client.post(changelist, {"action": "activate", "_selected_action": [org.east_head.pk]})
    org.east_head.refresh_from_db()
    assert org.east_head.is_active and Department.objects.get(pk=org.east.pk).members_count == 2


def _user_form(person: User, **changes) -> dict:
    data = {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "position": person.position,
        "phone": person.phone,
        "birthday": "",
        "department": person.department_id or "",
        "time_zone": person.time_zone,
        "work_start": "09:00",
        "work_end": "18:00",
        "language": person.language,
        "is_active": "on" if person.is_active else "",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
    }
    if person.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_user_change_of_department_goes_through_person_move(admin_client, org):
    services.departments_recount()
    response = admin_client.post(
        _url(User, "change", org.east_head.pk), _user_form(org.east_head, department=org.it.pk, phone="+7")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    org.east_head.refresh_from_db()
    assert org.east_head.department == org.it and org.east_head.phone == "+7"
    assert Department.objects.get(pk=org.east.pk).head_id is None  # a head who moves stops heading
    assert Department.objects.get(pk=org.east.pk).members_count == 1
    assert Department.objects.get(pk=org.it.pk).members_count == 3
    assert AuditLog.objects.filter(action="person.move", target_id=str(org.east_head.pk)).exists()


def test_user_change_refused_by_a_service_changes_nothing(admin_client, org):
    response = admin_client.post(
        _url(User, "change", org.admin.pk), _user_form(org.admin, is_active=None, phone="+9"), follow=True
    )
    assert "cannot deactivate yourself" in response.content.decode()
    org.admin.refresh_from_db()
    assert org.admin.is_active and org.admin.phone == ""


def _polyglot_png() -> bytes:
    """A real PNG whose tEXt chunk holds a page."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><script>alert(document.domain)</script></html>")
    out = io.BytesIO()
    Image.new("RGB", (1, 1), "red").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_user_photo_goes_through_the_service(admin_client, org):
    photo = SimpleUploadedFile("avatar.png", _polyglot_png(), content_type="image/png")
    response = admin_client.post(_url(User, "change", org.east_rep.pk), _user_form(org.east_rep, photo=photo))
    assert response.status_code == 302, response.content.decode()[:3000]
    org.east_rep.refresh_from_db()
    assert org.east_rep.photo.name.endswith(".png") and org.east_rep.photo_content_type == "image/png"
    with org.east_rep.photo.open("rb") as stored:
        assert b"<script" not in stored.read()  # re-encoded, like a photo from the profile page
    assert AuditLog.objects.filter(action="person.update", target_id=str(org.east_rep.pk)).exists()

    fake = SimpleUploadedFile("cv.png", _polyglot_png()[:60], content_type="image/png")
    response = admin_client.post(
        _url(User, "change", org.east_rep.pk), _user_form(org.east_rep, photo=fake, phone="+1"), follow=True
    )
    org.east_rep.refresh_from_db()
    assert org.east_rep.photo.name.endswith(".png") and org.east_rep.phone != "+1"


def test_user_add_form_creates_through_person_create(admin_client, org):
    data = {
        "email": "New.Person@Acme.test",
        "first_name": "New",
        "last_name": "Person",
        "position": "Clerk",
        "department": org.east.pk,
        "password1": "very-long-pass-77",
        "password2": "very-long-pass-77",
    }
    response = admin_client.post(_url(User, "add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    person = User.objects.get(email="new.person@acme.test")
    assert person.check_password("very-long-pass-77") and person.department == org.east
    assert Department.objects.get(pk=org.east.pk).members_count == 3
    assert AuditLog.objects.filter(action="person.create", target_id=str(person.pk)).exists()
    mismatch = admin_client.post(
        _url(User, "add"), {**data, "email": "x@acme.test", "password2": "other-pass-99"}
    )
    assert mismatch.status_code == 200 and not User.objects.filter(email="x@acme.test").exists()


def _department_form(name, *, ref, position="sorted-child", head=None) -> dict:
    return {
        "name": name,
        "head": head or "",
        "treebeard_position": position,
        "treebeard_ref_node": ref or "",
    }


def test_department_add_and_change_go_through_services(admin_client, org):
    response = admin_client.post(_url(Department, "add"), _department_form("Ops", ref=org.it.pk))
    assert response.status_code == 302
    ops = Department.objects.get(name="Ops")
    assert Department.objects.get_parent(ops) == org.it and ops.depth == 3
    response = admin_client.post(
        _url(Department, "change", ops.pk),
        _department_form("Operations", ref=org.sales.pk, head=org.sales_rep.pk),
    )
    assert response.status_code == 302
    ops = Department.objects.get(pk=ops.pk)
    org.sales_rep.refresh_from_db()
    assert ops.name == "Operations" and Department.objects.get_parent(ops) == org.sales
    assert ops.head == org.sales_rep and org.sales_rep.department == ops and ops.members_count == 1
    actions = set(AuditLog.objects.filter(target_id=str(ops.pk)).values_list("action", flat=True))
    assert {"department.create", "department.update", "department.move", "department.head"} <= actions
    assert Department.objects.find_problems() == ([], [], [], [], [])


def test_department_form_refuses_a_second_root(admin_client, org):
    response = admin_client.post(
        _url(Department, "add"), _department_form("Rogue", ref=None, position="sorted-sibling")
    )
    assert response.status_code == 200 and not Department.objects.filter(name="Rogue").exists()


def test_department_delete_goes_through_the_service(admin_client, org):
    response = admin_client.post(_url(Department, "delete", org.field.pk), {"post": "yes"}, follow=True)
    assert Department.objects.filter(pk=org.field.pk).exists()  # its people are protected
    assert "Cannot delete department" in response.content.decode()
    parent = services.department_create(actor=org.admin, name="Parent", parent=org.it)
    services.department_create(actor=org.admin, name="Child", parent=parent)
    response = admin_client.post(_url(Department, "delete", parent.pk), {"post": "yes"}, follow=True)
    assert Department.objects.filter(pk=parent.pk).exists()
    assert "Move or remove its sub-departments first." in response.content.decode()
    assert "deleted successfully" not in response.content.decode()
    empty = services.department_create(actor=org.admin, name="Empty", parent=org.it)
    admin_client.post(_url(Department, "delete", empty.pk), {"post": "yes"})
    assert not Department.objects.filter(pk=empty.pk).exists()
    assert AuditLog.objects.filter(action="department.delete").exists()


def test_department_recount_action(admin_client, org):
    Department.objects.update(members_count=42)
    admin_client.post(
        _url(Department, "changelist"), {"action": "recount", "_selected_action": [org.east.pk]}
    )
    assert Department.objects.get(pk=org.east.pk).members_count == 2
    assert Department.objects.get(pk=org.it.pk).members_count == 42  # not selected


def test_superuser_made_by_factory_can_use_admin(db):
    AdminFactory(email="root@acme.test")
    user = User.objects.get(email="root@acme.test")
    assert client_as(user).get(_url(User, "changelist")).status_code == 200


# --- Signing in: sign out everywhere, unlock, passwords ----------------------------------------------


def _api_status(key: str) -> int:
    client = client_as(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/people/me/").status_code


def test_sign_out_everywhere_action(admin_client, org):
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    victim = Client()
    victim.force_login(org.east_rep)
    response = admin_client.post(
        _url(User, "changelist"),
        {"action": "sign_out_everywhere", "_selected_action": [org.east_rep.pk, org.admin.pk]},
    )
    assert response.status_code == 302
    assert victim.get("/").status_code == 302  # sent to the login page
    assert _api_status(key) == 401
    assert admin_client.get(_url(User, "changelist")).status_code == 200  # the admin who asked stays
    assert AuditLog.objects.filter(action="person.sign_out_everywhere").count() == 2


def test_a_password_set_in_admin_revokes_the_persons_tokens(admin_client, org):
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    url = reverse("admin:auth_user_password_change", args=[org.east_rep.pk])
    response = admin_client.post(
        url,
        {"password1": "a-fresh-Secret-4711", "password2": "a-fresh-Secret-4711", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert _api_status(key) == 401
    assert not org.east_rep.api_tokens.exists()
    assert AuditLog.objects.filter(action="person.api_tokens_revoke", target_id=str(org.east_rep.pk)).exists()
    # A refused form changes nothing.
    org.east_rep.refresh_from_db()
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    admin_client.post(url, {"password1": "x", "password2": "y", "usable_password": "true"})
    assert _api_status(key) == 200


def test_axes_admin_pages_render(admin_client, org):
    for name in ("accessattempt", "accesslog", "accessfailurelog"):
        assert admin_client.get(reverse(f"admin:axes_{name}_changelist")).status_code == 200
