"""The IMAP connector of the e-mail intake, against a real dovecot (tests/crm/imap_server.py) where it talks to a
server, and on raw messages where it only parses."""

from __future__ import annotations

import datetime as dt
import socket
from email.header import Header
from email.message import EmailMessage

import pytest

from crm.connectors.imap import (
    MAX_TEXT_BYTES,
    MailboxAddress,
    MailboxError,
    fetch_new,
    html_to_text,
    parse_message,
    test_connection,
)
from tests.crm.imap_server import message

imap = pytest.mark.imap


def address_of(server, **changes) -> MailboxAddress:
    values = {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "login": server.user,
        "password": server.password,
        "timeout": 10,
    }
    return MailboxAddress(**{**values, **changes})


def fetch(server, state=None, **kwargs):
    """fetch_new from where `state` (a previous FetchResult) stopped, or from the start."""
    kwargs.setdefault("ssl_context", server.ssl_context())
    address = kwargs.pop("address", None) or address_of(server)
    return fetch_new(
        address,
        uidvalidity=state.uidvalidity if state else None,
        last_uid=state.last_uid if state else 0,
        **kwargs,
    )


def with_attachment(*files: tuple[str, bytes], subject: str = "Files") -> EmailMessage:
    mail = message(subject=subject, text="See the files.")
    for filename, content in files:
        mail.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return mail


