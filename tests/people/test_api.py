"""The people API: CRUD, actions, filters, the JSON error shape, the permission matrix, query budgets."""

from __future__ import annotations

import datetime
import io
import itertools
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.people import services
from portal.people.api.serializers import PersonUpdateSerializer
from portal.people.models import ApiToken, Company, Department, Invitation, User
from tests.people.factories import InvitationFactory, UserFactory
from tests.utils import Endpoint, assert_matrix, assert_query_budget, client_as, rows

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"
DEPARTMENTS = "/api/v1/departments/"
INVITATIONS = "/api/v1/invitations/"
COMPANY = "/api/v1/company/"

_seq = itertools.count()


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}"


def _png() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["status"] == status and set(error) == {"status", "code", "message", "fields"}
    return error


# --- Routes ----------------------------------------------------------------------------------------


def test_routes_have_the_expected_names():
    assert reverse("person-list") == PEOPLE
    assert reverse("department-list") == DEPARTMENTS
    assert reverse("invitation-list") == INVITATIONS
    assert reverse("person-me") == PEOPLE + "me/"
    assert reverse("department-tree") == DEPARTMENTS + "tree/"


def test_update_serializer_offers_exactly_the_editable_fields():
    assert set(PersonUpdateSerializer().fields) == set(services.ADMIN_EDITABLE_FIELDS)


# --- People ----------------------------------------------------------------------------------------


def test_people_list_shape_and_pagination(org):
    body = client_as(org.sales_rep).get(PEOPLE, {"page_size": 3}).json()
    assert body["count"] == 9 and len(body["results"]) == 3 and body["next"]
    row = next(
        r for r in client_as(org.sales_rep).get(PEOPLE).json()["results"] if r["id"] == org.east_rep.pk
    )
    assert row["email"] == "east.rep@acme.test"
    assert row["full_name"] == org.east_rep.full_name
    assert row["department"] == {"id": org.east.pk, "name": "Sales East"}
    assert row["photo_url"] is None and row["is_active"] is True
    assert {"password", "supervisor"}.isdisjoint(row)


def test_people_filters(org):
    client = client_as(org.sales_rep)

    def emails(params):
        return {r["email"] for r in client.get(PEOPLE, params).json()["results"]}

    assert emails({"department": org.east.pk}) == {
        "east.head@acme.test",
        "east.rep@acme.test",
        "field.rep@acme.test",
    }
    assert emails({"q": "field.rep"}) == {"field.rep@acme.test"}
    assert emails({"position": "ceo"}) == {"ceo@acme.test"}
    _error(client.get(PEOPLE, {"department": 999999}), 400)


def test_deactivated_people_are_listed_for_admins_only(org):
    gone = UserFactory(email="gone@acme.test", is_active=False, department=org.it)
    assert gone.email not in {r["email"] for r in client_as(org.sales_rep).get(PEOPLE).json()["results"]}
    admin_rows = client_as(org.admin).get(PEOPLE, {"active": "false"}).json()["results"]
    assert [r["email"] for r in admin_rows] == ["gone@acme.test"]
    _error(client_as(org.sales_rep).get(f"{PEOPLE}{gone.pk}/"), 404)


def test_person_detail_has_supervisor(org):
    body = client_as(org.developer).get(f"{PEOPLE}{org.field_rep.pk}/").json()
    assert body["supervisor"] == org.east_head.pk
    assert client_as(org.developer).get(f"{PEOPLE}{org.ceo.pk}/").json()["supervisor"] is None


