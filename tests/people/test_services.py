"""The people services: registration, people, departments, invitations, permissions, audit, counters."""

from __future__ import annotations

import datetime
import io
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.core.models import AuditLog
from portal.people import selectors, services
from portal.people.choices import InvitationStatus
from portal.people.models import Company, Department, Invitation, User
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def _count(department: Department) -> int:
    return Department.objects.get(pk=department.pk).members_count


def _actions(target) -> list[str]:
    return list(
        AuditLog.objects.filter(target_id=str(target.pk)).order_by("id").values_list("action", flat=True)
    )


def _png(size=(4, 4)) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


# --- Registration --------------------------------------------------------------------------------------


@pytest.fixture
def empty_portal(db):
    Company.objects.all().delete()


def test_company_register_creates_company_root_and_admin(empty_portal):
    admin = services.company_register(
        company_name=" Globex ", email="Boss@Globex.test", password="long-enough-pass-42", first_name="Hank"
    )
    root = Department.objects.get()
    assert Company.objects.get().name == "Globex" and root.name == "Globex"
    assert admin.email == "boss@globex.test" and admin.is_superuser and admin.is_staff
    assert admin.check_password("long-enough-pass-42")
    assert root.head == admin and root.members_count == 1 and admin.department == root
    assert AuditLog.objects.filter(action="company.register", actor=admin).exists()


def test_company_register_only_once(empty_portal):
    services.company_register(
        company_name="A", email="a@a.test", password="long-enough-pass-42", first_name="A"
    )
    with pytest.raises(ValidationError, match="registered already"):
        services.company_register(
            company_name="B", email="b@b.test", password="long-enough-pass-42", first_name="B"
        )
    assert Company.objects.count() == 1 and User.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"email": "not-an-address"}, "email"),
        ({"company_name": "  "}, "company_name"),
        ({"first_name": ""}, "first_name"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_company_register_refuses_bad_input_and_creates_nothing(empty_portal, changes, field):
    values = {
        "company_name": "Globex",
        "email": "boss@globex.test",
        "password": "long-enough-pass-42",
        "first_name": "Hank",
        **changes,
    }
    with pytest.raises(ValidationError) as exc:
        services.company_register(**values)
    assert field in exc.value.message_dict
    assert not Company.objects.exists() and not User.objects.exists() and not Department.objects.exists()


# --- People ----------------------------------------------------------------------------------------


def test_person_create_by_admin_counts_and_audits(org):
    person = services.person_create(
        actor=org.admin,
        email=" New@Acme.TEST ",
        first_name="Nia",
        department=org.it,
        password="x-long-pass-1",
    )
    assert person.email == "new@acme.test" and person.department == org.it
    assert person.check_password("x-long-pass-1")
    services.departments_recount()
    assert _count(org.it) == 3
    assert _actions(person) == ["person.create"]


def test_person_create_by_head_only_into_their_subtree(org):
    person = services.person_create(
        actor=org.sales_head, email="s1@acme.test", first_name="S", department=org.field
    )
    assert person.department == org.field
    with pytest.raises(PermissionDenied):
        services.person_create(actor=org.sales_head, email="s2@acme.test", first_name="S", department=org.it)
    with pytest.raises(PermissionDenied):
        services.person_create(actor=org.sales_head, email="s3@acme.test", first_name="S", department=None)
    with pytest.raises(PermissionDenied):
        services.person_create(
            actor=org.sales_head, email="s4@acme.test", first_name="S", department=org.sales, is_staff=True
        )
    with pytest.raises(PermissionDenied):
        services.person_create(
            actor=org.sales_rep, email="s5@acme.test", first_name="S", department=org.sales
        )
    assert not User.objects.filter(
        email__in=["s2@acme.test", "s3@acme.test", "s4@acme.test", "s5@acme.test"]
    ).exists()


def test_person_create_refuses_taken_address(org):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=org.admin, email="DEV@acme.test", first_name="D", department=org.it)
    assert "email" in exc.value.message_dict