def russian_message() -> bytes:
    """A message as an older Russian mail client writes it: KOI8-R words in the headers, a Windows-1251 body."""
    subject = Header("Заявка на поставку", "koi8-r").encode()
    sender = Header("Иван Петров", "koi8-r").encode()
    body = "Здравствуйте! Нужна цена на 10 шт.".encode("cp1251")
    return (
        (
            f"From: {sender} <Ivan.Petrov@Example.RU>\r\n"
            f"To: Sales <sales@example.test>, intake@example.test\r\n"
            f"Cc: Boss <BOSS@example.ru>\r\n"
            f"Subject: {subject}\r\n"
            "Date: Wed, 03 Jan 2024 12:00:00 +0300\r\n"
            "Message-ID: <ru-1@example.ru>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=windows-1251\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode()
        + body
        + b"\r\n"
    )


# --- against dovecot ---------------------------------------------------------------------------------------


@imap
def test_new_messages_are_read_and_decoded(imap_mailbox):
    plain = imap_mailbox.deliver(
        message(subject="Plain one", text="Just text.", Message_ID="<plain@example.com>")
    )
    html_only = imap_mailbox.deliver(
        message(
            subject="HTML only",
            text=None,
            html="<p>Hello <b>there</b>&nbsp;&amp; welcome</p><ul><li>a</li></ul>",
        )
    )
    files = imap_mailbox.deliver(with_attachment(("offer.pdf", b"%PDF-1.4 offer")))
    russian = imap_mailbox.deliver(russian_message())
    assert b"=?koi8-r?" in russian_message()  # the headers really are RFC 2047 encoded

    result = fetch(imap_mailbox)

    assert [m.uid for m in result.messages] == [plain, html_only, files, russian]
    assert result.last_uid == russian
    assert result.uidvalidity > 0
    first, second, third, fourth = result.messages

    assert first.subject == "Plain one"
    assert first.message_id == "<plain@example.com>"
    assert (first.from_email, first.from_name) == ("client@example.com", "Client")
    assert first.to == ["intake@example.test"]
    assert first.text.strip() == "Just text."
    assert first.html == ""
    assert first.sent_at == dt.datetime(2024, 1, 2, 6, 30, tzinfo=dt.UTC)
    assert first.size > 0

    assert "<b>there</b>" in second.html
    assert second.text == "Hello there & welcome\n\na"

    assert [(a.filename, a.content_type, a.content) for a in third.attachments] == [
        ("offer.pdf", "application/pdf", b"%PDF-1.4 offer")
    ]
    assert third.text.strip() == "See the files."
    assert third.skipped == []

    assert fourth.subject == "Заявка на поставку"
    assert (fourth.from_email, fourth.from_name) == ("ivan.petrov@example.ru", "Иван Петров")
    assert fourth.to == ["sales@example.test", "intake@example.test"]
    assert fourth.cc == ["boss@example.ru"]
    assert fourth.text.strip() == "Здравствуйте! Нужна цена на 10 шт."
    assert fourth.sent_at == dt.datetime(2024, 1, 3, 9, 0, tzinfo=dt.UTC)


@imap
def test_reading_does_not_mark_messages_seen(imap_mailbox):
    uid = imap_mailbox.deliver(message())
    assert len(fetch(imap_mailbox).messages) == 1
    assert b"\\Seen" not in imap_mailbox.flags(uid)


@imap
def test_a_second_run_reads_only_what_arrived_since(imap_mailbox):
    imap_mailbox.deliver(message(subject="one"))
    imap_mailbox.deliver(message(subject="two"))
    first = fetch(imap_mailbox)
    assert [m.subject for m in first.messages] == ["one", "two"]

    # `UID n:*` answers the highest UID even when it is not above n: nothing new must come of it.
    again = fetch(imap_mailbox, first)
    assert again.messages == []
    assert (again.uidvalidity, again.last_uid) == (first.uidvalidity, first.last_uid)

    newer = imap_mailbox.deliver(message(subject="three"))
    third = fetch(imap_mailbox, again)
    assert [(m.uid, m.subject) for m in third.messages] == [(newer, "three")]
    assert third.last_uid == newer


@imap
def test_an_empty_folder_gives_nothing(imap_mailbox):
    result = fetch(imap_mailbox)
    assert (result.messages, result.last_uid) == ([], 0)


@imap
def test_limit_takes_the_oldest_and_the_next_run_continues(imap_mailbox):
    uids = [imap_mailbox.deliver(message(subject=f"m{n}")) for n in range(3)]
    first = fetch(imap_mailbox, limit=2)
    assert [m.uid for m in first.messages] == uids[:2]
    assert first.last_uid == uids[1]
    rest = fetch(imap_mailbox, first, limit=2)
    assert [m.uid for m in rest.messages] == uids[2:]


@imap
def test_a_recreated_folder_is_read_again_from_the_start(imap_mailbox):
    address = address_of(imap_mailbox, folder="Support")
    for n in range(3):
        imap_mailbox.deliver(message(subject=f"old {n}"), folder="Support")
    before = fetch(imap_mailbox, address=address)
    assert before.last_uid == 3

    with imap_mailbox.client() as client:
        client.delete_folder("Support")
        client.create_folder("Support")
    uid = imap_mailbox.deliver(message(subject="after"), folder="Support")
    assert uid == 1  # below the stored last UID: only the new UIDVALIDITY says it is new

    after = fetch(imap_mailbox, before, address=address)
    assert after.uidvalidity != before.uidvalidity
    assert [(m.uid, m.subject) for m in after.messages] == [(1, "after")]
    assert after.last_uid == 1


@imap
def test_an_attachment_over_the_limit_is_skipped_and_named(imap_mailbox):
    imap_mailbox.deliver(with_attachment(("small.pdf", b"x" * 10), ("huge.pdf", b"y" * 5000)))
    (fetched,) = fetch(imap_mailbox, max_attachment_bytes=1000).messages
    assert [a.filename for a in fetched.attachments] == ["small.pdf"]
    assert fetched.skipped == ["huge.pdf"]


@imap
def test_a_message_over_the_limit_comes_with_its_headers_only(imap_mailbox):
    imap_mailbox.deliver(with_attachment(("big.pdf", b"z" * 20_000), subject="Too big"))
    small = imap_mailbox.deliver(message(subject="Small"))
    result = fetch(imap_mailbox, max_message_bytes=10_000)
    big, normal = result.messages
    assert (big.subject, big.from_email, big.text, big.attachments) == (
        "Too big",
        "client@example.com",
        "",
        [],
    )
    assert len(big.skipped) == 1 and big.size > 20_000
    assert normal.uid == small and normal.text.strip() == "Hello there."
    assert result.last_uid == small


@imap
@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_a_trusted_certificate(imap_mailbox, security):
    imap_mailbox.deliver(message(subject="Secure"))
    port = imap_mailbox.tls_port if security == "ssl" else imap_mailbox.port
    address = address_of(imap_mailbox, security=security, port=port)
    test_connection(address, ssl_context=imap_mailbox.ssl_context())
    assert [m.subject for m in fetch(imap_mailbox, address=address).messages] == ["Secure"]


@imap
def test_an_untrusted_certificate_is_refused(imap_server):
    address = address_of(imap_server, security="ssl", port=imap_server.tls_port)
    with pytest.raises(MailboxError) as caught:
        test_connection(address)  # the system's trusted authorities do not know the test certificate
    assert caught.value.code == "tls"
    assert "certificate" in caught.value.message
    assert not caught.value.temporary


@imap
def test_ssl_on_a_plain_port_says_so(imap_server):
    address = address_of(imap_server, security="ssl")
    with pytest.raises(MailboxError) as caught:
        test_connection(address, ssl_context=imap_server.ssl_context())
    assert caught.value.code in {"tls", "network"}


@imap
def test_a_wrong_password_is_an_authentication_error(imap_server):
    with pytest.raises(MailboxError) as caught:
        fetch(imap_server, address=address_of(imap_server, password="wrong"))
    assert caught.value.code == "auth"
    assert "Authentication failed" in caught.value.message
    assert imap_server.user in caught.value.message
    assert "wrong" not in caught.value.message


@imap
def test_a_missing_folder_is_named(imap_server):
    with pytest.raises(MailboxError) as caught:
        test_connection(address_of(imap_server, folder="No Such Folder"))
    assert caught.value.code == "folder"
    assert "No Such Folder" in caught.value.message


@imap
def test_connection_succeeds_with_the_right_settings(imap_server):
    assert test_connection(address_of(imap_server)) is None


def test_a_closed_port_is_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens on it once closed
    with pytest.raises(MailboxError) as caught:
        test_connection(MailboxAddress("127.0.0.1", port, "none", "me", "secret", timeout=5))
    assert caught.value.code == "refused"
    assert str(port) in caught.value.message
    assert caught.value.temporary


def test_a_server_that_never_answers_times_out():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # the kernel accepts the connection; no greeting ever comes
        port = sock.getsockname()[1]
        with pytest.raises(MailboxError) as caught:
            test_connection(MailboxAddress("127.0.0.1", port, "none", "me", "secret", timeout=0.5))
    assert caught.value.code == "timeout"


def test_an_unknown_host_name_is_a_dns_error():
    with pytest.raises(MailboxError) as caught:
        test_connection(MailboxAddress("imap.lumen.invalid", 993, "ssl", "me", "secret", timeout=5))
    assert caught.value.code == "dns"
    assert "imap.lumen.invalid" in caught.value.message


# --- parsing only ------------------------------------------------------------------------------------------


def test_html_to_text_keeps_the_visible_words():
    html = (
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<h1>Offer</h1><p>Price:&nbsp;10&euro;</p><script>alert(1)</script>"
        "<ul><li>one</li><li>two</li></ul>line<br>next<table><tr><td>a</td><td>b</td></tr></table></body></html>"
    )
    assert html_to_text(html) == "Offer\n\nPrice: 10€\n\none\ntwo\n\nline\nnext\n\na b"


def test_bodies_are_cut_and_cleaned():
    mail = message(text="я" * MAX_TEXT_BYTES + "\x00end")  # two bytes a letter in UTF-8
    parsed = parse_message(mail.as_bytes())
    assert len(parsed.text.encode()) <= MAX_TEXT_BYTES
    assert parsed.text == "я" * (MAX_TEXT_BYTES // 2)
    nul = parse_message(message(text="a\x00b", subject="x").as_bytes())
    assert nul.text.strip() == "ab"


def test_attachment_names_are_plain_file_names():
    mail = with_attachment(("../../etc/passwd", b"1"), ("C:\\Users\\me\\отчёт.pdf", b"2"), ("", b"3"))
    names = [a.filename for a in parse_message(mail.as_bytes()).attachments]
    assert names == ["passwd", "отчёт.pdf", "attachment-4.pdf"]


def test_an_attached_message_is_one_file():
    inner = message(subject="Forwarded")
    outer = message(subject="Fwd")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes())
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("attachment-2.eml", "message/rfc822")
    ]
    assert b"Subject: Forwarded" in parsed.attachments[0].content
    assert parsed.subject == "Fwd"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Tue, 02 Jan 2024 09:30:00 -0000", dt.datetime(2024, 1, 2, 9, 30, tzinfo=dt.UTC)),
        ("not a date", None),
        (None, None),
    ],
)
def test_sent_at_is_aware_or_none(date, expected):
    raw = (
        b"From: a@example.com\r\nSubject: x\r\n"
        + (f"Date: {date}\r\n".encode() if date else b"")
        + b"\r\nhi\r\n"
    )
    assert parse_message(raw).sent_at == expected


def test_headers_that_do_not_parse_still_give_what_they_can():
    raw = (
        b"From: =?unknown-charset?B?SGVsbG8=?= <x@example.com>\r\n"
        b"To: undisclosed-recipients:;\r\n"
        b"Subject: =?utf-8?B?broken\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"caf\xe9\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.from_email == "x@example.com"
    assert parsed.to == []
    assert "broken" in parsed.subject
    assert parsed.text.startswith("caf")
