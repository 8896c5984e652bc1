"""The company pages: first run, accounts, directory, profiles, org chart, departments, invitations."""

from __future__ import annotations

import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.people import services
from portal.people.models import Company, Department, Invitation, User
from tests.people.factories import UserFactory
from tests.utils import assert_query_budget

PASSWORD = "pass-word-123"
NEW_PASSWORD = "a-fresh-Secret-4711"


def browser(user=None) -> Client:
    """A page client (form posts, sessions, CSRF off as in Django's test client)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def signed_in_user(client: Client):
    from django.contrib.auth import get_user

    return get_user(client)


def link_in(mail) -> str:
    match = re.search(r"https?://[^\s]+", mail.body)
    assert match, mail.body
    return match.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def png_bytes(size=(8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- First run --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_setup_registers_the_portal_on_an_empty_database():
    Company.objects.all().delete()
    client = browser()
    assert client.get("/company/")["Location"] == reverse("setup")
    page = client.get(reverse("setup"))
    assert page.status_code == 200 and b'name="company_name"' in page.content

    response = client.post(
        reverse("setup"),
        {
            "company_name": "Globex",
            "first_name": "Hank",
            "last_name": "Scorpio",
            "email": "Hank@Globex.test",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "time_zone": "Europe/Berlin",
        },
    )

    assert response.status_code == 302 and response["Location"] == reverse("home")
    company = Company.objects.get()
    admin = User.objects.get(email="hank@globex.test")
    assert company.name == "Globex" and company.default_time_zone == "Europe/Berlin"
    assert admin.is_staff and admin.department.is_root() and admin.department.head_id == admin.pk
    assert signed_in_user(client) == admin
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_setup_shows_errors_and_registers_nothing():
    Company.objects.all().delete()
    response = browser().post(
        reverse("setup"),
        {
            "company_name": "Globex",
            "first_name": "Hank",
            "email": "hank@globex.test",
            "password1": "short",
            "password2": "short",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not Company.objects.exists() and not User.objects.exists()

    response = browser().post(
        reverse("setup"),
        {
            "company_name": "Globex",
            "first_name": "Hank",
            "email": "hank@globex.test",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD + "x",
            "time_zone": "UTC",
        },
    )
    assert "The two passwords do not match." in response.content.decode()
    assert not Company.objects.exists()


def test_setup_refuses_a_second_registration(org):
    people_before = User.objects.count()
    client = browser()
    assert client.get(reverse("setup"))["Location"] == reverse("home")
    response = client.post(
        reverse("setup"),
        {
            "company_name": "Hostile takeover",
            "first_name": "Eve",
            "email": "eve@evil.test",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 302
    assert User.objects.count() == people_before
    assert list(Company.objects.values_list("name", flat=True)) == ["Acme Ltd"]
    assert not signed_in_user(client).is_authenticated


# --- Accounts ---------------------------------------------------------------------------------------


def test_login_page_asks_for_an_email(db):
    html = browser().get(reverse("login")).content.decode()
    assert 'for="id_username">E-mail' in html


class _InputAttributes(HTMLParser):
    """Every attribute of each <input>, as written (a repeated attribute stays repeated)."""

    def __init__(self):
        super().__init__()
        self.inputs: dict[str, list[tuple[str, str | None]]] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs[dict(attrs).get("name") or f"#{len(self.inputs)}"] = attrs


def test_login_field_is_one_email_input_for_the_username(db):
    parser = _InputAttributes()
    parser.feed(browser().get(reverse("login")).content.decode())
    attrs = parser.inputs["username"]
    names = [name for name, _value in attrs]
    # Browsers keep the first of two `type` attributes: phones would get the text keyboard.
    assert names.count("type") == 1, attrs
    assert dict(attrs)["type"] == "email"
    assert names.count("autocomplete") == 1 and dict(attrs)["autocomplete"] == "username"
    assert "autofocus" in names and "required" in names and "form-control" in dict(attrs)["class"]


def test_login_and_logout(org):
    client = browser()
    response = client.post(reverse("login"), {"username": "EAST.rep@acme.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_user(client) == org.east_rep

    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_login_with_a_wrong_password_fails(org):
    client = browser()
    response = client.post(reverse("login"), {"username": "east.rep@acme.test", "password": "nope-nope"})
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_login_refuses_a_deactivated_person_and_says_why(org):
    services.person_set_active(actor=org.admin, person=org.east_rep, active=False)
    client = browser()
    response = client.post(reverse("login"), {"username": "east.rep@acme.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "This account has been deactivated" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_password_change(org):
    client = browser(org.east_rep)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    org.east_rep.refresh_from_db()
    assert org.east_rep.check_password(NEW_PASSWORD)
    assert client.get(reverse("password_change_done")).status_code == 200


def test_password_change_with_a_wrong_old_password_changes_nothing(org):
    response = browser(org.east_rep).post(
        reverse("password_change"),
        {"old_password": "wrong-one", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    org.east_rep.refresh_from_db()
    assert org.east_rep.check_password(PASSWORD)


def test_password_reset_mails_a_working_link(org, mailoutbox, mail_jobs):
    client = browser()
    assert client.get(reverse("password_reset")).status_code == 200
    # The link is mailed by a job after commit (so the answer takes as long for an unknown address).
    response = mail_jobs(lambda: client.post(reverse("password_reset"), {"email": "east.rep@acme.test"}))
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["east.rep@acme.test"] and "Acme Ltd" in mail.subject

    confirm = client.get(path_of(link_in(mail)), follow=True)
    assert confirm.status_code == 200 and confirm.context["validlink"]
    set_password_url = confirm.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    org.east_rep.refresh_from_db()
    assert org.east_rep.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(path_of(link_in(mail)), follow=True)
    assert not again.context["validlink"]


def test_password_reset_for_an_unknown_address_sends_nothing(org, mailoutbox, mail_jobs):
    response = mail_jobs(lambda: browser().post(reverse("password_reset"), {"email": "nobody@acme.test"}))
    assert response.status_code == 302 and mailoutbox == []


# --- Invitations ------------------------------------------------------------------------------------


@pytest.fixture
def mail_jobs(django_capture_on_commit_callbacks):
    """Run the jobs services schedule on commit (tests run Celery eagerly, inside a transaction)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def _invite(client, emails, department, run=None, **extra):
    def post():
        return client.post(reverse("people:invite"), {"emails": emails, "department": department.pk, **extra})

    return run(post) if run else post()