def test_person_updates_own_contact_details_but_not_position(org):
    services.person_update(actor=org.sales_rep, person=org.sales_rep, phone="+49 1", first_name="Sam")
    org.sales_rep.refresh_from_db()
    assert org.sales_rep.phone == "+49 1" and org.sales_rep.first_name == "Sam"
    assert AuditLog.objects.get(action="person.update").changes["phone"] == ["", "+49 1"]
    for forbidden in ({"position": "Boss"}, {"email": "me@acme.test"}, {"is_staff": True}):
        with pytest.raises(PermissionDenied):
            services.person_update(actor=org.sales_rep, person=org.sales_rep, **forbidden)
    org.sales_rep.refresh_from_db()
    assert org.sales_rep.position == "Specialist" and not org.sales_rep.is_staff


def test_person_update_of_others_is_for_admins(org):
    with pytest.raises(PermissionDenied):
        services.person_update(actor=org.sales_head, person=org.sales_rep, phone="1")
    services.person_update(actor=org.admin, person=org.sales_rep, position="Lead", email="Lead@Acme.test")
    org.sales_rep.refresh_from_db()
    assert (org.sales_rep.position, org.sales_rep.email) == ("Lead", "lead@acme.test")
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=org.admin, person=org.sales_rep, email="dev@acme.test")
    assert "email" in exc.value.message_dict


def test_person_update_refuses_inverted_work_hours(org):
    with pytest.raises(ValidationError):
        services.person_update(
            actor=org.sales_rep, person=org.sales_rep, work_start=datetime.time(18), work_end=datetime.time(9)
        )


def test_person_photo_checks(org, settings):
    services.person_update(actor=org.sales_rep, person=org.sales_rep, photo=_png())
    org.sales_rep.refresh_from_db()
    assert org.sales_rep.photo.name.startswith("people/photos/")
    with pytest.raises(ValidationError) as exc:
        services.person_update(
            actor=org.sales_rep, person=org.sales_rep, photo=SimpleUploadedFile("x.png", b"not an image")
        )
    assert "photo" in exc.value.message_dict
    settings.LUMEN_PHOTO_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large"):
        services.person_update(actor=org.sales_rep, person=org.sales_rep, photo=_png())


def test_person_move_keeps_counts_and_a_moving_head_stops_heading(org):
    services.departments_recount()
    services.person_move(actor=org.admin, person=org.east_head, department=org.it)
    assert (_count(org.east), _count(org.it)) == (1, 3)
    assert Department.objects.get(pk=org.east.pk).head_id is None
    assert _actions(org.east_head) == ["person.move"]


def test_person_move_by_head_needs_both_departments(org):
    services.person_move(actor=org.sales_head, person=org.east_rep, department=org.field)
    with pytest.raises(PermissionDenied):
        services.person_move(actor=org.sales_head, person=org.east_rep, department=org.it)
    with pytest.raises(PermissionDenied):
        services.person_move(actor=org.sales_head, person=org.developer, department=org.sales)
    with pytest.raises(PermissionDenied):
        services.person_move(actor=org.sales_rep, person=org.sales_rep, department=org.east)


def test_person_set_active_is_for_admins_and_clears_headship(org):
    services.departments_recount()
    with pytest.raises(PermissionDenied):
        services.person_set_active(actor=org.sales_head, person=org.sales_rep, active=False)
    with pytest.raises(ValidationError):
        services.person_set_active(actor=org.admin, person=org.admin, active=False)
    services.person_set_active(actor=org.admin, person=org.sales_head, active=False)
    assert Department.objects.get(pk=org.sales.pk).head_id is None and _count(org.sales) == 1
    services.person_set_active(actor=org.admin, person=org.sales_head, active=True)
    assert _count(org.sales) == 2
    assert _actions(org.sales_head) == ["person.deactivate", "person.activate"]


# --- Departments -----------------------------------------------------------------------------------------


def test_department_set_head_moves_the_head_in(org):
    services.departments_recount()
    services.department_set_head(actor=org.admin, department=org.field, head=org.east_head)
    org.east_head.refresh_from_db()
    assert org.east_head.department == org.field
    assert Department.objects.get(pk=org.east.pk).head_id is None  # one department at a time
    assert Department.objects.get(pk=org.field.pk).head_id == org.east_head.pk
    assert (_count(org.east), _count(org.field)) == (1, 2)
    assert "department.head" in _actions(org.field)


