"""Role x page permission matrix of the company pages.

Roles (see tests/conftest.py): anonymous; outsider = developer (IT, heads nothing); member = east_rep
(Sales East); supervisor = sales_head (heads Sales, so also Sales East and East Field); admin.
Pages everybody knows exist answer 403 to those without the right; hidden objects answer 404.
"""

from __future__ import annotations

import sys

import pytest
from django.urls import reverse

from portal.people import services
from portal.people.models import ApiToken, Company, Department, Invitation, PasswordResetRequest, User
from tests.matrix import assert_covers_every_route
from tests.people.factories import InvitationFactory, UserFactory
from tests.utils import Endpoint, assert_matrix, rows

LOGIN = 302  # anonymous visitors are sent to the login page


def _all(status, anonymous=LOGIN):
    return {
        "anonymous": anonymous,
        "outsider": status,
        "member": status,
        "supervisor": status,
        "admin": status,
    }


@pytest.fixture
def pages(org):
    east_invitation = InvitationFactory(department=org.east, invited_by=org.admin, email="pending@acme.test")
    return org, east_invitation


def test_read_pages_matrix(roles, pages):
    org, invitation = pages
    endpoints = [
        Endpoint("directory", "GET", reverse("people:directory"), _all(200)),
        # Choosing people is core's chip picker: its lookup answers anonymous callers 401 (it is read by fetch).
        Endpoint(
            "people lookup", "GET", reverse("lookup") + "?sources=people&q=ea", _all(200, anonymous=401)
        ),
        Endpoint(
            "people lookup, bad source",
            "GET",
            reverse("lookup") + "?sources=x%3Cb%3E",
            _all(400, anonymous=401),
        ),
        Endpoint("profile", "GET", reverse("people:profile", args=[org.east_rep.pk]), _all(200)),
        Endpoint("profile missing", "GET", reverse("people:profile", args=[999999]), _all(404)),
        Endpoint("photo (none)", "GET", reverse("people:photo", args=[org.east_rep.pk]), _all(404)),
        Endpoint("profile edit", "GET", reverse("people:profile_edit"), _all(200)),
        Endpoint("org chart", "GET", reverse("people:org_chart"), _all(200)),
        Endpoint("department", "GET", reverse("people:department_detail", args=[org.east.pk]), _all(200)),
        Endpoint("password change", "GET", reverse("password_change"), _all(200)),
        Endpoint(
            "department create form",
            "GET",
            reverse("people:department_create"),
            {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 200, "admin": 200},
        ),
        Endpoint(
            "invitations",
            "GET",
            reverse("people:invitations"),
            {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 200, "admin": 200},
        ),
        Endpoint(
            "invite form",
            "GET",
            reverse("people:invite"),
            {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 200, "admin": 200},
        ),
        Endpoint(
            "company settings",
            "GET",
            reverse("people:company_settings"),
            {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 403, "admin": 200},
        ),
        # Reachable without signing in: the first-run page (done: it leads home) and the auth pages.
        Endpoint("setup when registered", "GET", reverse("setup"), _all(302, anonymous=302)),
        Endpoint("login", "GET", reverse("login"), {"anonymous": 200, "member": 302, "admin": 302}),
        Endpoint("password reset", "GET", reverse("password_reset"), _all(200, anonymous=200)),
        Endpoint(
            "invitation link",
            "GET",
            reverse("people:invitation_accept", args=[services.invitation_token(invitation)]),
            _all(200, anonymous=200),
        ),
        Endpoint(
            "forged invitation link",
            "GET",
            reverse("people:invitation_accept", args=["forged"]),
            _all(404, anonymous=404),
        ),
    ]
    assert_matrix(roles, endpoints)


