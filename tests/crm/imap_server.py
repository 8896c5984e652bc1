"""A real IMAP server for tests: Debian's dovecot on free loopback ports, an instance of its own.

`running_dovecot()` writes a configuration into a temporary directory (its own base_dir, state, log,
passwd-file with one user, maildir storage, a self-signed certificate), starts `dovecot -F -c <conf>` in a
subprocess and waits for its greeting; it shares nothing with a system dovecot that may run on port 143.
The server offers plain IMAP with STARTTLS on `port` and implicit TLS on `tls_port`; `ssl_context()`
trusts its certificate. `deliver(message)` APPENDs a message, `reset()` empties the mailbox.

The fixtures live in tests/crm/conftest.py. Without dovecot (`apt-get install dovecot-imapd`, or
`LUMEN_DOVECOT=/path/to/dovecot`) the tests skip with the reason, unless `LUMEN_REQUIRE_IMAP=1` (CI),
where they fail instead.

Dovecot refuses to run its internal processes as root and to give mail to UID 0: run as root (CI), the
instance uses `nobody` for both; run as anyone else, it runs wholly as that user (no chroot). The
configuration is written for dovecot 2.3 (Debian 12) or, from the version dovecot reports, in 2.4's syntax.
"""

from __future__ import annotations

import datetime as dt
import grp
import ipaddress
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage, Message
from pathlib import Path

import pytest
from imapclient import IMAPClient

START_TIMEOUT = 20.0
USER = "intake@example.test"
PASSWORD = "imap-test-secret"


def dovecot_path() -> str:
    return os.environ.get("LUMEN_DOVECOT", "/usr/sbin/dovecot")


