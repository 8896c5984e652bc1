"""Mail goes out over real SMTP (aiosmtpd on loopback) and arrives as it was written."""

from __future__ import annotations

import pytest
from django.core.mail import send_mail

from portal.core.mail import mail_send

pytestmark = pytest.mark.smtp


def test_send_mail_arrives_over_smtp(smtp_settings):
    sent = send_mail("Quarterly meeting", "See you at ten.", "lumen@acme.test", ["ann@acme.test"])

    assert sent == 1
    received = smtp_settings.wait_for(lambda m: "ann@acme.test" in m.rcpt_tos, timeout=10)
    assert received.mail_from == "lumen@acme.test"
    assert received.subject == "Quarterly meeting"
    assert received.body().strip() == "See you at ten."


@pytest.fixture
def mail_templates(tmp_path, settings):
    folder = tmp_path / "templates" / "mailtest"
    folder.mkdir(parents=True)
    (folder / "welcome.txt").write_text("Hello {{ name }}, start at {{ base_url }}/start/\n")
    (folder / "welcome.html").write_text(
        '<p>Hello <b>{{ name }}</b>, <a href="{{ base_url }}/start/">start</a></p>\n'
    )
    (folder / "plain.txt").write_text("Only text for {{ name }}.\n")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return folder


def test_mail_send_renders_text_and_html_and_sends(smtp_settings, mail_templates, settings):
    settings.LUMEN_BASE_URL = "https://intranet.acme.test/"
    settings.DEFAULT_FROM_EMAIL = "Lumen <lumen@acme.test>"

    sent = mail_send(
        to=["ada@acme.test"], subject="Welcome", template="mailtest/welcome", context={"name": "Ada"}
    )

    assert sent == 1
    received = smtp_settings.wait_for(lambda m: "ada@acme.test" in m.rcpt_tos, timeout=10)
    assert received.subject == "Welcome"
    assert received.mail_from == "lumen@acme.test"
    assert received.body().strip() == "Hello Ada, start at https://intranet.acme.test/start/"
    assert '<a href="https://intranet.acme.test/start/">' in received.body("html")
    assert "<b>Ada</b>" in received.body("html")


def test_mail_send_without_html_template_sends_text_only(smtp_settings, mail_templates):
    mail_send(to=["bob@acme.test"], subject="Note", template="mailtest/plain", context={"name": "Bob"})

    received = smtp_settings.wait_for(lambda m: "bob@acme.test" in m.rcpt_tos, timeout=10)
    assert not received.message.is_multipart()
    assert received.body().strip() == "Only text for Bob."
    assert received.body("html") == ""
