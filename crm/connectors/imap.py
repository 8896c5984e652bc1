"""Reading a mailbox over IMAP: the e-mail intake of the CRM.

`fetch_new` reads the messages that arrived in one folder since the last run and parses them into plain
data (`FetchedMessage`); what becomes of them (an activity, a lead) is decided elsewhere. The caller keeps
the folder's UIDVALIDITY and the highest UID processed, and passes them back on the next run, so nothing
is read twice: when the server changes the UIDVALIDITY (the folder was recreated), the old UIDs mean
nothing any more and reading starts again from the beginning.

The folder is opened read-only and bodies are fetched with BODY.PEEK[], so the intake never marks a
message as seen. Everything read is bounded: the number of messages per run, the size of a message, of
its text and of each attachment.

Every failure (name resolution, refused connection, timeout, TLS, authentication, missing folder, a
protocol error) surfaces as one `MailboxError` whose message says what went wrong in words a person
setting up the mailbox can act on.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import posixpath
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Literal

from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

log = logging.getLogger(__name__)

Security = Literal["ssl", "starttls", "none"]

MAX_TEXT_BYTES = 200_000  # of each body (text, html) once decoded, in UTF-8
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024  # larger messages: headers only, the body is listed as skipped
FETCH_BATCH_BYTES = 20 * 1024 * 1024  # bodies fetched per round trip, to bound memory
MAX_HEADER_CHARS = 2_000
MAX_FILENAME_CHARS = 200


class MailboxError(Exception):
    """A mailbox could not be read. `message` is for people (the mailbox page shows it); `code` is stable:
    dns, refused, timeout, network, tls, starttls, auth, folder, protocol. `temporary` says whether trying
    again later may help (the network), as opposed to a setting to fix (password, folder, certificate)."""

    TEMPORARY_CODES = frozenset({"dns", "refused", "timeout", "network"})

    def __init__(self, message: str, *, code: str = "protocol"):
        super().__init__(message)
        self.message = str(message)
        self.code = code

    @property
    def temporary(self) -> bool:
        return self.code in self.TEMPORARY_CODES


@dataclass(frozen=True)
class MailboxAddress:
    """Where a mailbox is and how to sign in to it."""

    host: str
    port: int
    security: Security
    login: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    timeout: float = 20


@dataclass
class FetchedAttachment:
    filename: str
    content_type: str
    content: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class FetchedMessage:
    """One message, decoded. Addresses are lowercased; `text` is the plain-text body (rendered from the
    HTML one when the message has no text part); `skipped` names what was left out for its size."""

    uid: int
    message_id: str
    from_email: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    sent_at: dt.datetime | None
    text: str
    html: str
    attachments: list[FetchedAttachment]
    size: int
    skipped: list[str] = field(default_factory=list)


@dataclass
class FetchResult:
    """What one run read: the folder's UIDVALIDITY and the highest UID processed, to keep for the next run."""

    uidvalidity: int
    last_uid: int
    messages: list[FetchedMessage]


# --- the public functions ----------------------------------------------------------------------------------


def fetch_new(
    address: MailboxAddress,
    *,
    uidvalidity: int | None,
    last_uid: int,
    limit: int = 200,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ssl_context: ssl.SSLContext | None = None,
) -> FetchResult:
    """The messages of `address.folder` with a UID above `last_uid`, oldest first, at most `limit` of them.

    Pass the `uidvalidity` and `last_uid` of the previous result (None and 0 the first time). A message that
    cannot be parsed is logged and left out, but its UID still counts as processed, so that one broken
    message does not stop the intake."""
    with _session(address, ssl_context) as client:
        status = _select(client, address)
        current_validity = int(status[b"UIDVALIDITY"])
        start = last_uid if uidvalidity == current_validity else 0
        # `UID n:*` always answers the highest UID, even when it is not above n: filter it out.
        found = _call(client.search, ["UID", f"{start + 1}:*"], address=address)
        uids = sorted(uid for uid in found if uid > start)[: max(limit, 0)]
        messages = _fetch_messages(client, address, uids, max_attachment_bytes, max_message_bytes)
        return FetchResult(
            uidvalidity=current_validity, last_uid=max(uids) if uids else start, messages=messages
        )