def test_photo_matrix(roles, org, settings, tmp_path):
    from django.core.files.base import ContentFile

    from tests.people.test_views import png_bytes

    org.east_rep.photo.save("p.png", ContentFile(png_bytes()), save=True)
    hidden = UserFactory(email="gone@acme.test", department=org.east, is_active=False)
    hidden.photo.save("h.png", ContentFile(png_bytes()), save=True)
    assert_matrix(
        roles,
        [
            Endpoint("photo", "GET", reverse("people:photo", args=[org.east_rep.pk]), _all(200)),
            Endpoint(
                "photo of a deactivated person",
                "GET",
                reverse("people:photo", args=[hidden.pk]),
                {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 404, "admin": 200},
            ),
        ],
    )


def test_person_actions_matrix(roles, org):
    """Moving: admins, and heads within their sub-tree. Activation, admin rights, e-mail: admins only."""
    people = {role: UserFactory(email=f"target-{role}@acme.test", department=org.east) for role in roles}

    def target(view):
        return lambda role: reverse(view, args=[people[role].pk])

    forbidden_but_supervisor = {
        "anonymous": LOGIN,
        "outsider": 403,
        "member": 403,
        "supervisor": 302,
        "admin": 302,
    }
    admin_only = {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 403, "admin": 302}
    assert_matrix(
        roles,
        [
            Endpoint(
                "move person",
                "POST",
                target("people:person_move"),
                forbidden_but_supervisor,
                data={"department": org.field.pk},
                format="form",
                changed=rows(User, "department_id"),
            ),
            Endpoint(
                "deactivate",
                "POST",
                target("people:person_set_active"),
                admin_only,
                data={"active": "0"},
                format="form",
                changed=rows(User, "is_active"),
            ),
            Endpoint(
                "make admin",
                "POST",
                target("people:person_set_admin"),
                admin_only,
                data={"is_admin": "1"},
                format="form",
                changed=rows(User, "is_staff"),
            ),
            Endpoint(
                "edit position",
                "POST",
                target("people:person_edit"),
                admin_only,
                data=lambda role: {"position": "Lead", "email": f"target-{role}@acme.test"},
                format="form",
                changed=rows(User, "position"),
            ),
        ],
    )
    for person in people.values():
        person.refresh_from_db()
    assert {p.department_id for r, p in people.items() if r in ("supervisor", "admin")} == {org.field.pk}
    assert not people["admin"].is_active and people["admin"].is_staff and people["admin"].position == "Lead"
    for role in ("outsider", "member"):
        assert people[role].department_id == org.east.pk and people[role].is_active


def test_department_actions_matrix(roles, org):
    """Managing Sales East: its head's head (supervisor) and admins; nobody else."""
    made = []

    def department(role):
        made.append(role)
        return services.department_create(actor=org.admin, name=f"Team {len(made)} {role}", parent=org.east)

    manage = {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 302, "admin": 302}
    assert_matrix(
        roles,
        [
            Endpoint(
                "rename",
                "POST",
                lambda role: reverse("people:department_rename", args=[department(role).pk]),
                manage,
                data=lambda role: {"name": f"Renamed {role}"},
                format="form",
                changed=rows(Department, "name"),
            ),
            Endpoint(
                "set head",
                "POST",
                lambda role: reverse("people:department_set_head", args=[department(role).pk]),
                manage,
                data={"head": org.field_rep.pk},
                format="form",
                changed=rows(Department, "head_id"),
            ),
            Endpoint(
                "move",
                "POST",
                lambda role: reverse("people:department_move", args=[department(role).pk]),
                manage,
                data={"parent": org.sales.pk},
                format="form",
                changed=rows(Department, "path"),
            ),
            Endpoint(
                "delete",
                "POST",
                lambda role: reverse("people:department_delete", args=[department(role).pk]),
                manage,
                format="form",
                changed=rows(Department),
            ),
            Endpoint(
                "create",
                "POST",
                reverse("people:department_create"),
                manage,
                data=lambda role: {"name": f"New {role}", "parent": org.east.pk},
                format="form",
                changed=rows(Department),
            ),
        ],
    )
    assert (
        not Department.objects.filter(name__startswith="New ")
        .exclude(name__in=["New supervisor", "New admin"])
        .exists()
    )


