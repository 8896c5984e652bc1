"""Brute-force protection of signing in (portal/people/lockout.py, django-axes): the login form, Django admin's
login and the API's token endpoint share one lock per account and one per client address."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from django.urls import reverse

from portal.core.models import AuditLog
from portal.people import services
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
LOGIN_URL = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token/"
LIMIT = 3


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    settings.LUMEN_LOGIN_COOLOFF_MINUTES = 15
    settings.LUMEN_TRUSTED_PROXIES = 0


def _login(client: Client, email: str, password: str, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, **extra)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client: Client, email: str, times: int, **extra) -> list[int]:
    return [_login(client, email, "wrong-password", **extra).status_code for _ in range(times)]


def _page_text(response) -> str:
    """The page without what differs from one client to the next (CSRF tokens, CSP nonces)."""
    html = response.content.decode()
    html = re.sub(r'("X-CSRFToken": ")[^"]*(")', r"\1\2", html)
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*(")', r"\1\2", html)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)


# --- The login form ---------------------------------------------------------------------------------


def test_the_login_form_locks_after_the_limit_and_refuses_even_the_right_password(org):
    client = Client()
    statuses = _fail(client, "east.rep@acme.test", LIMIT)
    assert statuses == [200] * (LIMIT - 1) + [429]

    response = _login(client, "east.rep@acme.test", PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)
    page = response.content.decode()
    assert "Too many failed attempts to sign in" in page and "15 minutes" in page
    assert response["Retry-After"] == str(15 * 60)
    assert "east.rep@acme.test" not in page  # the page names no account
    # Another person at another address signs in as usual.
    assert _login(Client(REMOTE_ADDR="192.0.2.50"), "sales.rep@acme.test", PASSWORD).status_code == 302


def test_the_account_lock_holds_from_every_address_and_in_any_case_of_the_address(org):
    _fail(Client(REMOTE_ADDR="192.0.2.1"), "East.Rep@acme.test", 1)
    _fail(Client(REMOTE_ADDR="192.0.2.2"), " east.rep@ACME.test", 1)
    _fail(Client(REMOTE_ADDR="192.0.2.3"), "east.rep@acme.test", 1)
    client = Client(REMOTE_ADDR="192.0.2.4")
    assert _login(client, "east.rep@acme.test", PASSWORD).status_code == 429
    assert not _signed_in(client)


def test_the_locked_out_page_is_the_same_for_an_existing_and_an_unknown_account(org):
    existing, unknown = Client(REMOTE_ADDR="198.51.100.1"), Client(REMOTE_ADDR="198.51.100.2")
    assert _fail(existing, "east.rep@acme.test", LIMIT)[-1] == 429
    assert _fail(unknown, "nobody@acme.test", LIMIT)[-1] == 429
    locked_existing = _login(existing, "east.rep@acme.test", PASSWORD)
    locked_unknown = _login(unknown, "nobody@acme.test", PASSWORD)
    assert locked_existing.status_code == locked_unknown.status_code == 429
    assert _page_text(locked_existing) == _page_text(locked_unknown)


def test_a_deactivated_account_is_not_named_while_locked(org):
    services.person_set_active(actor=org.admin, person=org.east_rep, active=False)
    client = Client()
    _fail(client, "east.rep@acme.test", LIMIT)
    response = _login(client, "east.rep@acme.test", PASSWORD)  # the right password of a deactivated person
    assert response.status_code == 429 and "deactivated" not in response.content.decode()


def test_failures_before_the_limit_keep_counting_after_a_successful_sign_in(org):
    client = Client()
    _fail(client, "east.rep@acme.test", LIMIT - 1)
    assert _login(client, "east.rep@acme.test", PASSWORD).status_code == 302
    # Whoever could sign in still cannot clear the count of guesses against others from their address.
    assert AccessAttempt.objects.filter(username="east.rep@acme.test").exists()


def test_the_lock_ends_after_the_cool_off(org):
    client = Client()
    _fail(client, "east.rep@acme.test", LIMIT)
    # Time passes: the failures move back in time instead of the test waiting.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=14))
    assert _login(client, "east.rep@acme.test", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=2))
    response = _login(client, "east.rep@acme.test", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


def test_attempts_while_locked_do_not_extend_the_cool_off(org):
    client = Client()
    _fail(client, "east.rep@acme.test", LIMIT)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=10))
    _fail(client, "east.rep@acme.test", 5)  # refused without being counted
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=6))
    assert _login(client, "east.rep@acme.test", PASSWORD).status_code == 302


def test_the_cool_off_comes_from_the_settings(org, settings):
    settings.LUMEN_LOGIN_COOLOFF_MINUTES = 1
    client = Client()
    _fail(client, "east.rep@acme.test", LIMIT)
    assert "1 minute;" in _login(client, "east.rep@acme.test", PASSWORD).content.decode()
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(seconds=61))
    assert _login(client, "east.rep@acme.test", PASSWORD).status_code == 302


def test_django_admin_login_shares_the_lock(org):
    client = Client()
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "admin@acme.test", "password": "wrong-password"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin@acme.test", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert _login(Client(REMOTE_ADDR="192.0.2.77"), "admin@acme.test", PASSWORD).status_code == 429


# --- The client address -----------------------------------------------------------------------------


def test_an_address_is_locked_after_its_own_limit_whatever_accounts_it_tries(org, settings):
    settings.LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT = 4
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(4):  # one guess per account: no account reaches its limit
        _fail(client, f"guess{n}@acme.test", 1)
    assert _login(client, "east.rep@acme.test", PASSWORD).status_code == 429
    assert _login(Client(REMOTE_ADDR="192.0.2.11"), "east.rep@acme.test", PASSWORD).status_code == 302


def test_people_sharing_an_office_address_do_not_add_up_to_an_account_limit(org):
    office = {"REMOTE_ADDR": "192.0.2.20"}
    for email in ("east.rep@acme.test", "sales.rep@acme.test", "dev@acme.test"):
        _fail(Client(**office), email, LIMIT - 1)  # everybody mistypes, nobody reaches their limit
    for email in ("east.rep@acme.test", "sales.rep@acme.test", "dev@acme.test"):
        assert _login(Client(**office), email, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_does_not_dodge_the_address_lock_without_proxies(org, settings):
    settings.LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT = 4
    client = Client(REMOTE_ADDR="192.0.2.30")
    for n in range(4):
        _fail(client, f"guess{n}@acme.test", 1, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = _login(client, "east.rep@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.30"}


def test_behind_a_trusted_proxy_the_lock_is_keyed_by_the_forwarded_address(org, settings):
    settings.LUMEN_TRUSTED_PROXIES = 1
    settings.LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT = 4
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(4):
        _fail(Client(**proxy), f"guess{n}@acme.test", 1, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # The attacker cannot step out of the lock by putting another address first: the proxy's entry counts.
    forged = _login(
        Client(**proxy), "east.rep@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
    )
    assert forged.status_code == 429
    # Somebody else behind the same proxy is not locked out.
    other = _login(Client(**proxy), "east.rep@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302


# --- The token endpoint -----------------------------------------------------------------------------


def _token(client: Client, email: str, password: str, **extra):
    return client.post(
        TOKEN_URL, {"email": email, "password": password}, content_type="application/json", **extra
    )


def test_the_token_endpoint_locks_with_the_api_error_shape(org):
    client = Client()
    for _ in range(LIMIT - 1):
        assert _token(client, "east.rep@acme.test", "wrong-password").status_code == 400
    response = _token(client, "east.rep@acme.test", "wrong-password")
    assert response.status_code == 429
    response = _token(client, "east.rep@acme.test", PASSWORD)
    assert response.status_code == 429 and response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "error": {
            "status": 429,
            "code": "locked_out",
            "message": "Too many failed attempts to sign in. Signing in is paused for 15 minutes; try again later.",
            "fields": {},
        }
    }
    assert response["Retry-After"] == str(15 * 60)
    assert "token" not in response.json()


def test_failures_on_the_form_lock_the_token_endpoint_too(org):
    client = Client()
    _fail(client, "east.rep@acme.test", LIMIT)
    response = _token(Client(REMOTE_ADDR="192.0.2.60"), "EAST.REP@acme.test", PASSWORD)
    assert response.status_code == 429 and response.json()["error"]["code"] == "locked_out"


def test_a_very_long_account_name_is_counted_not_crashed_on(org):
    long_name = "x" * 300 + "@acme.test"
    assert _login(Client(), long_name, "wrong-password").status_code == 200
    assert _token(Client(), long_name, "wrong-password").status_code == 400
    username = "a" * 240 + "@acme.test"  # valid for the token endpoint, long for axes
    assert _token(Client(), username, "wrong-password").status_code == 400
    assert AccessAttempt.objects.filter(username=username).exists()


def test_the_token_endpoint_answers_the_same_for_an_unknown_account(org):
    known, unknown = Client(REMOTE_ADDR="198.51.100.5"), Client(REMOTE_ADDR="198.51.100.6")
    for _ in range(LIMIT):
        _token(known, "east.rep@acme.test", "wrong-password")
        _token(unknown, "nobody@acme.test", "wrong-password")
    assert (
        _token(known, "east.rep@acme.test", PASSWORD).json()
        == _token(unknown, "nobody@acme.test", "x").json()
    )


# --- Lifting a lock ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(org):
    client = Client(REMOTE_ADDR="192.0.2.200")
    client.force_login(org.admin)
    return client


def test_an_admin_lifts_the_lock_in_axes_admin(org, admin_client):
    client = Client()
    _fail(client, "east.rep@acme.test", LIMIT)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin_client.get(changelist, {"q": "east.rep"})
    assert page.status_code == 200 and "east.rep@acme.test" in page.content.decode()
    attempts = list(AccessAttempt.objects.filter(username="east.rep@acme.test").values_list("pk", flat=True))
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"}
    )
    assert response.status_code == 302
    assert _login(client, "east.rep@acme.test", PASSWORD).status_code == 302


def test_an_admin_unlocks_a_person_from_the_people_admin(org, admin_client):
    client = Client()
    _fail(client, "east.rep@acme.test", LIMIT)
    response = admin_client.post(
        reverse("admin:people_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [org.east_rep.pk]},
    )
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="person.sign_in_unlock", target_id=str(org.east_rep.pk)).exists()
    assert _login(client, "east.rep@acme.test", PASSWORD).status_code == 302


def test_axes_admin_cleans_up_expired_attempts(org, admin_client):
    _fail(Client(REMOTE_ADDR="192.0.2.90"), "old@acme.test", 1)
    _fail(Client(REMOTE_ADDR="192.0.2.91"), "new@acme.test", 1)
    AccessAttempt.objects.filter(username="old@acme.test").update(
        attempt_time=F("attempt_time") - datetime.timedelta(minutes=16)
    )
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "cleanup_expired_attempts",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["new@acme.test"]


def test_only_admins_unlock(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.person_sign_in_unlock(actor=org.sales_head, person=org.east_rep)


def test_signing_in_without_a_request_is_refused_loudly(org):
    """Every authenticate() call must pass the request, or the lock could be walked around."""
    from django.contrib.auth import authenticate

    with pytest.raises(ValueError):
        authenticate(None, username="east.rep@acme.test", password=PASSWORD)


def test_the_lockout_answer_takes_axes_asynchronous_call_too(org):
    """Under ASGI, axes' middleware passes the credentials where the original response belongs."""
    from django.test import RequestFactory

    from portal.people.lockout import locked_out_response

    api = locked_out_response(RequestFactory().post(TOKEN_URL), {"username": "east.rep@acme.test"})
    assert api.status_code == 429 and api["Retry-After"] == str(15 * 60)
    assert json.loads(api.content)["error"]["code"] == "locked_out"
    page = locked_out_response(RequestFactory().post(LOGIN_URL), {"username": "east.rep@acme.test"})
    assert page.status_code == 429 and "east.rep@acme.test" not in page.content.decode()