def test_me_reads_and_edits_own_profile_with_photo(org):
    client = client_as(org.east_rep)
    assert client.get(PEOPLE + "me/").json()["id"] == org.east_rep.pk
    response = client.patch(PEOPLE + "me/", {"phone": "+1 555", "photo": _png()}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "+1 555"
    assert response.json()["photo_url"] == f"/company/people/{org.east_rep.pk}/photo"
    assert client.patch(PEOPLE + "me/", {"photo": None}, format="json").json()["photo_url"] is None
    error = _error(client.patch(PEOPLE + "me/", {"position": "Boss"}), 403)
    assert error["code"] == "permission_denied"
    org.east_rep.refresh_from_db()
    assert org.east_rep.position == "Specialist"


def test_bad_photo_is_a_field_error(org):
    bad = SimpleUploadedFile("x.png", b"definitely not a png")
    error = _error(client_as(org.east_rep).patch(PEOPLE + "me/", {"photo": bad}, format="multipart"), 400)
    assert "photo" in error["fields"]


def test_admin_edits_other_profiles(org):
    response = client_as(org.admin).patch(
        f"{PEOPLE}{org.east_rep.pk}/", {"position": "Lead", "email": "Lead@acme.test"}
    )
    assert response.status_code == 200
    assert (response.json()["position"], response.json()["email"]) == ("Lead", "lead@acme.test")
    error = _error(client_as(org.admin).patch(f"{PEOPLE}{org.east_rep.pk}/", {"email": "dev@acme.test"}), 400)
    assert "email" in error["fields"]
    _error(client_as(org.admin).patch(f"{PEOPLE}{org.east_rep.pk}/", {"birthday": "not-a-date"}), 400)
    assert client_as(org.admin).put(f"{PEOPLE}{org.east_rep.pk}/", {}).status_code == 405


def test_create_person(org):
    response = client_as(org.sales_head).post(
        PEOPLE,
        {"email": "Fresh@acme.test", "first_name": "Fre", "department": org.field.pk, "position": "Rep"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "fresh@acme.test" and body["department"]["id"] == org.field.pk
    assert body["supervisor"] == org.east_head.pk
    assert Department.objects.get(pk=org.field.pk).members_count == 2  # field_rep and the newcomer
    error = _error(client_as(org.admin).post(PEOPLE, {"email": "fresh@acme.test", "first_name": "X"}), 400)
    assert "email" in error["fields"]
    error = _error(client_as(org.admin).post(PEOPLE, {"email": "nope"}), 400)
    assert {"email", "first_name"} <= set(error["fields"])


def test_move_subordinates_and_supervisor_actions(org):
    admin = client_as(org.admin)
    response = admin.post(f"{PEOPLE}{org.east_rep.pk}/move/", {"department": org.it.pk})
    assert response.status_code == 200 and response.json()["supervisor"] == org.it_head.pk
    viewer = client_as(org.developer)
    direct = viewer.get(f"{PEOPLE}{org.sales_head.pk}/subordinates/").json()
    assert {r["email"] for r in direct["results"]} == {"sales.rep@acme.test", "east.head@acme.test"}
    everyone = viewer.get(f"{PEOPLE}{org.sales_head.pk}/subordinates/", {"recursive": "true"}).json()
    assert {r["email"] for r in everyone["results"]} == {
        "sales.rep@acme.test",
        "east.head@acme.test",
        "field.rep@acme.test",
    }
    supervisor = viewer.get(f"{PEOPLE}{org.field_rep.pk}/supervisor/").json()["supervisor"]
    assert supervisor["id"] == org.east_head.pk and supervisor["department"]["name"] == "Sales East"
    assert viewer.get(f"{PEOPLE}{org.ceo.pk}/supervisor/").json() == {"supervisor": None}
    error = _error(admin.post(f"{PEOPLE}{org.east_rep.pk}/move/", {"department": 999999}), 400)
    assert "department" in error["fields"]


def test_deactivate_and_activate(org):
    admin = client_as(org.admin)
    assert admin.post(f"{PEOPLE}{org.sales_head.pk}/deactivate/").json()["is_active"] is False
    assert Department.objects.get(pk=org.sales.pk).head_id is None
    assert admin.post(f"{PEOPLE}{org.sales_head.pk}/activate/").json()["is_active"] is True
    error = _error(admin.post(f"{PEOPLE}{org.admin.pk}/deactivate/"), 400)
    assert error["fields"] == {"non_field_errors": ["You cannot deactivate yourself."]}


# --- Departments ---------------------------------------------------------------------------------------


def test_departments_list_in_tree_order(org):
    services.departments_recount()
    rows = client_as(org.developer).get(DEPARTMENTS).json()["results"]
    assert [(r["name"], r["depth"]) for r in rows] == [
        ("Acme", 1),
        ("IT", 2),
        ("Sales", 2),
        ("Sales East", 3),
        ("East Field", 4),
    ]
    east = rows[3]
    assert east["parent"] == org.sales.pk and east["members_count"] == 2
    assert east["head"] == {
        "id": org.east_head.pk,
        "full_name": org.east_head.full_name,
        "email": org.east_head.email,
    }
    assert rows[0]["parent"] is None and rows[4]["head"] is None


def test_departments_filters(org):
    client = client_as(org.developer)
    within = client.get(DEPARTMENTS, {"parent": org.sales.pk}).json()["results"]
    assert [r["name"] for r in within] == ["Sales East", "East Field"]
    assert [r["name"] for r in client.get(DEPARTMENTS, {"q": "east"}).json()["results"]] == [
        "Sales East",
        "East Field",
    ]
    assert client.get(f"{DEPARTMENTS}{org.field.pk}/").json()["parent"] == org.east.pk


def test_department_tree_endpoint(org):
    services.departments_recount()
    (root,) = client_as(org.developer).get(DEPARTMENTS + "tree/").json()
    assert root["name"] == "Acme" and root["total"] == 9 and root["members_count"] == 2
    assert [c["name"] for c in root["children"]] == ["IT", "Sales"]
    sales = root["children"][1]
    assert sales["total"] == 5 and sales["head"]["id"] == org.sales_head.pk
    assert sales["children"][0]["children"][0]["name"] == "East Field"


def test_department_write_cycle(org):
    client = client_as(org.sales_head)
    response = client.post(DEPARTMENTS, {"name": "Field South", "parent": org.east.pk})
    assert response.status_code == 201, response.content
    dept_id = response.json()["id"]
    assert response.json()["parent"] == org.east.pk and response.json()["depth"] == 4
    _error(client.post(DEPARTMENTS, {"name": "field south", "parent": org.east.pk}), 400)
    assert client.patch(f"{DEPARTMENTS}{dept_id}/", {"name": "South"}).json()["name"] == "South"
    moved = client.post(f"{DEPARTMENTS}{dept_id}/move/", {"parent": org.field.pk}).json()
    assert moved["parent"] == org.field.pk and moved["depth"] == 5
    headed = client.post(f"{DEPARTMENTS}{dept_id}/head/", {"head": org.east_rep.pk}).json()
    assert headed["head"]["id"] == org.east_rep.pk and headed["members_count"] == 1
    error = _error(client.delete(f"{DEPARTMENTS}{dept_id}/"), 400)
    assert "people" in error["fields"]["non_field_errors"][0]
    assert client.post(f"{DEPARTMENTS}{dept_id}/head/", {"head": None}).json()["head"] is None
    client_as(org.admin).post(f"{PEOPLE}{org.east_rep.pk}/move/", {"department": org.east.pk})
    assert client.delete(f"{DEPARTMENTS}{dept_id}/").status_code == 204
    assert not Department.objects.filter(pk=dept_id).exists()


def test_department_move_into_own_subtree_is_a_field_error(org):
    error = _error(
        client_as(org.admin).post(f"{DEPARTMENTS}{org.sales.pk}/move/", {"parent": org.field.pk}), 400
    )
    assert list(error["fields"]) == ["parent"]


# --- Invitations --------------------------------------------------------------------------------------


def test_invitations_create_from_list_or_text_and_never_expose_secrets(org):
    client = client_as(org.sales_head)
    response = client.post(INVITATIONS, {"emails": ["a@acme.test", "B@acme.test"], "department": org.east.pk})
    assert response.status_code == 201, response.content
    assert [i["email"] for i in response.json()] == ["a@acme.test", "b@acme.test"]
    response = client.post(INVITATIONS, {"emails": "c@acme.test; d@acme.test", "department": org.field.pk})
    assert [i["email"] for i in response.json()] == ["c@acme.test", "d@acme.test"]
    listing = client.get(INVITATIONS).content.decode()
    for invitation in Invitation.objects.all():
        assert invitation.secret not in listing
        assert services.invitation_token(invitation) not in listing
    row = json.loads(listing)["results"][0]
    assert "secret" not in row and row["status"] == "pending" and row["invited_by"]["id"] == org.sales_head.pk


def test_invitation_bad_batch_creates_nothing(org):
    error = _error(
        client_as(org.admin).post(
            INVITATIONS, {"emails": "ok@acme.test, broken, dev@acme.test", "department": org.it.pk}
        ),
        400,
    )
    assert len(error["fields"]["emails"]) == 2
    assert not Invitation.objects.exists()
    error = _error(client_as(org.admin).post(INVITATIONS, {"emails": 42, "department": org.it.pk}), 400)
    assert "emails" in error["fields"]


def test_invitation_actions_and_status_filter(org):
    client = client_as(org.admin)
    first, second = client.post(
        INVITATIONS, {"emails": "x@acme.test, y@acme.test", "department": org.it.pk}
    ).json()
    resent = client.post(f"{INVITATIONS}{first['id']}/resend/").json()
    assert resent["sent_count"] == 2 and resent["status"] == "pending"
    assert client.post(f"{INVITATIONS}{second['id']}/revoke/").json()["status"] == "revoked"
    _error(client.post(f"{INVITATIONS}{second['id']}/resend/"), 400)
    revoked = client.get(INVITATIONS, {"status": "revoked"}).json()["results"]
    assert [r["email"] for r in revoked] == ["y@acme.test"]
    pending = client.get(INVITATIONS, {"status": "pending"}).json()["results"]
    assert [r["email"] for r in pending] == ["x@acme.test"]
    assert client.get(f"{INVITATIONS}{first['id']}/").json()["email"] == "x@acme.test"


def test_supervisor_sees_only_invitations_into_their_subtree(org):
    services.invitation_send(actor=org.admin, emails=["into.it@acme.test"], department=org.it)
    services.invitation_send(actor=org.admin, emails=["into.field@acme.test"], department=org.field)
    rows = client_as(org.sales_head).get(INVITATIONS).json()["results"]
    assert [r["email"] for r in rows] == ["into.field@acme.test"]
    assert client_as(org.east_rep).get(INVITATIONS).json()["results"] == []


# --- Search ---------------------------------------------------------------------------------------------


def test_people_search_provider(org):
    services.person_update(actor=org.admin, person=org.east_rep, position="Key Account Manager")
    UserFactory(email="gone.account@acme.test", position="Account Clerk", is_active=False)
    body = client_as(org.developer).get("/api/v1/search/", {"q": "account", "kind": "people"}).json()
    (group,) = body["results"]
    assert group["kind"] == "people" and group["label"] == "People"
    assert group["hits"] == [
        {
            "title": org.east_rep.full_name,
            "url": f"/company/people/{org.east_rep.pk}/",
            "snippet": "Key Account Manager · Sales East",
        }
    ]
    admin_hits = client_as(org.admin).get("/api/v1/search/", {"q": "account", "kind": "people"}).json()
    assert len(admin_hits["results"][0]["hits"]) == 2  # admins find deactivated people too


# --- Company -------------------------------------------------------------------------------------------


def test_company_read_and_update(org):
    assert client_as(org.developer).get(COMPANY).json()["name"] == "Acme Ltd"
    response = client_as(org.admin).patch(
        COMPANY, {"name": "Acme Group", "group_creation_policy": "everyone"}
    )
    assert response.status_code == 200 and response.json()["group_creation_policy"] == "everyone"
    assert Department.objects.get(pk=org.root.pk).name == "Acme Group"
    error = _error(client_as(org.admin).patch(COMPANY, {"group_creation_policy": "nobody"}), 400)
    assert "group_creation_policy" in error["fields"]
    error = _error(client_as(org.admin).patch(COMPANY, {"default_time_zone": "Mars/Base"}), 400)
    assert "default_time_zone" in error["fields"]


def test_company_before_registration_is_404(org):
    Company.objects.all().delete()
    _error(client_as(org.admin).get(COMPANY), 404)


# --- The role x endpoint matrix --------------------------------------------------------------------------


def test_permission_matrix(org, roles):
    anon = (401, 403)
    everyone = {"anonymous": anon, "outsider": 200, "member": 200, "supervisor": 200, "admin": 200}

    def only(ok: int, *allowed: str, others: int = 403) -> dict:
        result = {"anonymous": anon}
        for role in ("outsider", "member", "supervisor", "admin"):
            result[role] = ok if role in allowed else others
        return result

    def fresh_person(role, **extra) -> User:
        return UserFactory(email=f"{_unique(role)}@acme.test", department=org.east, **extra)

    def fresh_department(role) -> Department:
        return services.department_create(
            actor=org.admin, name=_unique(f"Team {role} "), parent=Department.objects.get(pk=org.east.pk)
        )

    def fresh_invitation(role) -> Invitation:
        return InvitationFactory(
            email=f"{_unique(role)}@invited.test", department=org.east, invited_by=org.admin
        )

    it_invitation = InvitationFactory(email="it@invited.test", department=org.it, invited_by=org.admin)
    east_invitation = InvitationFactory(email="east@invited.test", department=org.east, invited_by=org.admin)
    gone = UserFactory(email="gone@acme.test", department=org.it, is_active=False)

    endpoints = [
        # People
        Endpoint("people list", "GET", PEOPLE, everyone),
        Endpoint("people retrieve", "GET", f"{PEOPLE}{org.east_rep.pk}/", everyone),
        Endpoint("people retrieve deactivated", "GET", f"{PEOPLE}{gone.pk}/", only(200, "admin", others=404)),
        Endpoint("people me", "GET", PEOPLE + "me/", everyone),
        Endpoint(
            "people me patch",
            "PATCH",
            PEOPLE + "me/",
            everyone,
            data=lambda role: {"phone": f"+1 {role}"},
            changed=rows(User, "phone"),
        ),
        Endpoint(
            "people patch member's profile",
            "PATCH",
            f"{PEOPLE}{org.east_rep.pk}/",
            only(200, "member", "admin"),
            data=lambda role: {"phone": f"+2 {role}"},
            changed=rows(User, "phone"),
        ),
        Endpoint(
            "people create",
            "POST",
            PEOPLE,
            only(201, "supervisor", "admin"),
            data=lambda role: {
                "email": f"{_unique(role)}@acme.test",
                "first_name": "N",
                "department": org.east.pk,
            },
            changed=rows(User),
        ),
        Endpoint(
            "people move",
            "POST",
            lambda role: f"{PEOPLE}{fresh_person(role).pk}/move/",
            only(200, "supervisor", "admin"),
            data={"department": org.field.pk},
            changed=rows(User, "department_id"),
        ),
        Endpoint(
            "people deactivate",
            "POST",
            lambda role: f"{PEOPLE}{fresh_person(role).pk}/deactivate/",
            only(200, "admin"),
            changed=rows(User, "is_active"),
        ),
        Endpoint(
            "people activate",
            "POST",
            lambda role: f"{PEOPLE}{fresh_person(role, is_active=False).pk}/activate/",
            only(200, "admin", others=404),
            changed=rows(User, "is_active"),
        ),
        Endpoint("people subordinates", "GET", f"{PEOPLE}{org.sales_head.pk}/subordinates/", everyone),
        Endpoint("people supervisor", "GET", f"{PEOPLE}{org.east_rep.pk}/supervisor/", everyone),
        # Departments
        Endpoint("departments list", "GET", DEPARTMENTS, everyone),
        Endpoint("departments retrieve", "GET", f"{DEPARTMENTS}{org.east.pk}/", everyone),
        Endpoint("departments tree", "GET", DEPARTMENTS + "tree/", everyone),
        Endpoint(
            "departments create",
            "POST",
            DEPARTMENTS,
            only(201, "supervisor", "admin"),
            data=lambda role: {"name": _unique(f"New {role} "), "parent": org.east.pk},
            changed=rows(Department),
        ),
        Endpoint(
            "departments rename",
            "PATCH",
            lambda role: f"{DEPARTMENTS}{fresh_department(role).pk}/",
            only(200, "supervisor", "admin"),
            data=lambda role: {"name": _unique(f"Renamed {role} ")},
            changed=rows(Department, "name"),
        ),
        Endpoint(
            "departments move",
            "POST",
            lambda role: f"{DEPARTMENTS}{fresh_department(role).pk}/move/",
            only(200, "supervisor", "admin"),
            data={"parent": org.field.pk},
            changed=rows(Department, "path"),
        ),
        Endpoint(
            "departments head",
            "POST",
            lambda role: f"{DEPARTMENTS}{fresh_department(role).pk}/head/",
            only(200, "supervisor", "admin"),
            data=lambda role: {"head": fresh_person(role).pk},
            changed=rows(Department, "head_id"),
        ),
        Endpoint(
            "departments delete",
            "DELETE",
            lambda role: f"{DEPARTMENTS}{fresh_department(role).pk}/",
            only(204, "supervisor", "admin"),
            changed=rows(Department),
        ),
        # Invitations
        Endpoint("invitations list", "GET", INVITATIONS, everyone),
        Endpoint(
            "invitations retrieve (sub-tree)",
            "GET",
            f"{INVITATIONS}{east_invitation.pk}/",
            only(200, "supervisor", "admin", others=404),
        ),
        Endpoint(
            "invitations retrieve (elsewhere)",
            "GET",
            f"{INVITATIONS}{it_invitation.pk}/",
            only(200, "admin", others=404),
        ),
        Endpoint(
            "invitations create",
            "POST",
            INVITATIONS,
            only(201, "supervisor", "admin"),
            data=lambda role: {"emails": [f"{_unique(role)}@new.test"], "department": org.east.pk},
            changed=rows(Invitation),
        ),
        Endpoint(
            "invitations resend",
            "POST",
            lambda role: f"{INVITATIONS}{fresh_invitation(role).pk}/resend/",
            only(200, "supervisor", "admin", others=404),
            changed=rows(Invitation, "sent_count"),
        ),
        Endpoint(
            "invitations revoke",
            "POST",
            lambda role: f"{INVITATIONS}{fresh_invitation(role).pk}/revoke/",
            only(200, "supervisor", "admin", others=404),
            changed=rows(Invitation, "revoked_at"),
        ),
        # The company
        Endpoint("company read", "GET", COMPANY, everyone),
        Endpoint(
            "company update",
            "PATCH",
            COMPANY,
            only(200, "admin"),
            data={"name": "Acme Renamed"},
            changed=rows(Company, "name"),
        ),
    ]
    assert_matrix(roles, endpoints)


def test_token_authentication_works_for_the_people_api(org):
    from rest_framework.test import APIClient

    _token, key = services.api_token_create(actor=org.developer, person=org.developer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(PEOPLE + "me/").json()["email"] == "dev@acme.test"


# --- Query budgets: a page costs the same at 10 and at 1,000 rows -----------------------------------


def _bulk_people(n: int, departments: list[Department], prefix: str = "bulk") -> None:
    User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{i}@acme.test",
                first_name=f"{prefix.title()}{i}",
                last_name="Person",
                position="Clerk",
                department=departments[i % len(departments)],
                photo="people/photos/x.png" if i % 3 == 0 else "",
            )
            for i in range(n)
        ]
    )


def _base36(number: int, width: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = alphabet[rest] + digits
    return digits.rjust(width, "0")


def _bulk_departments(parent: Department, n: int, heads: list[User]) -> None:
    """Many children of `parent` at once (materialised paths written directly: treebeard's one-by-one
    insert would make the test slow), some of them headed."""
    parent = Department.objects.get(pk=parent.pk)
    start = parent.numchild
    rows = [
        Department(
            name=f"Bulk {i:04d}",
            path=parent.path + _base36(start + i + 1, Department.steplen),
            depth=parent.depth + 1,
            numchild=0,
            head=heads[i] if i < len(heads) else None,
        )
        for i in range(n)
    ]
    Department.objects.bulk_create(rows)
    Department.objects.filter(pk=parent.pk).update(numchild=start + n)


def test_people_list_query_budget(org):
    _bulk_people(1, [org.it])  # 10 people
    client = client_as(org.admin)

    def fetch():
        response = client.get(PEOPLE)
        assert response.status_code == 200

    def grow():
        _bulk_people(990, [org.root, org.sales, org.east, org.field, org.it], prefix="zqmore")
        assert User.objects.count() == 1000

    assert client.get(PEOPLE).json()["count"] == 10
    assert_query_budget(fetch, grow, budget=4)
    assert client.get(PEOPLE, {"department": org.sales.pk, "q": "zqmore"}).json()["count"] == 594
    rows = client.get(PEOPLE, {"q": "zqmore0"}).json()["results"]
    assert rows[0]["photo_url"] == f"/company/people/{rows[0]['id']}/photo"


def test_departments_list_query_budget(org):
    heads = [UserFactory(email=f"h{i}@acme.test", department=org.it) for i in range(5)]
    _bulk_departments(org.it, 5, heads)  # 10 departments
    client = client_as(org.developer)

    def fetch():
        response = client.get(DEPARTMENTS, {"page_size": 200})
        assert response.status_code == 200
        assert all(r["parent"] for r in response.json()["results"][1:])

    def grow():
        more_heads = [User(email=f"mh{i}@acme.test", first_name="H") for i in range(200)]
        User.objects.bulk_create(more_heads)
        _bulk_departments(org.sales, 990, list(User.objects.filter(email__startswith="mh")))
        assert Department.objects.count() == 1000

    assert client.get(DEPARTMENTS).json()["count"] == 10
    assert_query_budget(fetch, grow, budget=4)
    assert Department.objects.find_problems() == ([], [], [], [], [])


# --- Signing in: the token endpoint and one's own tokens --------------------------------------------

TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"


def _token_client(key: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_token_routes_keep_their_names():
    assert reverse("api-token") == TOKEN
    assert reverse("apitoken-list") == TOKENS


def test_the_token_endpoint_issues_a_new_expiring_token_each_time(org, settings):
    settings.LUMEN_API_TOKEN_TTL_DAYS = 10
    client = client_as(None)
    body = client.post(
        TOKEN, {"email": "EAST.REP@acme.test", "password": "pass-word-123", "label": "cli"}
    ).json()
    assert set(body) == {"token", "id", "label", "prefix", "created_at", "last_used_at", "expires_at"}
    assert body["label"] == "cli" and body["token"].startswith(body["prefix"])
    second = client.post(TOKEN, {"email": "east.rep@acme.test", "password": "pass-word-123"}).json()
    assert second["token"] != body["token"]
    me = _token_client(body["token"]).get(PEOPLE + "me/")
    assert me.status_code == 200 and me.json()["email"] == "east.rep@acme.test"
    from portal.people.models import ApiToken

    token = ApiToken.objects.get(pk=body["id"])
    assert (token.expires_at - token.created_at).days == 10 and token.last_used_at is not None


def test_an_expired_token_answers_401_in_the_error_shape(org):
    from django.utils import timezone

    from portal.people.models import ApiToken

    token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    past = timezone.now() - datetime.timedelta(days=40)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=past, expires_at=past + datetime.timedelta(days=30)
    )
    response = _token_client(key).get(PEOPLE + "me/")
    error = _error(response, 401)
    assert error["code"] == "token_expired" and "expired" in error["message"]
    assert response["WWW-Authenticate"] == "Token"
    assert not client_as(org.east_rep).get(TOKENS).json()["results"]  # expired tokens are not listed


def test_an_unknown_or_revoked_token_answers_401(org):
    error = _error(_token_client("not-a-token").get(PEOPLE + "me/"), 401)
    assert error["code"] == "token_invalid"
    token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    services.api_token_revoke(actor=org.east_rep, token=token)
    assert _error(_token_client(key).get(PEOPLE + "me/"), 401)["code"] == "token_invalid"


def test_a_deactivated_persons_token_stops_working(org):
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    services.person_set_active(actor=org.admin, person=org.east_rep, active=False)
    assert _error(_token_client(key).get(PEOPLE + "me/"), 401)["code"] == "token_invalid"


def test_list_make_and_revoke_own_tokens(org):
    client = client_as(org.east_rep)
    made = client.post(TOKENS, {"label": "deploy"})
    assert made.status_code == 201
    key = made.json()["token"]
    listed = client.get(TOKENS).json()["results"]
    assert [t["label"] for t in listed] == ["deploy"]
    assert set(listed[0]) == {"id", "label", "prefix", "created_at", "last_used_at", "expires_at"}
    assert key not in json.dumps(listed)
    # A token may manage the tokens of its owner, itself included.
    by_token = _token_client(key)
    assert by_token.get(TOKENS).status_code == 200
    assert by_token.delete(f"{TOKENS}{made.json()['id']}/").status_code == 204
    assert _error(by_token.get(PEOPLE + "me/"), 401)["code"] == "token_invalid"
    assert client.get(TOKENS).json()["count"] == 0


def test_nobody_sees_or_revokes_somebody_elses_token(org):
    token, key = services.api_token_create(actor=org.sales_rep, person=org.sales_rep)
    for user in (org.east_rep, org.sales_head, org.admin):
        client = client_as(user)
        assert client.get(TOKENS).json()["count"] == 0
        _error(client.delete(f"{TOKENS}{token.pk}/"), 404)
    assert _token_client(key).get(PEOPLE + "me/").status_code == 200


def test_a_token_from_before_a_password_change_answers_401(org):
    body = client_as(None).post(TOKEN, {"email": "east.rep@acme.test", "password": "pass-word-123"}).json()
    page = client_as(org.east_rep)
    response = page.post(
        reverse("password_change"),
        "old_password=pass-word-123&new_password1=a-fresh-Secret-4711&new_password2=a-fresh-Secret-4711",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    assert _error(_token_client(body["token"]).get(PEOPLE + "me/"), 401)["code"] == "token_invalid"


def test_own_tokens_list_query_budget(org):
    from portal.people.models import ApiToken

    client = client_as(org.east_rep)
    services.api_token_create(actor=org.east_rep, person=org.east_rep)

    def fetch():
        assert client.get(TOKENS).status_code == 200

    def grow():
        now = datetime.datetime.now(datetime.UTC)
        auth_hash = org.east_rep.get_session_auth_hash()
        ApiToken.objects.bulk_create(
            ApiToken(
                user=org.east_rep,
                prefix=f"p{i}",
                key_hash=f"{i:064d}",
                auth_hash=auth_hash,
                created_at=now,
                expires_at=now + datetime.timedelta(days=1),
            )
            for i in range(40)
        )

    assert client.get(TOKENS).json()["count"] == 1
    assert_query_budget(fetch, grow, budget=4)
    assert client.get(TOKENS).json()["count"] == 41


def test_token_endpoints_matrix(org, roles):
    anon = (401, 403)
    mine = {
        role: services.api_token_create(actor=user, person=user)[0] for role, user in roles.items() if user
    }
    somebody_elses, _key = services.api_token_create(actor=org.field_rep, person=org.field_rep)
    assert_matrix(
        roles,
        [
            Endpoint(
                "own tokens list",
                "GET",
                TOKENS,
                {"anonymous": anon, "outsider": 200, "member": 200, "supervisor": 200, "admin": 200},
            ),
            Endpoint(
                "make a token",
                "POST",
                TOKENS,
                {"anonymous": anon, "outsider": 201, "member": 201, "supervisor": 201, "admin": 201},
                data={"label": "x"},
                changed=rows(ApiToken),
            ),
            Endpoint(
                "revoke own token",
                "DELETE",
                lambda role: f"{TOKENS}{mine[role].pk if role in mine else 0}/",
                {"anonymous": anon, "outsider": 204, "member": 204, "supervisor": 204, "admin": 204},
                changed=rows(ApiToken),
            ),
            Endpoint(
                "revoke somebody else's token",
                "DELETE",
                f"{TOKENS}{somebody_elses.pk}/",
                {"anonymous": anon, "outsider": 404, "member": 404, "supervisor": 404, "admin": 404},
                changed=rows(ApiToken),
            ),
            Endpoint(
                "sign in for a token",
                "POST",
                TOKEN,
                {"anonymous": 200, "outsider": 200, "member": 200, "supervisor": 200, "admin": 200},
                data={"email": "field.rep@acme.test", "password": "pass-word-123"},
                changed=rows(ApiToken),
            ),
        ],
    )


# --- found by the API sweep and fuzz (tests/core/test_api_methods.py, test_api_fuzz.py) -----------------


def test_head_on_department_actions_changes_nothing(org):
    """The action that sets a department's head was a method named `head`, so it answered HEAD requests of
    every department route without a GET of its own."""
    client = client_as(org.admin)
    for suffix in ("head/", "move/"):
        response = client.generic(
            "HEAD",
            f"{DEPARTMENTS}{org.sales.pk}/{suffix}",
            json.dumps({"head": org.sales_rep.pk}),
            "application/json",
        )
        assert response.status_code == 405
    org.sales.refresh_from_db()
    assert org.sales.head_id == org.sales_head.pk
    headed = client.post(f"{DEPARTMENTS}{org.sales.pk}/head/", {"head": org.sales_rep.pk}, format="json")
    assert headed.status_code == 200 and headed.json()["head"]["id"] == org.sales_rep.pk


@pytest.mark.parametrize("emails", ["\x00", ["ann@acme.test", "bo\x00@acme.test"]])
def test_invitation_addresses_with_a_nul_are_refused(org, emails):
    response = client_as(org.admin).post(
        INVITATIONS, {"emails": emails, "department": org.sales.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"emails": ["Null characters are not allowed."]}
    assert not Invitation.objects.exists()


def test_times_of_day_are_documented_without_a_utc_offset(org):
    """JSON Schema's `time` format requires an offset; working hours are wall-clock times."""
    import re

    from tests.core.openapi import component

    work_start = component("PersonDetail")["properties"]["work_start"]
    assert "format" not in work_start
    body = client_as(org.east_rep).get(f"{PEOPLE}me/").json()
    assert re.fullmatch(work_start["pattern"], body["work_start"])