def test_department_set_head_refuses_deactivated_and_outsiders(org):
    gone = UserFactory(is_active=False, department=org.field)
    with pytest.raises(ValidationError):
        services.department_set_head(actor=org.admin, department=org.field, head=gone)
    with pytest.raises(PermissionDenied):
        services.department_set_head(actor=org.it_head, department=org.field, head=org.developer)
    services.department_set_head(actor=org.admin, department=org.east, head=None)
    assert Department.objects.get(pk=org.east.pk).head_id is None


def test_department_create_and_update(org):
    team = services.department_create(actor=org.sales_head, name=" Team ", parent=org.east, head=org.east_rep)
    assert (
        team.name == "Team" and Department.objects.get_parent(team) == org.east and team.head == org.east_rep
    )
    with pytest.raises(ValidationError):
        services.department_create(
            actor=org.admin, name="team", parent=Department.objects.get(pk=org.east.pk)
        )
    with pytest.raises(PermissionDenied):
        services.department_create(actor=org.sales_head, name="Ops", parent=org.it)
    services.department_update(actor=org.admin, department=org.root, name="Acme Group")
    assert Company.objects.get().name == "Acme Group"


def test_renamed_department_takes_its_sorted_place_so_later_inserts_work(org):
    def east():
        return Department.objects.get(pk=org.east.pk)

    team_a = services.department_create(actor=org.admin, name="Team A", parent=east())
    services.department_create(actor=org.admin, name="Team A child", parent=team_a)
    services.department_create(actor=org.admin, name="Team B", parent=east())
    services.department_update(actor=org.admin, department=team_a, name="Zulu")
    services.department_create(actor=org.admin, name="Team C", parent=east())
    services.department_create(actor=org.admin, name="Alpha", parent=east())
    assert [d.name for d in Department.objects.get_children(east())] == [
        "Alpha",
        "East Field",
        "Team B",
        "Team C",
        "Zulu",
    ]
    zulu = Department.objects.get(name="Zulu")
    assert [d.name for d in Department.objects.get_children(zulu)] == ["Team A child"]
    assert Department.objects.find_problems() == ([], [], [], [], [])
    assert AuditLog.objects.filter(action="department.update", target_id=str(team_a.pk)).exists()


def test_department_move_moves_the_subtree_and_refuses_cycles(org):
    with pytest.raises(ValidationError):
        services.department_move(actor=org.admin, department=org.sales, parent=org.field)
    with pytest.raises(ValidationError):
        services.department_move(actor=org.admin, department=org.sales, parent=org.sales)
    with pytest.raises(ValidationError):
        services.department_move(actor=org.admin, department=org.root, parent=org.it)
    moved = services.department_move(actor=org.admin, department=org.east, parent=org.it)
    it = Department.objects.get(pk=org.it.pk)
    field = Department.objects.get(pk=org.field.pk)
    assert Department.objects.get_parent(moved) == it and moved.depth == 3
    assert field.path.startswith(moved.path) and field.depth == 4
    assert Department.objects.find_problems() == ([], [], [], [], [])


def test_department_delete_refuses_non_empty(org):
    with pytest.raises(ValidationError, match="sub-departments"):
        services.department_delete(actor=org.admin, department=org.east)
    with pytest.raises(ValidationError, match="people"):
        services.department_delete(actor=org.admin, department=org.field)
    with pytest.raises(ValidationError):
        services.department_delete(actor=org.admin, department=org.root)
    empty = services.department_create(actor=org.admin, name="Empty", parent=org.it)
    services.invitation_send(actor=org.admin, emails=["x@acme.test"], department=empty)
    with pytest.raises(PermissionDenied):
        services.department_delete(actor=org.sales_head, department=empty)
    services.department_delete(actor=org.admin, department=empty)
    assert not Department.objects.filter(pk=empty.pk).exists()
    assert not Invitation.objects.filter(email="x@acme.test").exists()


# --- Invitations ---------------------------------------------------------------------------------------


