"""A real SMTP server for tests: aiosmtpd on a free loopback port, collecting every message it gets.

`smtp_server` runs the server (its own thread and event loop) and gives `.url` for a subprocess's
`EMAIL_URL`; `smtp_settings` also points this process's Django mail at it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest


@dataclass
class ReceivedMail:
    """One message as the server received it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def body(self, subtype: str = "plain") -> str:
        """The text (or `"html"`) part, decoded; empty when the message has no such part."""
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""


@dataclass
class SMTPRecorder:
    """The aiosmtpd handler: keeps what arrives, in order."""

    messages: list[ReceivedMail] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook name
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    host: str
    port: int
    recorder: SMTPRecorder

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[ReceivedMail]:
        return list(self.recorder.messages)

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.recorder.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]

    def wait_for(self, match: Callable[[ReceivedMail], bool], *, timeout: float = 20.0) -> ReceivedMail:
        """The first message that matches, waiting up to `timeout` seconds for it to arrive."""
        deadline = time.monotonic() + timeout
        with self.recorder._arrived:
            while True:
                found = next((m for m in self.recorder.messages if match(m)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(m.rcpt_tos, m.subject) for m in self.recorder.messages]
                    pytest.fail(f"no matching mail within {timeout:.0f}s; received: {seen}", pytrace=False)
                self.recorder._arrived.wait(left)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    from aiosmtpd.controller import Controller

    recorder = SMTPRecorder()
    host = "127.0.0.1"
    controller = Controller(recorder, hostname=host, port=free_port(host), ready_timeout=10)
    controller.start()
    try:
        yield SMTPServer(host=host, port=controller.port, recorder=recorder)
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(smtp_server, settings) -> SMTPServer:
    """Django in this process sends through `smtp_server` (plain SMTP, no authentication)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    return smtp_server