def test_connection(address: MailboxAddress, *, ssl_context: ssl.SSLContext | None = None) -> None:
    """Connect, sign in and open the folder, as `fetch_new` would; raise `MailboxError` on any failure."""
    with _session(address, ssl_context) as client:
        _select(client, address)


test_connection.__test__ = False  # pytest must not collect it when a test module imports it


# --- the connection ----------------------------------------------------------------------------------------


@contextmanager
def _session(address: MailboxAddress, ssl_context: ssl.SSLContext | None) -> Iterator[IMAPClient]:
    """A signed-in client, logged out (or at least closed) on the way out whatever happened; any failure
    inside comes out as a MailboxError."""
    client: IMAPClient | None = None
    try:
        client = _connect(address, ssl_context or ssl.create_default_context())
        yield client
        try:
            client.logout()
        except Exception:  # the work is done; a failed goodbye changes nothing
            pass
    except MailboxError:
        raise
    except Exception as exc:
        raise _explain(exc, address) from exc
    finally:
        if client is not None:
            try:
                client.shutdown()
            except Exception:  # already closed by the logout
                pass


def _connect(address: MailboxAddress, context: ssl.SSLContext) -> IMAPClient:
    client = IMAPClient(
        address.host,
        port=address.port,
        ssl=address.security == "ssl",
        ssl_context=context,
        timeout=address.timeout,
    )
    try:
        if address.security == "starttls":
            try:
                client.starttls(context)
            except (ssl.SSLError, OSError, IMAPClientAbortError):
                raise
            except IMAPClientError as exc:
                raise MailboxError(
                    _("The server %(host)s does not offer STARTTLS: %(reason)s")
                    % {"host": address.host, "reason": _reason(exc)},
                    code="starttls",
                ) from exc
        client.login(address.login, address.password)
    except BaseException:
        try:
            client.shutdown()
        except Exception:  # the socket is already gone
            pass
        raise
    return client


def _select(client: IMAPClient, address: MailboxAddress) -> dict:
    try:
        status = client.select_folder(address.folder, readonly=True)
    except (IMAPClientAbortError, OSError):
        raise
    except IMAPClientError as exc:
        raise MailboxError(
            _("The folder “%(folder)s” cannot be opened: %(reason)s")
            % {"folder": address.folder, "reason": _reason(exc)},
            code="folder",
        ) from exc
    if b"UIDVALIDITY" not in status:
        raise MailboxError(
            _("The server did not say the UIDVALIDITY of the folder “%(folder)s”.")
            % {"folder": address.folder},
            code="protocol",
        )
    return status


def _call(method, *args, address: MailboxAddress):
    try:
        return method(*args)
    except (IMAPClientAbortError, OSError):
        raise
    except IMAPClientError as exc:
        raise MailboxError(
            _("The server %(host)s refused a command: %(reason)s")
            % {"host": address.host, "reason": _reason(exc)},
            code="protocol",
        ) from exc


def _reason(exc: BaseException) -> str:
    """The server's or the library's words, as text."""
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text).strip()
    quoted = re.fullmatch(r"b(['\"])(.*)\1", text)  # imapclient passes some answers on as repr(bytes)
    if quoted:
        text = quoted.group(2)
    text = re.sub(r"\s*\([\d.]+(?: \+ [\d.]+)* secs\)\.?$", "", text)  # dovecot's timings
    return text[:300] or exc.__class__.__name__