def test_invitation_send_one_schedules_one_mail(org, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = services.invitation_send(
            actor=org.admin, emails=["Nina@Acme.test"], department=org.it, first_name="Nina", position="QA"
        )
    assert invitation.email == "nina@acme.test" and invitation.status == InvitationStatus.PENDING
    assert (invitation.first_name, invitation.position, invitation.sent_count) == ("Nina", "QA", 1)
    assert invitation.invited_by == org.admin
    assert [m.to for m in mailoutbox] == [["nina@acme.test"]]
    assert _actions(invitation) == ["invitation.send"]


def test_invitation_send_many_from_pasted_text(org):
    emails = services.parse_emails("a@acme.test, b@acme.test; <c@acme.test>\nA@acme.test")
    assert emails == ["a@acme.test", "b@acme.test", "c@acme.test"]
    invitations = services.invitation_send(actor=org.admin, emails=emails, department=org.sales)
    assert [i.email for i in invitations] == emails
    assert Invitation.objects.filter(department=org.sales).count() == 3


def test_invitation_send_same_address_twice_in_one_batch_is_one_invitation(org):
    invitations = services.invitation_send(
        actor=org.admin, emails=["a@acme.test", "A@acme.test"], department=org.it
    )
    assert len(invitations) == 1 and Invitation.objects.count() == 1


@pytest.mark.parametrize("bad", ["not-an-address", "dev@acme.test"])
def test_invitation_send_one_bad_address_refuses_the_whole_batch(org, bad):
    with pytest.raises(ValidationError) as exc:
        services.invitation_send(
            actor=org.admin, emails=["ok1@acme.test", bad, "ok2@acme.test"], department=org.it
        )
    assert bad in " ".join(exc.value.message_dict["emails"])
    assert Invitation.objects.count() == 0


def test_invitation_send_refuses_empty(org):
    with pytest.raises(ValidationError):
        services.invitation_send(actor=org.admin, emails=[" "], department=org.it)


def test_reinviting_an_open_address_resends_the_same_invitation(org):
    (first,) = services.invitation_send(actor=org.admin, emails=["re@acme.test"], department=org.it)
    old_token = services.invitation_token(first)
    (again,) = services.invitation_send(actor=org.admin, emails=["re@acme.test"], department=org.sales)
    assert again.pk == first.pk and again.sent_count == 2 and again.department_id == org.sales.pk
    with pytest.raises(ValidationError):
        services.invitation_from_token(old_token)
    assert services.invitation_from_token(services.invitation_token(again)) == again


def test_invitation_token_and_link(org, settings):
    settings.LUMEN_BASE_URL = "https://intranet.acme.test/"
    (invitation,) = services.invitation_send(actor=org.admin, emails=["t@acme.test"], department=org.it)
    token = services.invitation_token(invitation)
    assert services.invitation_from_token(token) == invitation
    url = services.invitation_url(invitation)
    # The link carries a token of the same invitation (signed a moment later, its timestamp may differ).
    assert url.startswith("https://intranet.acme.test/invite/")
    assert services.invitation_from_token(url.rstrip("/").rsplit("/", 1)[1]) == invitation
    assert invitation.secret not in url
    with pytest.raises(ValidationError):
        services.invitation_from_token(token[:-2] + "xx")
    with pytest.raises(ValidationError):
        services.invitation_from_token("garbage")


def test_invitation_accept_creates_the_person_once(org):
    services.departments_recount()
    (invitation,) = services.invitation_send(
        actor=org.sales_head, emails=["join@acme.test"], department=org.east, position="Rep"
    )
    token = services.invitation_token(invitation)
    person = services.invitation_accept(
        token=token, password="join-us-2025!", first_name="Jo", last_name="In"
    )
    invitation.refresh_from_db()
    assert (
        person.department == org.east and person.position == "Rep" and person.check_password("join-us-2025!")
    )
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_user == person
    assert _count(org.east) == 3
    assert selectors.supervisor_of(person) == org.east_head
    assert _actions(invitation) == ["invitation.send", "invitation.accept"]
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=token, password="join-us-2025!", first_name="Jo")
    assert exc.value.code == "used"
    assert User.objects.filter(email="join@acme.test").count() == 1