def test_invitation_actions_matrix(roles, org):
    """Resend and revoke: visible only to admins and supervisors of the department (others: 404)."""

    def invitation(action, role):
        return InvitationFactory(
            department=org.east, invited_by=org.admin, email=f"{action}-{role}@acme.test"
        )

    visible = {"anonymous": LOGIN, "outsider": 404, "member": 404, "supervisor": 302, "admin": 302}
    assert_matrix(
        roles,
        [
            Endpoint(
                "resend",
                "POST",
                lambda role: reverse("people:invitation_resend", args=[invitation("resend", role).pk]),
                visible,
                format="form",
                changed=rows(Invitation, "sent_count"),
            ),
            Endpoint(
                "revoke",
                "POST",
                lambda role: reverse("people:invitation_revoke", args=[invitation("revoke", role).pk]),
                visible,
                format="form",
                changed=rows(Invitation, "revoked_at"),
            ),
            Endpoint(
                "invite",
                "POST",
                reverse("people:invite"),
                {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 302, "admin": 302},
                data=lambda role: {"emails": f"new-{role}@acme.test", "department": org.east.pk},
                format="form",
                changed=rows(Invitation),
            ),
        ],
    )
    assert set(Invitation.objects.filter(email__startswith="new-").values_list("email", flat=True)) == {
        "new-supervisor@acme.test",
        "new-admin@acme.test",
    }
    assert set(
        Invitation.objects.filter(sent_count=1, email__startswith="resend-").values_list("email", flat=True)
    ) == {
        "resend-supervisor@acme.test",
        "resend-admin@acme.test",
    }
    assert set(Invitation.objects.filter(revoked_at__isnull=False).values_list("email", flat=True)) == {
        "revoke-supervisor@acme.test",
        "revoke-admin@acme.test",
    }


def test_company_settings_write_matrix(roles, org):
    admin_only = {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 403, "admin": 302}
    assert_matrix(
        roles,
        [
            Endpoint(
                "company settings",
                "POST",
                reverse("people:company_settings"),
                admin_only,
                data={"name": "Acme Group", "group_creation_policy": "everyone", "default_time_zone": "UTC"},
                format="form",
                changed=rows(Company, "name", "group_creation_policy"),
            )
        ],
    )


def test_account_forms_matrix(roles, org):
    """Changing one's password takes a signed-in person; asking for a reset link is for anybody (the same
    answer whether or not the address is somebody's)."""
    assert_matrix(
        roles,
        [
            Endpoint(
                "password change",
                "POST",
                reverse("password_change"),
                _all(302),
                data={
                    "old_password": "pass-word-123",
                    "new_password1": "another-pass-456",
                    "new_password2": "another-pass-456",
                },
                format="form",
                changed=rows(User, "password"),
            ),
            Endpoint(
                "password reset",
                "POST",
                reverse("password_reset"),
                _all(302, anonymous=302),
                data=lambda role: {"email": f"reset-{role}@acme.test"},
                format="form",
                changed=rows(PasswordResetRequest),
            ),
        ],
    )