def test_invitation_lifecycle_send_mail_accept_and_reuse(org, mailoutbox, mail_jobs):
    client = browser(org.sales_head)
    response = _invite(
        client, "newbie@acme.test", org.east, first_name="Nina", position="Analyst", run=mail_jobs
    )
    assert response.status_code == 302 and response["Location"] == reverse("people:invitations")
    assert "1 invitation sent." in messages_of(client.get(reverse("people:invitations")))

    invitation = Invitation.objects.get(email="newbie@acme.test")
    assert invitation.department == org.east and invitation.invited_by == org.sales_head
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["newbie@acme.test"]
    link = path_of(link_in(mailoutbox[0]))
    assert link.startswith("/invite/")

    visitor = browser()
    page = visitor.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sales East" in html and 'value="Nina"' in html

    response = visitor.post(
        link,
        {"first_name": "Nina", "last_name": "Newman", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    person = User.objects.get(email="newbie@acme.test")
    assert person.department == org.east and person.position == "Analyst" and person.last_name == "Newman"
    assert signed_in_user(visitor) == person
    home = visitor.get(reverse("home"))
    assert any("Welcome to Acme Ltd" in m for m in messages_of(home))

    used = browser().get(link)
    assert used.status_code == 410 and "used already" in used.content.decode()
    assert (
        browser()
        .post(link, {"first_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        .status_code
        == 410
    )
    assert User.objects.filter(email="newbie@acme.test").count() == 1


def test_invite_many_addresses_at_once(org, mailoutbox, mail_jobs):
    client = browser(org.admin)
    response = _invite(client, "a@acme.test, b@acme.test;\nc@acme.test  a@acme.test", org.it, run=mail_jobs)
    assert response.status_code == 302
    assert "3 invitations sent." in messages_of(client.get(reverse("people:invitations")))
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "a@acme.test",
        "b@acme.test",
        "c@acme.test",
    }
    assert sorted(m.to[0] for m in mailoutbox) == ["a@acme.test", "b@acme.test", "c@acme.test"]


def test_invite_with_a_bad_address_creates_nothing(org, mailoutbox, mail_jobs):
    response = _invite(browser(org.admin), "good@acme.test, not-an-address", org.it, run=mail_jobs)
    assert response.status_code == 200
    html = response.content.decode()
    assert "not-an-address" in html and "is not a valid e-mail address" in html and "is-invalid" in html
    assert not Invitation.objects.exists() and mailoutbox == []


def test_invite_someone_already_in_the_portal_is_refused(org, mailoutbox, mail_jobs):
    response = _invite(browser(org.admin), "dev@acme.test", org.it, run=mail_jobs)
    assert "dev@acme.test is already in the portal." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_supervisor_invites_only_into_departments_they_manage(org):
    client = browser(org.sales_head)
    form = client.get(reverse("people:invite")).context["form"]
    assert set(form.fields["department"].queryset) == {org.sales, org.east, org.field}
    response = _invite(client, "x@acme.test", org.it)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()


def test_expired_link_is_refused(org, mailoutbox, mail_jobs):
    _invite(browser(org.admin), "late@acme.test", org.it, run=mail_jobs)
    link = path_of(link_in(mailoutbox[0]))
    Invitation.objects.filter(email="late@acme.test").update(
        expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    response = browser().get(link)
    assert response.status_code == 410 and "expired" in response.content.decode()
    response = browser().post(link, {"first_name": "L", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410 and not User.objects.filter(email="late@acme.test").exists()


def test_revoked_link_is_refused(org, mailoutbox, mail_jobs):
    client = browser(org.admin)
    _invite(client, "gone@acme.test", org.it, run=mail_jobs)
    link = path_of(link_in(mailoutbox[0]))
    invitation = Invitation.objects.get(email="gone@acme.test")
    response = client.post(reverse("people:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    refused = browser().get(link)
    assert refused.status_code == 410 and "withdrawn" in refused.content.decode()


def test_resend_replaces_the_link(org, mailoutbox, mail_jobs):
    client = browser(org.admin)
    _invite(client, "again@acme.test", org.it, run=mail_jobs)
    old_link = path_of(link_in(mailoutbox[0]))
    invitation = Invitation.objects.get(email="again@acme.test")
    resent = mail_jobs(lambda: client.post(reverse("people:invitation_resend", args=[invitation.pk])))
    assert resent.status_code == 302
    invitation.refresh_from_db()
    assert invitation.sent_count == 2 and len(mailoutbox) == 2
    new_link = path_of(link_in(mailoutbox[1]))
    assert new_link != old_link

    old = browser().get(old_link)
    assert old.status_code == 404 and "no longer valid" in old.content.decode()
    visitor = browser()
    assert visitor.get(new_link).status_code == 200
    response = visitor.post(
        new_link, {"first_name": "Agnes", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and User.objects.get(email="again@acme.test").department == org.it


def test_a_forged_link_is_404(db):
    response = browser().get(reverse("people:invitation_accept", args=["not-a-token"]))
    assert response.status_code == 404 and "not valid" in response.content.decode()


def test_accepting_with_bad_passwords_creates_nobody(org, mailoutbox, mail_jobs):
    _invite(browser(org.admin), "careful@acme.test", org.it, run=mail_jobs)
    link = path_of(link_in(mailoutbox[0]))
    response = browser().post(link, {"first_name": "C", "password1": "123", "password2": "123"})
    assert response.status_code == 200 and "too short" in response.content.decode()
    response = browser().post(
        link, {"first_name": "C", "password1": NEW_PASSWORD, "password2": "other-Secret-99"}
    )
    assert "do not match" in response.content.decode()
    assert not User.objects.filter(email="careful@acme.test").exists()
    assert Invitation.objects.get(email="careful@acme.test").accepted_at is None


def test_accepting_while_signed_in_as_somebody_else_switches_to_the_new_person(org, mailoutbox, mail_jobs):
    _invite(browser(org.admin), "twin@acme.test", org.it, run=mail_jobs)
    link = path_of(link_in(mailoutbox[0]))
    client = browser(org.developer)
    page = client.get(link)
    assert page.status_code == 200 and "You are signed in as dev@acme.test" in page.content.decode()
    client.post(link, {"first_name": "Tom", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert signed_in_user(client).email == "twin@acme.test"


def test_invitation_list_filters_by_status(org, mailoutbox, mail_jobs):
    client = browser(org.admin)
    _invite(client, "one@acme.test", org.it, run=mail_jobs)
    _invite(client, "two@acme.test", org.it, run=mail_jobs)
    services.invitation_revoke(actor=org.admin, invitation=Invitation.objects.get(email="two@acme.test"))
    html = client.get(reverse("people:invitations"), {"status": "pending"}).content.decode()
    assert "one@acme.test" in html and "two@acme.test" not in html
    html = client.get(reverse("people:invitations"), {"status": "revoked"}).content.decode()
    assert "two@acme.test" in html and "one@acme.test" not in html
    partial = client.get(reverse("people:invitations"), HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"one@acme.test" in partial.content


def test_a_supervisor_sees_only_invitations_into_their_sub_tree(org, mailoutbox, mail_jobs):
    _invite(browser(org.admin), "into-it@acme.test", org.it, run=mail_jobs)
    _invite(browser(org.admin), "into-east@acme.test", org.east, run=mail_jobs)
    html = browser(org.sales_head).get(reverse("people:invitations")).content.decode()
    assert "into-east@acme.test" in html and "into-it@acme.test" not in html
    it_invitation = Invitation.objects.get(email="into-it@acme.test")
    assert (
        browser(org.sales_head).post(reverse("people:invitation_revoke", args=[it_invitation.pk])).status_code
        == 404
    )


# --- Directory --------------------------------------------------------------------------------------


def _rename(person, first, last):
    User.objects.filter(pk=person.pk).update(first_name=first, last_name=last)


def test_directory_lists_people_with_department_and_contacts(org):
    _rename(org.east_rep, "Quentin", "Zyxwvut")
    User.objects.filter(pk=org.east_rep.pk).update(phone="+49 30 1234")
    response = browser(org.developer).get(reverse("people:directory"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("people:profile", args=[org.east_rep.pk])}">Quentin Zyxwvut</a>' in html
    assert "+49 30 1234" in html and "east.rep@acme.test" in html and "Sales East" in html
    assert response.context["nav_area"] == "company"
    assert 'class="nav-link d-flex align-items-center gap-2 rounded active" href="/company/"' in html


def test_directory_search_by_name_email_and_position(org):
    _rename(org.east_rep, "Quentin", "Zyxwvut")
    client = browser(org.developer)

    def found(**params):
        return [p.pk for p in client.get(reverse("people:directory"), params).context["people"]]

    assert found(q="zyxwv") == [org.east_rep.pk]
    # On PostgreSQL the search is typo-tolerant (trigrams), so similar addresses may follow: best first.
    by_email = found(q="it.head@acme.test")
    assert by_email[0] == org.it_head.pk
    assert found(q="CEO")[0] == org.ceo.pk
    assert found(position="administ") == [org.admin.pk]
    assert found(q="no-such-person-anywhere") == []


def test_directory_department_filter_includes_sub_departments(org):
    client = browser(org.developer)
    people = client.get(reverse("people:directory"), {"department": org.sales.pk}).context["people"]
    assert {p.pk for p in people} == {
        org.sales_head.pk,
        org.sales_rep.pk,
        org.east_head.pk,
        org.east_rep.pk,
        org.field_rep.pk,
    }
    people = client.get(reverse("people:directory"), {"department": org.field.pk}).context["people"]
    assert [p.pk for p in people] == [org.field_rep.pk]


def test_directory_live_search_returns_the_partial(org):
    _rename(org.east_rep, "Quentin", "Zyxwvut")
    response = browser(org.developer).get(
        reverse("people:directory"), {"q": "zyxwvut"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"<html" not in response.content and b"Quentin Zyxwvut" in response.content
    assert b"1 person" in response.content


def test_directory_hides_deactivated_people_except_from_admins(org):
    services.person_set_active(actor=org.admin, person=org.east_rep, active=False)
    assert org.east_rep not in browser(org.developer).get(reverse("people:directory")).context["people"]
    assert org.east_rep in browser(org.admin).get(reverse("people:directory")).context["people"]


def test_directory_paginates_by_fifty(org):
    User.objects.bulk_create(
        User(email=f"p{i:03d}@acme.test", first_name="Bulk", last_name=f"P{i:03d}", department=org.it)
        for i in range(60)
    )
    client = browser(org.developer)
    first = client.get(reverse("people:directory"))
    assert len(first.context["people"]) == 50 and first.context["page_obj"].paginator.count == 69
    second = client.get(reverse("people:directory"), {"page": 2})
    assert len(second.context["people"]) == 19


def test_directory_search_reads_its_page_and_count_in_one_query(org):
    """A search is evaluated once: the rows of the page carry the number of all matches (no COUNT query),
    and pages out of range still answer the last page, as the paginator does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    User.objects.bulk_create(
        User(email=f"p{i:03d}@acme.test", first_name="Bulk", last_name=f"P{i:03d}", department=org.it)
        for i in range(60)
    )
    client = browser(org.developer)
    client.get(reverse("people:directory"))  # warm-up
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("people:directory"), {"q": "Bulk"})
    assert not [q for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "OVER" not in q["sql"]]
    assert len(first.context["people"]) == 50 and first.context["page_obj"].paginator.count == 60
    assert "60 people" in first.content.decode()
    second = client.get(reverse("people:directory"), {"q": "Bulk", "page": 2})
    assert len(second.context["people"]) == 10 and second.context["page_obj"].number == 2
    beyond = client.get(reverse("people:directory"), {"q": "Bulk", "page": 9})
    assert beyond.context["page_obj"].number == 2
    assert client.get(reverse("people:directory"), {"q": "Bulk", "page": "x"}).context["page_obj"].number == 1
    nobody = client.get(reverse("people:directory"), {"q": "Nobodyatall"})
    assert nobody.context["page_obj"].paginator.count == 0 and "Nobody matches" in nobody.content.decode()


def test_directory_runs_a_fixed_number_of_queries(org):
    """10 people or 1,000: the same queries (no per-row query)."""
    client = browser(org.developer)
    User.objects.filter(pk=org.east_rep.pk).update(phone="+1 555")
    UserFactory(email="tenth@acme.test", department=org.field)
    assert User.objects.count() == 10
    departments = [org.root, org.sales, org.east, org.field, org.it]

    def grow():
        User.objects.bulk_create(
            User(
                email=f"bulk{i:04d}@acme.test",
                first_name="Bulk",
                last_name=f"Person {i:04d}",
                position="Engineer",
                phone="+1 555",
                department=departments[i % len(departments)],
                password=make_password(None),
            )
            for i in range(990)
        )
        assert User.objects.count() == 1000

    def fn():
        response = client.get(reverse("people:directory"))
        assert response.status_code == 200

    fn()  # warm-up: the first request of a process checks once that the portal is registered
    assert_query_budget(fn, grow, budget=10)


# --- Profiles ---------------------------------------------------------------------------------------


def test_profile_shows_supervisor_and_direct_subordinates(org):
    client = browser(org.developer)
    rep = client.get(reverse("people:profile", args=[org.east_rep.pk]))
    assert rep.status_code == 200 and rep.context["supervisor"] == org.east_head
    assert org.east_head.full_name in rep.content.decode()

    head = client.get(reverse("people:profile", args=[org.sales_head.pk]))
    assert head.context["supervisor"] == org.ceo
    assert set(head.context["subordinates"]) == {org.sales_rep, org.east_head}
    html = head.content.decode()
    assert org.sales_rep.full_name in html and org.east_head.full_name in html
    assert org.east_rep.full_name not in html  # east_rep reports to east_head, not to sales_head
    assert "Head of Sales" in html


def test_profile_shows_contacts_birthday_without_year_and_department_link(org):
    User.objects.filter(pk=org.east_rep.pk).update(
        birthday=datetime.date(1987, 3, 14), phone="+44 20 7946", time_zone="Europe/London"
    )
    html = browser(org.developer).get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert "14 March" in html and "1987" not in html
    assert "+44 20 7946" in html and "Europe/London" in html and "09:00–18:00" in html
    assert reverse("people:department_detail", args=[org.east.pk]) in html


def test_profile_lists_only_groups_the_viewer_may_see(org):
    from tests.groups.factories import MembershipFactory, WorkgroupFactory

    open_group = WorkgroupFactory(name="Chess club")
    secret = WorkgroupFactory(name="Hush project", visibility="secret")
    MembershipFactory(group=open_group, user=org.east_rep)
    MembershipFactory(group=secret, user=org.east_rep)
    html = browser(org.developer).get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert "Chess club" in html and "Hush project" not in html
    html = browser(org.east_rep).get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert "Hush project" in html


def test_profile_of_missing_or_hidden_person_is_404(org):
    services.person_set_active(actor=org.admin, person=org.east_rep, active=False)
    client = browser(org.developer)
    assert client.get(reverse("people:profile", args=[org.east_rep.pk])).status_code == 404
    assert client.get(reverse("people:profile", args=[999999])).status_code == 404
    assert browser(org.admin).get(reverse("people:profile", args=[org.east_rep.pk])).status_code == 200


def test_profile_edit_saves_own_details(org):
    client = browser(org.east_rep)
    response = client.post(
        reverse("people:profile_edit"),
        {
            "first_name": "Erin",
            "last_name": "Eastwood",
            "phone": "+1 212 555",
            "birthday": "1990-07-01",
            "time_zone": "America/New_York",
            "work_start": "08:30",
            "work_end": "17:00",
            "language": "en",
        },
    )
    assert response.status_code == 302
    org.east_rep.refresh_from_db()
    assert (org.east_rep.first_name, org.east_rep.phone, org.east_rep.time_zone) == (
        "Erin",
        "+1 212 555",
        "America/New_York",
    )
    assert org.east_rep.work_start == datetime.time(8, 30) and org.east_rep.birthday == datetime.date(
        1990, 7, 1
    )


def _profile_data(person, **extra):
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "time_zone": person.time_zone,
        "work_start": "09:00",
        "work_end": "18:00",
        "language": "en",
        **extra,
    }


def test_profile_edit_refuses_work_hours_in_the_wrong_order(org):
    response = browser(org.east_rep).post(
        reverse("people:profile_edit"), _profile_data(org.east_rep, work_start="19:00", first_name="Changed")
    )
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
    org.east_rep.refresh_from_db()
    assert org.east_rep.work_start == datetime.time(9, 0) and org.east_rep.first_name != "Changed"


def test_photo_upload_and_permission_checked_download(org):
    client = browser(org.east_rep)
    assert client.get(reverse("people:photo", args=[org.east_rep.pk])).status_code == 404
    photo = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = client.post(reverse("people:profile_edit"), _profile_data(org.east_rep, photo=photo))
    assert response.status_code == 302
    org.east_rep.refresh_from_db()
    assert org.east_rep.photo

    served = browser(org.developer).get(reverse("people:photo", args=[org.east_rep.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png_bytes()
    assert browser().get(reverse("people:photo", args=[org.east_rep.pk])).status_code == 302
    directory = browser(org.developer).get(reverse("people:directory")).content.decode()
    assert reverse("people:photo", args=[org.east_rep.pk]) in directory

    response = client.post(reverse("people:profile_edit"), _profile_data(org.east_rep, remove_photo="on"))
    assert response.status_code == 302
    org.east_rep.refresh_from_db()
    assert not org.east_rep.photo


def test_photo_too_large_is_refused_on_the_field(org, settings):
    settings.LUMEN_PHOTO_MAX_BYTES = 50
    photo = SimpleUploadedFile("big.png", png_bytes((64, 64)), content_type="image/png")
    response = browser(org.east_rep).post(
        reverse("people:profile_edit"), _profile_data(org.east_rep, photo=photo, first_name="Changed")
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["photo"]
    assert error.startswith("The photo is too large") and error.endswith(
        f"the limit is {filesizeformat(50)}."
    )
    org.east_rep.refresh_from_db()
    assert not org.east_rep.photo and org.east_rep.first_name != "Changed"


def test_photo_that_is_not_an_image_is_refused_on_the_field(org):
    fake = SimpleUploadedFile("cv.png", b"%PDF-1.4 definitely not a picture", content_type="image/png")
    response = browser(org.east_rep).post(
        reverse("people:profile_edit"), _profile_data(org.east_rep, photo=fake)
    )
    assert response.status_code == 200
    assert "not an image we can read" in response.context["form"].errors["photo"][0]
    assert 'class="form-control is-invalid"' in response.content.decode()
    org.east_rep.refresh_from_db()
    assert not org.east_rep.photo


# --- Admin actions on a profile -------------------------------------------------------------------


def test_admin_moves_a_person_to_another_department(org):
    client = browser(org.admin)
    response = client.post(
        reverse("people:person_move", args=[org.developer.pk]), {"department": org.east.pk}
    )
    assert response.status_code == 302
    org.developer.refresh_from_db()
    assert org.developer.department == org.east


def test_a_supervisor_moves_people_only_within_their_sub_tree(org):
    client = browser(org.sales_head)
    assert (
        client.post(
            reverse("people:person_move", args=[org.sales_rep.pk]), {"department": org.field.pk}
        ).status_code
        == 302
    )
    org.sales_rep.refresh_from_db()
    assert org.sales_rep.department == org.field
    response = client.post(
        reverse("people:person_move", args=[org.developer.pk]), {"department": org.field.pk}
    )
    assert response.status_code == 403
    response = client.post(reverse("people:person_move", args=[org.east_rep.pk]), {"department": org.it.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    org.east_rep.refresh_from_db()
    assert org.east_rep.department == org.east


def test_admin_deactivates_and_reactivates(org):
    client = browser(org.admin)
    url = reverse("people:person_set_active", args=[org.east_rep.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    org.east_rep.refresh_from_db()
    assert not org.east_rep.is_active
    assert client.post(url, {"active": "1"}).status_code == 302
    org.east_rep.refresh_from_db()
    assert org.east_rep.is_active
    own = client.post(reverse("people:person_set_active", args=[org.admin.pk]), {"active": "0"}, follow=True)
    assert "You cannot deactivate yourself." in own.content.decode()
    org.admin.refresh_from_db()
    assert org.admin.is_active


def test_admin_grants_and_takes_administration(org):
    client = browser(org.admin)
    url = reverse("people:person_set_admin", args=[org.east_rep.pk])
    client.post(url, {"is_admin": "1"})
    org.east_rep.refresh_from_db()
    assert org.east_rep.is_staff
    client.post(url, {"is_admin": "0"})
    org.east_rep.refresh_from_db()
    assert not org.east_rep.is_staff


def test_admin_edits_position_and_email_with_field_errors(org):
    client = browser(org.admin)
    url = reverse("people:person_edit", args=[org.east_rep.pk])
    response = client.post(url, {"position": "Lead", "email": "dev@acme.test"})
    assert response.status_code == 200
    assert response.context["admin_form"].errors["email"] == [
        "A person with this e-mail address is already in the portal."
    ]
    org.east_rep.refresh_from_db()
    assert org.east_rep.position != "Lead"
    assert client.post(url, {"position": "Lead", "email": "Erin@Acme.test"}).status_code == 302
    org.east_rep.refresh_from_db()
    assert (org.east_rep.position, org.east_rep.email) == ("Lead", "erin@acme.test")


def test_non_admins_see_no_admin_actions(org):
    html = browser(org.developer).get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert "profile-admin" not in html
    html = browser(org.admin).get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert "profile-admin" in html and reverse("people:person_set_active", args=[org.east_rep.pk]) in html


# --- Org chart and departments ----------------------------------------------------------------------


def _node(html: str, department) -> str:
    """The box of one department: from its marker to the next department's."""
    start = html.index(f'data-department="{department.pk}"')
    end = html.find("data-department=", start + 1)
    return html[start : end if end != -1 else len(html)]


def test_org_chart_shows_heads_and_head_counts(org):
    services.departments_recount()
    response = browser(org.developer).get(reverse("people:org_chart"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="org-node"') == 5
    root = _node(html, org.root)
    assert org.ceo.full_name in root
    assert re.search(r'org-own">2<', root) and re.search(r'org-total">9<', root)
    sales = _node(html, org.sales)
    assert org.sales_head.full_name in sales
    assert re.search(r'org-own">2<', sales) and re.search(r'org-total">5<', sales)
    field = _node(html, org.field)
    assert "no head" in field and re.search(r'org-total">1<', field)
    assert reverse("people:department_detail", args=[org.east.pk]) in html


def test_org_chart_reads_the_tree_in_a_fixed_number_of_queries(org):
    services.departments_recount()
    client = browser(org.developer)

    def grow():
        parent = Department.objects.get(pk=org.it.pk)
        for i in range(15):
            parent = Department.objects.get(pk=parent.pk)
            parent.add_child(name=f"Team {i:02d}")

    def fn():
        assert client.get(reverse("people:org_chart")).status_code == 200

    fn()  # warm-up (the registration check)
    assert_query_budget(fn, grow, budget=8)


def test_department_page_shows_path_head_children_and_members(org):
    response = browser(org.developer).get(reverse("people:department_detail", args=[org.east.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    breadcrumb = html[html.index("department-breadcrumb") : html.index("</ol>")]
    assert "Acme" in breadcrumb and "Sales" in breadcrumb and "Sales East" in breadcrumb
    assert org.east_head.full_name in html and "East Field" in html
    assert set(response.context["members"]) == {org.east_head, org.east_rep}
    assert "department-manage" not in html
    assert browser(org.developer).get(reverse("people:department_detail", args=[99999])).status_code == 404


def test_department_page_offers_management_to_those_who_manage_it(org):
    html = (
        browser(org.sales_head).get(reverse("people:department_detail", args=[org.east.pk])).content.decode()
    )
    assert "department-manage" in html
    html = browser(org.it_head).get(reverse("people:department_detail", args=[org.east.pk])).content.decode()
    assert "department-manage" not in html


def test_department_rename_and_its_errors(org):
    client = browser(org.sales_head)
    url = reverse("people:department_rename", args=[org.east.pk])
    response = client.post(url, {"name": "   "})
    assert response.status_code == 200 and response.context["rename_form"].errors
    assert client.post(url, {"name": "Eastern Sales"}).status_code == 302
    org.east.refresh_from_db()
    assert org.east.name == "Eastern Sales"
    assert browser(org.it_head).post(url, {"name": "Hijacked"}).status_code == 403


def test_department_set_head(org):
    client = browser(org.sales_head)
    url = reverse("people:department_set_head", args=[org.field.pk])
    assert client.post(url, {"head": org.field_rep.pk}).status_code == 302
    org.field.refresh_from_db()
    assert org.field.head == org.field_rep
    # A head may not pull somebody out of a department they do not manage.
    response = client.post(url, {"head": org.developer.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    org.developer.refresh_from_db()
    assert org.developer.department == org.it
    assert client.post(url, {"head": ""}).status_code == 302
    org.field.refresh_from_db()
    assert org.field.head is None


def test_department_create_move_and_delete(org):
    client = browser(org.admin)
    page = client.get(reverse("people:department_create"), {"parent": org.it.pk})
    assert page.status_code == 200 and page.context["form"]["parent"].value() == str(org.it.pk)
    response = client.post(reverse("people:department_create"), {"name": "Support", "parent": org.it.pk})
    support = Department.objects.get(name="Support")
    assert response.status_code == 302 and response["Location"] == reverse(
        "people:department_detail", args=[support.pk]
    )
    assert support.get_parent() == org.it

    duplicate = client.post(reverse("people:department_create"), {"name": "support", "parent": org.it.pk})
    assert (
        duplicate.status_code == 200 and "already a department with this name" in duplicate.content.decode()
    )
    assert Department.objects.filter(name__iexact="support").count() == 1

    assert (
        client.post(
            reverse("people:department_move", args=[support.pk]), {"parent": org.sales.pk}
        ).status_code
        == 302
    )
    support.refresh_from_db()
    assert support.get_parent() == org.sales

    into_own = client.post(reverse("people:department_move", args=[org.sales.pk]), {"parent": support.pk})
    assert into_own.status_code == 200 and into_own.context["move_form"].errors
    org.sales.refresh_from_db()
    assert org.sales.get_parent() == org.root

    assert client.post(reverse("people:department_delete", args=[support.pk])).status_code == 302
    assert not Department.objects.filter(pk=support.pk).exists()


def test_department_with_people_cannot_be_deleted(org):
    response = browser(org.admin).post(reverse("people:department_delete", args=[org.field.pk]), follow=True)
    assert "Move its people to another department first." in response.content.decode()
    assert Department.objects.filter(pk=org.field.pk).exists()


# --- Company settings -------------------------------------------------------------------------------


def test_company_settings_by_an_admin(org):
    client = browser(org.admin)
    assert client.get(reverse("people:company_settings")).status_code == 200
    response = client.post(
        reverse("people:company_settings"),
        {"name": "Acme Group", "group_creation_policy": "admins", "default_time_zone": "Europe/Paris"},
    )
    assert response.status_code == 302
    company = Company.objects.get()
    assert (company.name, company.group_creation_policy, company.default_time_zone) == (
        "Acme Group",
        "admins",
        "Europe/Paris",
    )
    org.root.refresh_from_db()
    assert org.root.name == "Acme Group"


def test_company_settings_refuse_an_empty_name(org):
    response = browser(org.admin).post(
        reverse("people:company_settings"),
        {"name": " ", "group_creation_policy": "admins", "default_time_zone": "UTC"},
    )
    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert Company.objects.get().name == "Acme Ltd"


# --- Signing in: sessions, API tokens, reset limits --------------------------------------------------


def _api_status(key: str) -> int:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/people/me/").status_code


def _without_csrf(response) -> str:
    html = response.content.decode()
    html = re.sub(r'("X-CSRFToken": ")[^"]*(")', r"\1\2", html)
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*(")', r"\1\2", html)


SESSION_ENGINES = ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"]


@pytest.mark.parametrize("engine", SESSION_ENGINES)
def test_password_change_ends_other_sessions_and_tokens_but_keeps_this_one(org, settings, engine):
    settings.SESSION_ENGINE = engine
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    here, elsewhere = browser(org.east_rep), browser(org.east_rep)
    assert elsewhere.get(reverse("home")).status_code == 200
    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert here.get(reverse("home")).status_code == 200
    assert signed_in_user(here) == org.east_rep
    assert elsewhere.get(reverse("home")).status_code == 302
    assert not signed_in_user(elsewhere).is_authenticated
    assert _api_status(key) == 401


def test_password_reset_through_the_mailed_link_ends_sessions_and_tokens(org, mailoutbox, mail_jobs):
    from portal.core.models import AuditLog

    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    elsewhere = browser(org.east_rep)
    client = browser()
    mail_jobs(lambda: client.post(reverse("password_reset"), {"email": "east.rep@acme.test"}))
    confirm = client.get(path_of(link_in(mailoutbox[0])), follow=True)
    done = client.post(
        confirm.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert _api_status(key) == 401
    assert not signed_in_user(elsewhere).is_authenticated
    assert AuditLog.objects.filter(action="person.password_reset", target_id=str(org.east_rep.pk)).exists()
    assert not signed_in_user(client).is_authenticated  # the reset page signs nobody in


def test_password_reset_is_limited_and_says_the_same_for_unknown_addresses(
    org, settings, mailoutbox, mail_jobs
):
    settings.LUMEN_PASSWORD_RESET_EMAIL_LIMIT = 2
    answers = {}
    for email in ("east.rep@acme.test", "nobody@acme.test"):
        client = browser()
        for _ in range(2):
            response = mail_jobs(
                lambda email=email, client=client: client.post(reverse("password_reset"), {"email": email})
            )
            assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
        answers[email] = mail_jobs(
            lambda email=email, client=client: client.post(reverse("password_reset"), {"email": email})
        )
    known, unknown = answers["east.rep@acme.test"], answers["nobody@acme.test"]
    assert known.status_code == unknown.status_code == 429
    assert "Too many requests for a password reset" in known.content.decode()
    assert _without_csrf(known) == _without_csrf(unknown)
    assert int(known["Retry-After"]) > 0
    assert [m.to for m in mailoutbox] == [["east.rep@acme.test"]] * 2  # no mailbox flooding


def test_password_reset_address_limit_ignores_a_forged_forwarded_for(org, settings, mail_jobs):
    settings.LUMEN_TRUSTED_PROXIES = 0
    settings.LUMEN_PASSWORD_RESET_ADDRESS_LIMIT = 3
    client = Client(REMOTE_ADDR="192.0.2.40")
    for n in range(3):
        response = client.post(
            reverse("password_reset"), {"email": f"guess{n}@acme.test"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )
        assert response.status_code == 302
    forged = client.post(
        reverse("password_reset"), {"email": "east.rep@acme.test"}, HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert forged.status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.41").post(reverse("password_reset"), {"email": "east.rep@acme.test"})
    assert other.status_code == 302


def test_own_profile_lists_makes_and_revokes_api_tokens(org):
    token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep, label="reports script")
    client = browser(org.east_rep)
    page = client.get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert 'id="profile-security"' in page and "reports script" in page and f"{token.prefix}…" in page
    assert key not in page

    made = client.post(reverse("people:api_token_create"), {"label": "laptop"})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    new_key = re.search(r'readonly value="([^"]+)"', made.content.decode()).group(1)
    assert _api_status(new_key) == 200
    assert "laptop" in made.content.decode()
    assert client.get(reverse("people:profile", args=[org.east_rep.pk])).content.decode().count(new_key) == 0

    revoked = client.post(reverse("people:api_token_revoke", args=[token.pk]))
    assert revoked.status_code == 302 and revoked["Location"].endswith("#profile-security")
    assert _api_status(key) == 401 and _api_status(new_key) == 200


def test_a_too_long_token_label_is_a_field_error(org):
    response = browser(org.east_rep).post(reverse("people:api_token_create"), {"label": "x" * 101})
    assert response.status_code == 400 and "is-invalid" in response.content.decode()
    assert not org.east_rep.api_tokens.exists()


def test_nobody_revokes_somebody_elses_token(org):
    token, key = services.api_token_create(actor=org.sales_rep, person=org.sales_rep)
    for user in (org.east_rep, org.sales_head, org.admin):
        assert browser(user).post(reverse("people:api_token_revoke", args=[token.pk])).status_code == 404
    assert _api_status(key) == 200


def test_tokens_and_the_sign_out_button_are_on_ones_own_profile_only(org):
    services.api_token_create(actor=org.east_rep, person=org.east_rep, label="secret-ish")
    page = browser(org.admin).get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert 'id="profile-security"' not in page and "secret-ish" not in page
    assert reverse("people:person_sign_out", args=[org.east_rep.pk]) in page  # the admin's button
    page = browser(org.sales_head).get(reverse("people:profile", args=[org.east_rep.pk])).content.decode()
    assert reverse("people:person_sign_out", args=[org.east_rep.pk]) not in page


@pytest.mark.parametrize("engine", SESSION_ENGINES)
def test_signing_out_everywhere_else_keeps_this_session(org, settings, engine):
    settings.SESSION_ENGINE = engine
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    here, elsewhere = browser(org.east_rep), browser(org.east_rep)
    response = here.post(reverse("people:sign_out_others"))
    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home")).status_code == 302
    assert _api_status(key) == 401
    # Signing in again works as before.
    again = Client().post(reverse("login"), {"username": "east.rep@acme.test", "password": PASSWORD})
    assert again.status_code == 302


def test_an_admin_signs_a_person_out_everywhere_from_the_profile(org):
    _token, key = services.api_token_create(actor=org.east_rep, person=org.east_rep)
    victim = browser(org.east_rep)
    assert (
        browser(org.sales_head).post(reverse("people:person_sign_out", args=[org.east_rep.pk])).status_code
        == 403
    )
    assert signed_in_user(victim) == org.east_rep and _api_status(key) == 200
    admin = browser(org.admin)
    response = admin.post(reverse("people:person_sign_out", args=[org.east_rep.pk]))
    assert response.status_code == 302
    assert not signed_in_user(victim).is_authenticated and _api_status(key) == 401
    assert signed_in_user(admin) == org.admin
    # An admin signing themselves out "everywhere" keeps the page they are on.
    admin.post(reverse("people:person_sign_out", args=[org.admin.pk]))
    assert signed_in_user(admin) == org.admin
