"""Fixtures of the CRM's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.crm.imap_server import ImapServer, running_dovecot

# --- a real IMAP server (dovecot) for the e-mail intake; see tests/crm/imap_server.py -----------------------


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """One dovecot instance per test process (skips without dovecot, fails with LUMEN_REQUIRE_IMAP=1).
    Its mailbox is shared: a test that counts messages starts from `imap_mailbox` instead."""
    with running_dovecot() as server:
        yield server


@pytest.fixture
def imap_mailbox(imap_server) -> ImapServer:
    """The IMAP server with an empty INBOX and no other folder."""
    imap_server.reset()
    return imap_server


# --- end of the IMAP server ---------------------------------------------------------------------------------