def test_own_profile_and_first_run_matrix(roles, org):
    """Everybody edits their own profile only; the first-run form does nothing once the company is
    registered (it leads home); an invitation link signs up its invitee whoever uses the browser."""

    def invitation_link(role):
        invitation = InvitationFactory(
            department=org.east, invited_by=org.admin, email=f"join-{role}@acme.test"
        )
        return reverse("people:invitation_accept", args=[services.invitation_token(invitation)])

    assert_matrix(
        roles,
        [
            Endpoint(
                "own profile save",
                "POST",
                reverse("people:profile_edit"),
                _all(302),
                data=lambda role: {
                    "first_name": role.title(),
                    "last_name": "Person",
                    "phone": f"+7 {role}",
                    "time_zone": "UTC",
                    "work_start": "09:00",
                    "work_end": "18:00",
                    "language": "en",
                },
                format="form",
                changed=rows(User, "first_name", "phone"),
            ),
            Endpoint(
                "first-run form when registered",
                "POST",
                reverse("setup"),
                _all(302, anonymous=302),
                data={
                    "company_name": "Another",
                    "email": "new-admin@acme.test",
                    "first_name": "New",
                    "password1": "pass-word-789",
                    "password2": "pass-word-789",
                    "time_zone": "UTC",
                },
                format="form",
                changed=lambda: (rows(Company, "name")(), rows(User)()),
                unchanged_for=tuple(roles),  # it only leads home
            ),
            Endpoint(
                "invitation accept",
                "POST",
                invitation_link,
                _all(302, anonymous=302),
                data={"first_name": "New", "password1": "pass-word-789", "password2": "pass-word-789"},
                format="form",
                changed=rows(User),
            ),
            Endpoint(
                "forged invitation accept",
                "POST",
                reverse("people:invitation_accept", args=["forged"]),
                _all(404, anonymous=404),
                data={"first_name": "New", "password1": "pass-word-789", "password2": "pass-word-789"},
                format="form",
                changed=rows(User),
            ),
        ],
    )


def test_sign_in_pages_matrix(roles, org):
    """One's own API tokens and sessions: everybody signed in, for themselves only (somebody else's token
    answers 404); signing somebody else out everywhere: admins only."""
    mine = {
        role: services.api_token_create(actor=user, person=user)[0] for role, user in roles.items() if user
    }
    somebody_elses, _key = services.api_token_create(actor=org.field_rep, person=org.field_rep)
    targets = {role: UserFactory(email=f"signout-{role}@acme.test", department=org.east) for role in roles}
    assert_matrix(
        roles,
        [
            Endpoint(
                "make an API token",
                "POST",
                reverse("people:api_token_create"),
                _all(200),
                format="form",
                changed=rows(ApiToken),
            ),
            Endpoint(
                "revoke own API token",
                "POST",
                lambda role: reverse("people:api_token_revoke", args=[mine[role].pk if role in mine else 1]),
                _all(302),
                format="form",
                changed=rows(ApiToken),
            ),
            Endpoint(
                "revoke somebody else's API token",
                "POST",
                reverse("people:api_token_revoke", args=[somebody_elses.pk]),
                _all(404),
                format="form",
                changed=rows(ApiToken),
            ),
            Endpoint(
                "sign a person out everywhere",
                "POST",
                lambda role: reverse("people:person_sign_out", args=[targets[role].pk]),
                {"anonymous": LOGIN, "outsider": 403, "member": 403, "supervisor": 403, "admin": 302},
                format="form",
                changed=rows(User, "auth_generation"),
            ),
            Endpoint(
                "sign a missing person out",
                "POST",
                reverse("people:person_sign_out", args=[999999]),
                _all(404),
                format="form",
                changed=rows(User, "auth_generation"),
            ),
            # Last: it ends the other sessions of each role, and the matrix signs in with the users as loaded.
            Endpoint(
                "sign out everywhere else",
                "POST",
                reverse("people:sign_out_others"),
                _all(302),
                format="form",
                changed=rows(User, "auth_generation"),
            ),
        ],
    )


# Routes of the people app with no matrix row, and why.
PUBLIC_ROUTES = {
    "login": "the sign-in form: for everybody by nature (brute force: tests/people/test_lockout.py)",
    "logout": "Django's LogoutView: signs out whoever calls it, nobody else",
    "password_change_done": "a static confirmation page behind login",
    "password_reset_done": "a static confirmation page, public by nature",
    "password_reset_confirm": "guarded by the signed token in its URL (tests/people/test_views.py)",
    "password_reset_complete": "a static confirmation page, public by nature",
}


def test_matrix_covers_every_route(request, db):
    from tests.people import test_api

    assert_covers_every_route(
        request,
        urlconfs=["portal.people.urls", "portal.people.auth_urls", "portal.people.api.urls"],
        modules=[sys.modules[__name__], test_api],
        public=PUBLIC_ROUTES,
    )