# --- Through the real server (uvicorn, where axes' middleware runs asynchronously) -------------------


@pytest.fixture
def asgi_live_server_env():
    return {"LUMEN_LOGIN_FAILURE_LIMIT": "2", "LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT": "50"}


def _http(opener, url: str, data: bytes | None = None, headers: dict | None = None):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.postgres
def test_the_real_server_locks_the_token_endpoint_and_the_login_form(asgi_live_server):
    import http.cookiejar
    import urllib.parse
    import urllib.request

    UserFactory(email="anna@acme.test")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token_url = asgi_live_server.url + TOKEN_URL

    def token(password):
        body = json.dumps({"email": "anna@acme.test", "password": password}).encode()
        return _http(opener, token_url, body, {"Content-Type": "application/json"})

    assert token("wrong-password")[0] == 400
    assert token("wrong-password")[0] == 429
    status, headers, body = token(PASSWORD)
    assert status == 429 and headers["Retry-After"] == str(15 * 60)
    assert json.loads(body)["error"]["code"] == "locked_out"

    login_url = asgi_live_server.url + LOGIN_URL
    _status, _headers, form = _http(opener, login_url)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, "username": "anna@acme.test", "password": PASSWORD}
    )
    status, _headers, page = _http(opener, login_url, data.encode(), {"Referer": login_url})
    assert status == 429 and "Too many failed attempts to sign in" in page