def imap_required() -> bool:
    return os.environ.get("LUMEN_REQUIRE_IMAP", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    if imap_required():
        pytest.fail(f"{reason} (LUMEN_REQUIRE_IMAP is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class ImapServer:
    host: str
    port: int  # plain IMAP, STARTTLS offered
    tls_port: int  # implicit TLS
    user: str
    password: str
    cert_path: Path
    log_path: Path
    process: subprocess.Popen

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate (and verifies the host name)."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    @contextmanager
    def client(self) -> Iterator[IMAPClient]:
        """A signed-in client over plain IMAP, logged out afterwards."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        try:
            client.login(self.user, self.password)
            yield client
        finally:
            try:
                client.logout()
            except Exception:  # already closed
                client.shutdown()

    def deliver(self, message: bytes | str | Message, folder: str = "INBOX", *, seen: bool = False) -> int:
        """Put a message into the folder (created when missing) as a mail server would; returns its UID."""
        if isinstance(message, Message):
            raw = message.as_bytes()
        elif isinstance(message, str):
            raw = message.encode()
        else:
            raw = message
        raw = re.sub(rb"\r?\n", b"\r\n", raw)  # IMAP wants CRLF line ends
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            answer = client.append(folder, raw, flags=(rb"\Seen",) if seen else ())
        found = re.search(rb"APPENDUID \d+ (\d+)", answer or b"")
        return int(found.group(1)) if found else 0

    def reset(self) -> None:
        """An empty INBOX and no other folder."""
        with self.client() as client:
            for _flags, _delimiter, name in client.list_folders():
                if name.upper() != "INBOX":
                    client.delete_folder(name)
            client.select_folder("INBOX")
            uids = client.search("ALL")
            if uids:
                client.delete_messages(uids)
                client.expunge()
            client.close_folder()

    def flags(self, uid: int, folder: str = "INBOX") -> tuple[bytes, ...]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return tuple(client.get_flags([uid]).get(uid, ()))

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 that clients may take as their only trusted authority."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lumen test IMAP server")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def _dovecot_version(binary: str) -> tuple[int, int]:
    try:
        output = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        unavailable(f"dovecot at {binary} does not run: {exc}")
    found = re.match(r"(\d+)\.(\d+)", output.strip())
    if not found:
        unavailable(f"dovecot at {binary} gave no version: {output!r}")
    return int(found.group(1)), int(found.group(2))


def _accounts() -> tuple[str, int, int]:
    """(user name for dovecot's internal and login processes, mail uid, mail gid)."""
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_name, nobody.pw_uid, nobody.pw_gid
    me = pwd.getpwuid(os.getuid())
    return me.pw_name, me.pw_uid, me.pw_gid


def _configuration(
    version: tuple[int, int], root: Path, port: int, tls_port: int, cert: Path, key: Path
) -> str:
    account, uid, gid = _accounts()
    common = f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = lumen-test-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {account}
default_login_user = {account}
default_internal_group = {grp.getgrgid(gid).gr_name}
first_valid_uid = {uid}
auth_mechanisms = plain login
ssl = yes
ssl_min_protocol = TLSv1.2
namespace inbox {{
  inbox = yes
  separator = /
}}
# No chroot (only root may chroot), and no authentication penalty: the logins that follow a test's wrong
# password must not wait for it.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
"""
    if version >= (2, 4):
        return f"""\
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
{common}
auth_allow_cleartext = yes
ssl_server_cert_file = {cert}
ssl_server_key_file = {key}
mail_driver = maildir
mail_home = {root}/mail/%{{user}}
mail_path = ~/Maildir
mail_uid = {uid}
mail_gid = {gid}
passdb passwd-file {{
  passwd_file_path = {root}/users
}}
userdb static {{
  fields {{
    uid = {uid}
    gid = {gid}
    home = {root}/mail/%{{user}}
  }}
}}
"""
    return f"""\
{common}
disable_plaintext_auth = no
auth_failure_delay = 0
ssl_cert = <{cert}
ssl_key = <{key}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
"""


def _wait_for_greeting(server: ImapServer) -> bool:
    """True once the server greets on its port; False when dovecot exited (the log says why)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # the master stops its children and exits
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def running_dovecot() -> Iterator[ImapServer]:
    """A dovecot instance in a temporary directory, stopped and removed on the way out."""
    binary = dovecot_path()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        unavailable(f"dovecot-imapd is not installed: needs {binary} (apt-get install dovecot-imapd)")
    version = _dovecot_version(binary)
    account, uid, gid = _accounts()
    # Not under pytest's tmp_path: its parents are private to the user running the tests, and the mail
    # processes run as `account`, which must reach the maildir.
    root = Path(tempfile.mkdtemp(prefix="lumen-imap-"))
    try:
        root.chmod(0o755)
        (root / "mail").mkdir()
        os.chown(root / "mail", uid, gid)
        cert, key = _self_signed_certificate(root)
        (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        server = None
        for attempt in range(3):  # a free port may be taken between choosing it and binding it
            server = _start(binary, version, root, cert, key)
            if _wait_for_greeting(server):
                break
            _stop(server.process)
            log = f"{server.log_tail()}\n{_read(root / 'dovecot.out')}"
            if "Address already in use" not in log or attempt == 2:
                pytest.fail(f"dovecot did not start:\n{log}", pytrace=False)
        try:
            yield server
        finally:
            _stop(server.process)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _start(binary: str, version: tuple[int, int], root: Path, cert: Path, key: Path) -> ImapServer:
    port, tls_port = free_port(), free_port()
    config = root / "dovecot.conf"
    config.write_text(_configuration(version, root, port, tls_port, cert, key))
    with (root / "dovecot.out").open("ab") as output:
        process = subprocess.Popen(
            [binary, "-F", "-c", str(config)], stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    return ImapServer(
        host="127.0.0.1",
        port=port,
        tls_port=tls_port,
        user=USER,
        password=PASSWORD,
        cert_path=cert,
        log_path=root / "dovecot.log",
        process=process,
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def message(
    *,
    subject: str = "Hello",
    sender: str = "Client <client@example.com>",
    to: str = USER,
    text: str | None = "Hello there.",
    html: str | None = None,
    **headers: str,
) -> EmailMessage:
    """A message to deliver: a text body, an HTML body, or both as alternatives."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = "Tue, 02 Jan 2024 09:30:00 +0300"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    if text is not None:
        mail.set_content(text)
        if html is not None:
            mail.add_alternative(html, subtype="html")
    elif html is not None:
        mail.set_content(html, subtype="html")
    return mail
