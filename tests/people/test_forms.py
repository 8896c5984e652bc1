"""The company forms: shape checks, service errors mapped onto fields, Bootstrap error markup."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from portal.people import services
from portal.people.forms import (
    InviteForm,
    LoginForm,
    ProfileForm,
    SetupForm,
    apply_service_errors,
    department_label,
)
from portal.people.selectors import departments_managed_by

SETUP = {
    "company_name": "Globex",
    "first_name": "Hank",
    "email": "hank@globex.test",
    "password1": "a-fresh-Secret-4711",
    "password2": "a-fresh-Secret-4711",
    "time_zone": "UTC",
}


def test_setup_form_requires_matching_passwords():
    assert SetupForm(SETUP).is_valid()
    form = SetupForm({**SETUP, "password2": "something-else-1"})
    assert not form.is_valid()
    assert form.errors["password2"] == ["The two passwords do not match."]


def test_setup_form_refuses_an_unknown_time_zone():
    form = SetupForm({**SETUP, "time_zone": "Mars/Olympus"})
    assert not form.is_valid() and "time_zone" in form.errors


def test_service_errors_land_on_their_fields():
    form = SetupForm(SETUP)
    assert form.is_valid()
    apply_service_errors(
        form,
        ValidationError(
            {"password": ["Too weak."], "company_name": ["Give the company a name."], "x": ["Other."]}
        ),
        form.field_map,
    )
    assert form.errors["password1"] == ["Too weak."]
    assert form.errors["company_name"] == ["Give the company a name."]
    assert form.non_field_errors() == ["Other."]


def test_a_plain_service_error_becomes_a_form_error():
    form = SetupForm(SETUP)
    form.is_valid()
    apply_service_errors(form, ValidationError("This portal is registered already."))
    assert form.non_field_errors() == ["This portal is registered already."]


def test_fields_with_errors_are_marked_invalid_for_bootstrap():
    form = SetupForm({**SETUP, "email": "nope"})
    assert not form.is_valid()
    html = str(form["email"])
    assert "form-control" in html and "is-invalid" in html
    assert "is-invalid" not in str(form["company_name"])
    assert 'class="form-select"' in str(form["time_zone"])


def test_login_form_says_when_an_account_is_deactivated(org):
    services.person_set_active(actor=org.admin, person=org.east_rep, active=False)
    request = RequestFactory().post("/accounts/login/")
    form = LoginForm(request, data={"username": "east.rep@acme.test", "password": "pass-word-123"})
    assert not form.is_valid()
    assert form.non_field_errors()[0].startswith("This account has been deactivated")
    # With a wrong password the answer does not tell whether the account exists.
    form = LoginForm(request, data={"username": "east.rep@acme.test", "password": "wrong-password"})
    assert not form.is_valid() and "deactivated" not in form.non_field_errors()[0]


def test_login_form_accepts_any_case_of_the_address(org):
    request = RequestFactory().post("/accounts/login/")
    form = LoginForm(request, data={"username": " East.Rep@ACME.test ", "password": "pass-word-123"})
    assert form.is_valid() and form.get_user() == org.east_rep


def test_invite_form_offers_only_departments_the_user_manages(org):
    form = InviteForm(departments=departments_managed_by(org.sales_head))
    assert list(form.fields["department"].queryset) == [org.sales, org.east, org.field]
    labels = [label for _, label in form.fields["department"].choices][1:]
    assert labels == ["— Sales", "— — Sales East", "— — — East Field"]
    assert department_label(org.root) == "Acme"


def test_invite_form_needs_addresses_and_a_department(org):
    form = InviteForm({"emails": "", "department": ""}, departments=departments_managed_by(org.admin))
    assert not form.is_valid() and set(form.errors) == {"emails", "department"}


@pytest.fixture
def profile_data(org):
    person = org.east_rep
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": "",
        "time_zone": "UTC",
        "work_start": "09:00",
        "work_end": "18:00",
        "language": "en",
    }


def test_profile_form_hands_over_a_photo_only_when_one_is_uploaded(org, profile_data):
    form = ProfileForm(profile_data, instance=org.east_rep)
    assert form.is_valid()
    assert "photo" not in form.changes() and form.changes()["first_name"] == org.east_rep.first_name

    upload = SimpleUploadedFile("me.png", b"data", content_type="image/png")
    form = ProfileForm(profile_data, {"photo": upload}, instance=org.east_rep)
    assert form.is_valid() and form.changes()["photo"] is upload


def test_profile_form_does_not_touch_the_person_before_the_service_runs(org, profile_data):
    form = ProfileForm({**profile_data, "first_name": "Changed"}, instance=org.east_rep)
    assert form.is_valid()
    assert org.east_rep.first_name != "Changed"


def test_profile_form_refuses_a_malformed_time(org, profile_data):
    form = ProfileForm({**profile_data, "work_start": "25:99"}, instance=org.east_rep)
    assert not form.is_valid() and "work_start" in form.errors
