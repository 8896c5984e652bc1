"""`manage.py register_portal`: non-interactive, from a file or the environment, interactive; refusals."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from portal.people.models import Company, Department, User

pytestmark = pytest.mark.django_db

OPTIONS = {
    "company": "Globex",
    "email": "Boss@Globex.test",
    "first_name": "Hank",
    "last_name": "Scorpio",
    "time_zone": "Europe/Berlin",
}


@pytest.fixture
def empty_portal(db):
    Company.objects.all().delete()


def _run(*args, **options) -> str:
    out = io.StringIO()
    call_command("register_portal", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_registers_non_interactively(empty_portal):
    out = _run(password="volcano-lair-2025", interactive=False, **OPTIONS)
    assert "Registered Globex" in out and "boss@globex.test" in out
    admin = User.objects.get()
    assert admin.email == "boss@globex.test" and admin.is_superuser and admin.time_zone == "Europe/Berlin"
    assert admin.check_password("volcano-lair-2025") and admin.last_name == "Scorpio"
    assert Department.objects.get().head == admin
    assert Company.objects.get().default_time_zone == "Europe/Berlin"


def test_password_from_file_or_environment(empty_portal, tmp_path, monkeypatch):
    secret = tmp_path / "password"
    secret.write_text("from-a-file-2025\n", encoding="utf-8")
    _run("--password-file", str(secret), "--no-input", **OPTIONS)
    assert User.objects.get().check_password("from-a-file-2025")
    Company.objects.all().delete()
    User.objects.all().delete()
    Department.objects.all().delete()
    monkeypatch.setenv("LUMEN_ADMIN_PASSWORD", "from-the-env-2025")
    _run("--no-input", **OPTIONS)
    assert User.objects.get().check_password("from-the-env-2025")


def test_refused_when_registered_already(db):
    assert Company.objects.exists()  # the suite's registered company
    with pytest.raises(CommandError, match="registered already"):
        _run(password="volcano-lair-2025", interactive=False, **OPTIONS)
    assert not User.objects.filter(email="boss@globex.test").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "123"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_invalid_input_is_a_clear_error_and_creates_nothing(empty_portal, changes, message):
    options = {**OPTIONS, "password": "volcano-lair-2025", **changes}
    with pytest.raises(CommandError, match=message):
        _run(interactive=False, **options)
    assert not Company.objects.exists() and not User.objects.exists()


def test_missing_values_without_prompting(empty_portal, monkeypatch):
    monkeypatch.delenv("LUMEN_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="--email.*--password"):
        _run("--no-input", company="Globex", first_name="Hank")
    with pytest.raises(CommandError, match="Cannot read the password file"):
        _run("--no-input", password_file="/nonexistent/lumen-password", **OPTIONS)


def test_interactive_prompts_and_getpass(empty_portal, monkeypatch):
    monkeypatch.delenv("LUMEN_ADMIN_PASSWORD", raising=False)
    answers = iter(["Initech", "", "peter@initech.test", "Peter", "Gibbons", "America/Chicago"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    passwords = iter(["tps-reports-1999", "mismatch-1999", "tps-reports-1999", "tps-reports-1999"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))
    out = _run()
    assert "Registered Initech" in out
    admin = User.objects.get()
    assert (admin.email, admin.last_name, admin.time_zone) == (
        "peter@initech.test",
        "Gibbons",
        "America/Chicago",
    )
    assert admin.check_password("tps-reports-1999")


def test_interactive_end_of_input_cancels(empty_portal, monkeypatch):
    def eof(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    with pytest.raises(CommandError, match="cancelled"):
        _run()
    assert not Company.objects.exists()