def _explain(exc: Exception, address: MailboxAddress) -> MailboxError:
    """One human-readable MailboxError for whatever the network, TLS or the library raised."""
    where = {"host": address.host, "port": address.port, "login": address.login, "timeout": address.timeout}
    if isinstance(exc, MailboxError):
        return exc
    if isinstance(exc, LoginError):
        return MailboxError(
            _(
                "Authentication failed for “%(login)s”: check the login and the password. The server said: %(reason)s"
            )
            % {**where, "reason": _reason(exc)},
            code="auth",
        )
    if isinstance(exc, socket.gaierror):
        return MailboxError(
            _("The server name “%(host)s” cannot be resolved (%(reason)s).")
            % {**where, "reason": exc.strerror or exc},
            code="dns",
        )
    if isinstance(exc, ConnectionRefusedError):
        return MailboxError(
            _("%(host)s refused the connection on port %(port)s: is it the IMAP port, and is the server up?")
            % where,
            code="refused",
        )
    if isinstance(exc, TimeoutError):
        return MailboxError(
            _("%(host)s:%(port)s did not answer within %(timeout)s seconds.") % where,
            code="timeout",
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailboxError(
            _("The TLS certificate of %(host)s is not trusted: %(reason)s")
            % {**where, "reason": exc.verify_message or exc.reason or exc},
            code="tls",
        )
    if isinstance(exc, ssl.SSLError):
        hint = ""
        if address.security == "ssl" and "WRONG_VERSION_NUMBER" in str(exc):
            hint = " " + _("The port may expect STARTTLS or no encryption rather than SSL/TLS.")
        return MailboxError(
            _("The TLS connection to %(host)s:%(port)s failed (%(reason)s).")
            % {**where, "reason": exc.reason or exc}
            + hint,
            code="tls",
        )
    if isinstance(exc, IMAPClientAbortError | ConnectionError | EOFError):
        return MailboxError(
            _("%(host)s:%(port)s closed the connection: %(reason)s") % {**where, "reason": _reason(exc)},
            code="network",
        )
    if isinstance(exc, OSError):
        return MailboxError(
            _("Cannot connect to %(host)s:%(port)s: %(reason)s") % {**where, "reason": exc.strerror or exc},
            code="network",
        )
    if isinstance(exc, IMAPClientError):
        return MailboxError(
            _("The server %(host)s refused a command: %(reason)s") % {**where, "reason": _reason(exc)},
            code="protocol",
        )
    log.exception("unexpected error reading the mailbox %s@%s", address.login, address.host)
    return MailboxError(
        _("Reading the mailbox failed unexpectedly: %(reason)s") % {"reason": exc.__class__.__name__},
        code="protocol",
    )


# --- fetching ----------------------------------------------------------------------------------------------


def _fetch_messages(
    client: IMAPClient,
    address: MailboxAddress,
    uids: list[int],
    max_attachment_bytes: int,
    max_message_bytes: int,
) -> list[FetchedMessage]:
    """The messages with these UIDs, oldest first; one over `max_message_bytes` with its headers only."""
    if not uids:
        return []
    sizes = {
        uid: int(data.get(b"RFC822.SIZE", 0))
        for uid, data in _call(client.fetch, uids, ["RFC822.SIZE"], address=address).items()
    }
    # A message deleted since the search has no size: it is gone, and its UID simply counts as processed.
    present = [uid for uid in uids if uid in sizes]
    parsed: dict[int, FetchedMessage | None] = {}
    too_big = [uid for uid in present if sizes[uid] > max_message_bytes]
    if too_big:
        headers = _call(client.fetch, too_big, ["BODY.PEEK[HEADER]"], address=address)
        for uid in too_big:
            raw = headers.get(uid, {}).get(b"BODY[HEADER]") or b""
            message = parsed[uid] = _parse_safely(uid, raw, sizes[uid], max_attachment_bytes)
            if message is not None:
                message.skipped.append(_("the whole message (%(size)s bytes)") % {"size": sizes[uid]})
    wanted = [uid for uid in present if sizes[uid] <= max_message_bytes]
    for batch in _batches(wanted, sizes):
        bodies = _call(client.fetch, batch, ["BODY.PEEK[]"], address=address)
        for uid in batch:
            raw = bodies.get(uid, {}).get(b"BODY[]")
            if raw is not None:
                parsed[uid] = _parse_safely(uid, raw, sizes[uid] or len(raw), max_attachment_bytes)
    return [message for uid in sorted(parsed) if (message := parsed[uid]) is not None]


def _batches(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    batch: list[int] = []
    total = 0
    for uid in uids:
        if batch and total + sizes[uid] > FETCH_BATCH_BYTES:
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += sizes[uid]
    if batch:
        yield batch


def _parse_safely(uid: int, raw: bytes, size: int, max_attachment_bytes: int) -> FetchedMessage | None:
    try:
        return parse_message(raw, uid=uid, size=size, max_attachment_bytes=max_attachment_bytes)
    except Exception:  # one broken message must not stop the intake of the others
        log.exception("cannot parse the message with UID %s; left out", uid)
        return None


# --- parsing -----------------------------------------------------------------------------------------------


def parse_message(
    raw: bytes,
    *,
    uid: int = 0,
    size: int | None = None,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> FetchedMessage:
    """Decode one RFC 5322 message: headers (RFC 2047 words), bodies (charsets), attachments (bounded)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    from_name, from_email = _first_address(message, "From")
    text_part = _body_part(message, "plain")
    html_part = _body_part(message, "html")
    text = _cut(_part_text(text_part)) if text_part is not None else ""
    html = _cut(_part_text(html_part)) if html_part is not None else ""
    if not text.strip() and html:
        text = _cut(html_to_text(html))
    attachments, skipped = _attachments(message, {id(text_part), id(html_part)}, max_attachment_bytes)
    return FetchedMessage(
        uid=uid,
        message_id=_header(message, "Message-ID").strip(),
        from_email=from_email,
        from_name=from_name,
        to=[email for _name, email in _addresses(message, "To")],
        cc=[email for _name, email in _addresses(message, "Cc")],
        subject=_header(message, "Subject"),
        sent_at=_date(message),
        text=text,
        html=html,
        attachments=attachments,
        size=len(raw) if size is None else size,
        skipped=skipped,
    )


def _clean(value: str, limit: int | None = None) -> str:
    """No NUL characters (PostgreSQL refuses them in text)."""
    value = value.replace("\x00", "")
    return value[:limit] if limit is not None else value


def _header(message: EmailMessage, name: str) -> str:
    """A header's decoded value on one line ("" when absent), whatever shape it is in."""
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:  # the parser of structured headers gives up on some malformed values
        text = _raw_header(message, name)
    return _clean(re.sub(r"\s+", " ", text).strip(), MAX_HEADER_CHARS)


def _raw_header(message: EmailMessage, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            try:
                return str(make_header(decode_header(value)))
            except Exception:
                return str(value)
    return ""


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    """(display name, lowercased address) of each mailbox in the header."""
    found: list[tuple[str, str]] = []
    try:
        header = message.get(name)
        for address in getattr(header, "addresses", ()) or ():
            if address.addr_spec and address.addr_spec != "<>":
                found.append(
                    (_clean(address.display_name or "", MAX_HEADER_CHARS), address.addr_spec.lower())
                )
        if header is None or found:
            return found
    except Exception:  # a malformed list: fall back to the tolerant parser below
        pass
    for display, email in getaddresses([_raw_header(message, name)]):
        if "@" in email:
            found.append((_clean(display, MAX_HEADER_CHARS), _clean(email.lower(), MAX_HEADER_CHARS)))
    return found


def _first_address(message: EmailMessage, name: str) -> tuple[str, str]:
    found = _addresses(message, name)
    return found[0] if found else ("", "")


def _date(message: EmailMessage) -> dt.datetime | None:
    """The Date header as an aware datetime (UTC when the header gives no zone); None when absent or invalid."""
    try:
        header = message.get("Date")
        value = getattr(header, "datetime", None)
    except Exception:
        value = None
    if value is None:
        raw = _raw_header(message, "Date")
        try:
            value = parsedate_to_datetime(raw) if raw else None
        except (TypeError, ValueError, IndexError):
            value = None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _body_part(message: EmailMessage, subtype: str) -> EmailMessage | None:
    try:
        part = message.get_body(preferencelist=(subtype,))
    except Exception:
        return None
    if part is None or part.get_content_type() != f"text/{subtype}":
        return None
    return part


def _part_text(part: EmailMessage) -> str:
    """A text part decoded from its transfer encoding and charset, replacing what does not decode."""
    try:
        content = part.get_content()
        if isinstance(content, str):
            return _clean(content)
    except Exception:  # an unknown or lying charset
        pass
    payload = part.get_payload(decode=True) or b""
    for charset in (part.get_content_charset(), "utf-8"):
        if not charset:
            continue
        try:
            return _clean(payload.decode(charset, "replace"))
        except LookupError:
            continue
    return _clean(payload.decode("latin-1"))


def _cut(text: str) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_TEXT_BYTES:
        return text
    return encoded[:MAX_TEXT_BYTES].decode("utf-8", "ignore")


def _leaf_parts(part: EmailMessage) -> Iterator[EmailMessage]:
    """Every part that is not a container; an attached message counts as one part (not descended into)."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for sub in payload if isinstance(payload, list) else ():
        yield from _leaf_parts(sub)


def _attachments(
    message: EmailMessage, body_ids: set[int], max_bytes: int
) -> tuple[list[FetchedAttachment], list[str]]:
    attachments: list[FetchedAttachment] = []
    skipped: list[str] = []
    for index, part in enumerate(_leaf_parts(message), start=1):
        if id(part) in body_ids:
            continue
        content_type = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            continue  # a container whose parts did not parse: nothing to keep
        disposition = part.get_content_disposition()
        raw_name = _part_filename(part)
        if content_type in ("text/plain", "text/html") and disposition != "attachment" and not raw_name:
            continue  # an alternative or extra body, not a file
        filename = _safe_filename(raw_name, content_type, index)
        if content_type == "message/rfc822":
            inner = part.get_payload()
            content = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
        else:
            encoded = part.get_payload()
            # Base64 is 4 characters per 3 bytes: refuse a part that is certainly too big before decoding it.
            if isinstance(encoded, str) and len(encoded) * 3 // 4 > max_bytes + 1024:
                skipped.append(filename)
                continue
            content = part.get_payload(decode=True) or b""
        if len(content) > max_bytes:
            skipped.append(filename)
            continue
        attachments.append(FetchedAttachment(filename=filename, content_type=content_type, content=content))
    return attachments, skipped


def _part_filename(part: EmailMessage) -> str:
    try:
        return part.get_filename() or ""
    except Exception:
        return ""


def _safe_filename(name: str, content_type: str, index: int) -> str:
    """A plain file name: no directories, no control characters, not too long; made up when missing."""
    name = posixpath.basename(name.replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".")
    if not name:
        if content_type == "message/rfc822":
            extension = ".eml"
        else:
            extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{index}{extension}"
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = f"{stem[: MAX_FILENAME_CHARS - len(extension) - 1]}.{extension}"
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name


class _TextExtractor(HTMLParser):
    """HTML to plain text: the visible text, a line per list item or row, a blank line between blocks."""

    LINES = frozenset({"br", "li", "tr", "dt", "dd"})
    PARAGRAPHS = frozenset(
        "address article aside blockquote div dl fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 "
        "header hr main nav ol p pre section table ul".split()
    )
    CELLS = frozenset({"td", "th"})
    HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.LINES:
            self.chunks.append("\n")
        elif tag in self.PARAGRAPHS:
            self.chunks.append("\n\n")
        elif tag in self.CELLS:
            self.chunks.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag not in self.HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.PARAGRAPHS:
            self.chunks.append("\n\n")

    def handle_data(self, data):
        if not self.hidden:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: tags dropped, entities decoded, spaces and blank lines collapsed."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in "".join(parser.chunks).split("\n"))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