def test_invitation_accept_validates_and_changes_nothing(org):
    (invitation,) = services.invitation_send(actor=org.admin, emails=["weak@acme.test"], department=org.it)
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=services.invitation_token(invitation), password="123", first_name="")
    assert {"password", "first_name"} <= set(exc.value.message_dict)
    invitation.refresh_from_db()
    assert (
        invitation.status == InvitationStatus.PENDING
        and not User.objects.filter(email="weak@acme.test").exists()
    )


def test_expired_invitation_is_refused(org):
    (invitation,) = services.invitation_send(actor=org.admin, emails=["late@acme.test"], department=org.it)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(
            token=services.invitation_token(invitation), password="join-us-2025!", first_name="L"
        )
    assert exc.value.code == "expired"
    resent = services.invitation_resend(actor=org.admin, invitation=invitation)
    assert resent.status == InvitationStatus.PENDING


def test_revoked_invitation_is_refused(org):
    (invitation,) = services.invitation_send(actor=org.admin, emails=["rv@acme.test"], department=org.it)
    token = services.invitation_token(invitation)
    services.invitation_revoke(actor=org.admin, invitation=invitation)
    with pytest.raises(ValidationError) as exc:
        services.invitation_from_token(token)
    assert exc.value.code == "revoked"
    with pytest.raises(ValidationError):
        services.invitation_resend(actor=org.admin, invitation=invitation)
    # The address is free again for a new invitation.
    (fresh,) = services.invitation_send(actor=org.admin, emails=["rv@acme.test"], department=org.it)
    assert fresh.pk != invitation.pk
    assert _actions(invitation) == ["invitation.send", "invitation.revoke"]


def test_resend_invalidates_the_old_token(org):
    (invitation,) = services.invitation_send(actor=org.admin, emails=["rs@acme.test"], department=org.it)
    old = services.invitation_token(invitation)
    resent = services.invitation_resend(actor=org.admin, invitation=invitation)
    assert resent.sent_count == 2 and resent.secret != invitation.secret
    with pytest.raises(ValidationError) as exc:
        services.invitation_from_token(old)
    assert exc.value.code == "invalid"
    assert services.invitation_from_token(services.invitation_token(resent)).pk == invitation.pk


def test_who_may_invite(org):
    for employee in (org.sales_rep, org.developer):
        with pytest.raises(PermissionDenied):
            services.invitation_send(actor=employee, emails=["e@acme.test"], department=employee.department)
    with pytest.raises(PermissionDenied):
        services.invitation_send(actor=org.sales_head, emails=["e@acme.test"], department=org.it)
    with pytest.raises(PermissionDenied):
        services.invitation_send(actor=org.east_head, emails=["e@acme.test"], department=org.sales)
    (invitation,) = services.invitation_send(
        actor=org.sales_head, emails=["e@acme.test"], department=org.field
    )
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=org.it_head, invitation=invitation)
    services.invitation_revoke(actor=org.east_head, invitation=invitation)  # within east_head's sub-tree
    assert Invitation.objects.count() == 1


# --- Counters: the nightly rebuild agrees with the incremental path --------------------------------------


def test_recount_matches_the_incremental_counts_after_random_changes(org):
    services.departments_recount()
    rng = random.Random(42)
    departments = [org.root, org.sales, org.east, org.field, org.it]
    for i in range(6):
        departments.append(
            services.department_create(
                actor=org.admin,
                name=f"Extra {i}",
                parent=Department.objects.get(pk=rng.choice(departments).pk),
            )
        )
    for i in range(30):
        services.person_create(
            actor=org.admin, email=f"r{i}@acme.test", first_name="R", department=rng.choice(departments)
        )
    people = list(User.objects.exclude(pk=org.admin.pk))
    for _ in range(120):
        person = User.objects.get(pk=rng.choice(people).pk)
        department = Department.objects.get(pk=rng.choice(departments).pk)
        step = rng.random()
        if step < 0.5:
            services.person_move(actor=org.admin, person=person, department=department)
        elif step < 0.75:
            services.person_set_active(actor=org.admin, person=person, active=not person.is_active)
        elif person.is_active:
            services.department_set_head(actor=org.admin, department=department, head=person)
    incremental = dict(Department.objects.values_list("pk", "members_count"))
    Department.objects.update(members_count=0)
    from portal.people import jobs

    jobs.departments_recount.delay()
    rebuilt = dict(Department.objects.values_list("pk", "members_count"))
    assert rebuilt == incremental
    counted = selectors.department_head_counts()
    assert {pk: n for pk, n in rebuilt.items() if n} == counted
    assert sum(rebuilt.values()) == User.objects.filter(is_active=True, department__isnull=False).count()


