"""`manage.py profile_request`: one request replayed in-process under a profiler."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.people.factories import UserFactory


@pytest.mark.parametrize("profiler", ["cprofile", "pyinstrument"])
def test_profiles_a_signed_in_page(db, profiler):
    user = UserFactory()
    out = io.StringIO()
    call_command(
        "profile_request", "/company/", "--as", user.email, "--warmup", "1", "--repeat", "2",
        "--profiler", profiler, "--sql", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert text.startswith("/company/: status 200,") and " queries" in text.splitlines()[0]
    assert "SELECT" in text  # --sql lists the queries
    assert "2 requests under the profiler: median" in text


def test_refuses_an_unknown_person_and_an_error_page(db):
    with pytest.raises(CommandError, match="nobody has the e-mail"):
        call_command("profile_request", "/company/", "--as", "nobody@example.com", stdout=io.StringIO())
    # Signed out, a page redirects (fine to profile); a missing page is an error.
    with pytest.raises(CommandError, match="answered 404"):
        call_command("profile_request", "/no-such-page/", "--as", UserFactory().email, stdout=io.StringIO())
