"""Outgoing mail: one small, generic API for every message the product sends (invoice receipts today;
sign-up verification and price alerts next).

``send(settings, to, subject, text, html=None, attachments=[...]) -> Delivery``. With
``GPUBROKER_SMTP_HOST`` set, the message goes to that SMTP server (``smtp_security``: ``starttls`` on the
submission port, ``ssl`` for implicit TLS on 465, ``none`` for a local relay; login when a user is set).
Without one (the embedded default) it is written as an ``.eml`` file under ``settings.mail_dir``
(``var/mail/``), which any mail client opens. Either way the answer is a :class:`Delivery`: what was
sent, where, its ``Message-ID``, and ``status`` ``sent``, ``written`` or ``failed`` with the reason.
``send`` never raises for a refused or unreachable server: the caller keeps the record (a delivery
log) and decides whether to try again.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from core.settings import Settings


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Delivery:
    to: str
    subject: str
    message_id: str
    transport: str  # smtp | file
    status: str  # sent | written | failed
    at: datetime
    detail: str | None = None
    path: Path | None = None
    attachments: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def build(
    settings: Settings,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[Attachment] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for a in attachments or []:
        main, _, sub = a.content_type.partition("/")
        message.add_attachment(a.content, maintype=main, subtype=sub or "octet-stream", filename=a.filename)
    return message


def send(
    settings: Settings,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[Attachment] | None = None,
) -> Delivery:
    message = build(settings, to, subject, text, html, attachments)
    names = [a.filename for a in attachments or []]
    message_id = str(message["Message-ID"])
    now = datetime.now(UTC)
    if not settings.smtp_host:
        folder = Path(settings.mail_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{now:%Y%m%dT%H%M%S}-{message_id.strip('<>').split('@')[0]}.eml"
        path.write_bytes(bytes(message))
        return Delivery(to, subject, message_id, "file", "written", now, None, path, names)
    try:
        _smtp(settings, message)
    except (OSError, smtplib.SMTPException) as exc:
        detail = f"{type(exc).__name__}: {exc}"[:400]
        return Delivery(to, subject, message_id, "smtp", "failed", now, detail, None, names)
    return Delivery(to, subject, message_id, "smtp", "sent", now, None, None, names)


def _smtp(settings: Settings, message: EmailMessage) -> None:
    host, port, timeout = str(settings.smtp_host), settings.smtp_port, settings.smtp_timeout_s
    client: smtplib.SMTP
    if settings.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=_tls(settings))
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=_tls(settings))
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            client.login(settings.smtp_username, password)
        client.send_message(message)


def _tls(settings: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.smtp_ca_cert)