# --- Signing in: API tokens, passwords, sessions, reset requests ------------------------------------

NEW_PASSWORD = "a-fresh-Secret-4711"


def _works(key: str) -> bool:
    """Whether an API key still lets its owner in."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/people/me/").status_code == 200


def test_api_token_create_stores_a_hash_and_expires_after_the_ttl(org, settings):
    from portal.people.models import ApiToken

    settings.LUMEN_API_TOKEN_TTL_DAYS = 7
    token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep, label=" CI script ")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in {stored.key_hash, stored.prefix, stored.auth_hash} and len(key) >= 40
    assert stored.key_hash == ApiToken.digest(key) and key.startswith(stored.prefix)
    assert stored.label == "CI script"
    assert stored.expires_at - stored.created_at == datetime.timedelta(days=7)
    assert _actions(token) == ["api_token.create"]
    assert _works(key)


def test_people_make_their_own_tokens_only(org):
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=org.admin, person=org.east_rep)
    with pytest.raises(ValidationError):
        services.api_token_create(actor=org.east_rep, person=org.east_rep, label="x" * 101)


def test_making_tokens_past_the_limit_revokes_the_oldest(org, monkeypatch):
    from portal.people.models import ApiToken

    monkeypatch.setattr(services.signin, "API_TOKENS_PER_PERSON", 3)
    made = [
        services.api_token_create(actor=org.east_rep, person=org.east_rep, label=f"t{n}") for n in range(4)
    ]
    assert list(
        ApiToken.objects.filter(user=org.east_rep)
        .order_by("created_at", "id")
        .values_list("label", flat=True)
    ) == ["t1", "t2", "t3"]
    assert not _works(made[0][1]) and _works(made[3][1])
    assert "person.api_tokens_revoke" in _actions(org.east_rep)


def test_api_token_revoke_is_for_the_owner(org):
    token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=org.admin, token=token)
    assert _works(key)
    services.api_token_revoke(actor=org.east_rep, token=token)
    assert not _works(key)
    assert AuditLog.objects.filter(action="api_token.revoke", target_id=str(token.pk)).exists()


def test_last_use_is_written_at_most_once_a_minute(org, django_assert_num_queries):
    from portal.people.models import ApiToken

    token, _key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    services.api_token_touch(token=token)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(0):
        services.api_token_touch(token=token)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    token.refresh_from_db()
    services.api_token_touch(token=token)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - datetime.timedelta(minutes=2)


def test_password_change_revokes_every_token_and_ends_sessions(org):
    old_hash = org.east_rep.get_session_auth_hash()
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    services.person_password_change(actor=org.east_rep, person=org.east_rep, password=NEW_PASSWORD)
    org.east_rep.refresh_from_db()
    assert org.east_rep.check_password(NEW_PASSWORD)
    assert org.east_rep.get_session_auth_hash() != old_hash
    assert not org.east_rep.api_tokens.exists() and not _works(key)
    assert _actions(org.east_rep)[-2:] == ["person.password_change", "person.api_tokens_revoke"]


def test_password_change_rules(org):
    with pytest.raises(PermissionDenied):
        services.person_password_change(actor=org.sales_head, person=org.east_rep, password=NEW_PASSWORD)
    with pytest.raises(ValidationError) as exc:
        services.person_password_change(actor=org.east_rep, person=org.east_rep, password="123")
    assert "password" in exc.value.message_dict
    services.person_password_change(actor=org.admin, person=org.east_rep, password=NEW_PASSWORD)


def test_a_token_made_before_a_password_change_elsewhere_stops_working(org):
    """Even a change that bypasses the services (manage.py changepassword, the shell) ends the tokens."""
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    org.east_rep.set_password(NEW_PASSWORD)
    org.east_rep.save()
    assert not _works(key)
    assert not selectors.api_token_list(user=org.east_rep).exists()


def test_password_reset_revokes_tokens(org):
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    services.person_password_reset(person=org.east_rep, password=NEW_PASSWORD)
    assert not _works(key) and "person.password_reset" in _actions(org.east_rep)


def test_sign_out_everywhere_changes_the_auth_hash_and_revokes_tokens(org):
    before = org.east_rep.get_session_auth_hash()
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    with pytest.raises(PermissionDenied):
        services.person_sign_out_everywhere(actor=org.sales_head, person=org.east_rep)
    services.person_sign_out_everywhere(actor=org.admin, person=org.east_rep)
    assert org.east_rep.auth_generation == 1 and org.east_rep.get_session_auth_hash() != before
    assert not _works(key)
    assert _actions(org.east_rep)[-2:] == ["person.sign_out_everywhere", "person.api_tokens_revoke"]
    services.person_sign_out_everywhere(actor=org.east_rep, person=org.east_rep)
    assert User.objects.get(pk=org.east_rep.pk).auth_generation == 2


def test_generation_zero_keeps_djangos_session_hash(org):
    """Sessions made before the sign-out generation existed stay valid after the upgrade."""
    from django.contrib.auth.base_user import AbstractBaseUser

    djangos = AbstractBaseUser._get_session_auth_hash(org.east_rep)  # Django's own, not the override
    assert org.east_rep.auth_generation == 0
    assert org.east_rep.get_session_auth_hash() == djangos
    org.east_rep.auth_generation = 1
    assert org.east_rep.get_session_auth_hash() != djangos


def test_password_reset_requests_are_limited_per_email_and_per_address(org, settings):
    from portal.people.models import PasswordResetRequest

    settings.LUMEN_PASSWORD_RESET_EMAIL_LIMIT = 2
    settings.LUMEN_PASSWORD_RESET_ADDRESS_LIMIT = 3
    services.password_reset_request(email="east.rep@acme.test", address="192.0.2.1")
    services.password_reset_request(email="EAST.REP@acme.test ", address="192.0.2.2")
    with pytest.raises(services.TooManyRequests) as exc:
        services.password_reset_request(email="east.rep@acme.test", address="192.0.2.3")
    assert 0 < exc.value.retry_after <= 3600
    # Per address, whatever e-mail addresses are asked for.
    services.password_reset_request(email="a@acme.test", address="192.0.2.9")
    services.password_reset_request(email="b@acme.test", address="192.0.2.9")
    services.password_reset_request(email="c@acme.test", address="192.0.2.9")
    with pytest.raises(services.TooManyRequests):
        services.password_reset_request(email="d@acme.test", address="192.0.2.9")
    # The typed address is not kept in clear.
    assert not PasswordResetRequest.objects.filter(email_digest__icontains="acme").exists()
    # After the window, asking again works, and old requests are cleared away.
    PasswordResetRequest.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=61))
    services.password_reset_request(email="east.rep@acme.test", address="192.0.2.9")
    assert PasswordResetRequest.objects.count() == 1


def test_a_reset_request_is_audited_only_for_a_real_account(org):
    services.password_reset_request(email="east.rep@acme.test", address="192.0.2.1")
    services.password_reset_request(email="nobody@acme.test", address="192.0.2.1")
    assert AuditLog.objects.filter(action="person.password_reset_request").count() == 1
    assert _actions(org.east_rep)[-1] == "person.password_reset_request"


def test_tokens_survive_a_secret_key_rotation_while_the_old_key_is_a_fallback(org, settings):
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-" + old
    settings.SECRET_KEY_FALLBACKS = [old]
    assert _works(key)
    services.api_token_create(
        actor=org.east_rep, person=org.east_rep
    )  # clears only tokens that stopped working
    assert _works(key)
    settings.SECRET_KEY_FALLBACKS = []
    assert not _works(key)
