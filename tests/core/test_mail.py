"""The mailer against a real SMTP server (aiosmtpd, in this process): plain submission with login,
STARTTLS against a certificate of our own CA, a refused login reported as a failed delivery, and the
embedded default that writes .eml files."""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from core import mail
from core.settings import Settings

USER, PASSWORD = "mailer", "s3cret-pass"


@dataclass
class Inbox:
    messages: list[tuple[str, list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
        )
        return "250 Message accepted for delivery"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "GPUBroker test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def settings_for(port: int, **extra: Any) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_username=USER,
        smtp_password=SecretStr(PASSWORD),
        smtp_timeout_s=5,
        mail_from="GPUBroker Billing <billing@gpubroker.test>",
        **extra,
    )


def test_a_message_with_an_attachment_reaches_the_smtp_server(plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    pdf = b"%PDF-1.4 a receipt"
    delivery = mail.send(
        settings_for(port, smtp_security="none"),
        "finance@acme.example",
        "Invoice INV-2026-000001",
        "Hello,\nyour invoice is attached.",
        html="<p>Hello, your invoice is attached.</p>",
        attachments=[mail.Attachment("INV-2026-000001.pdf", pdf, "application/pdf")],
    )
    assert (delivery.status, delivery.transport, delivery.ok) == ("sent", "smtp", True)
    ((sender, recipients, message),) = inbox.messages
    assert sender == "billing@gpubroker.test" and recipients == ["finance@acme.example"]
    assert message["Subject"] == "Invoice INV-2026-000001"
    assert message["Message-ID"] == delivery.message_id and delivery.message_id.endswith("@gpubroker.test>")
    parts = {p.get_content_type(): p for p in message.walk()}
    assert parts["text/plain"].get_payload(decode=True).decode().splitlines()[:2] == [
        "Hello,",
        "your invoice is attached.",
    ]
    assert "text/html" in parts
    attachment = parts["application/pdf"]
    assert attachment.get_filename() == "INV-2026-000001.pdf" and attachment.get_payload(decode=True) == pdf


def test_a_refused_login_is_a_failed_delivery_not_an_exception(plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    wrong = settings_for(port, smtp_security="none").model_copy(update={"smtp_password": SecretStr("nope")})
    delivery = mail.send(wrong, "finance@acme.example", "x", "y")
    assert delivery.status == "failed" and "SMTPAuthenticationError" in (delivery.detail or "")
    assert inbox.messages == []
    closed = mail.send(settings_for(free_port(), smtp_security="none"), "finance@acme.example", "x", "y")
    assert closed.status == "failed" and "ConnectionRefusedError" in (closed.detail or "")


def test_starttls_with_a_private_ca(tmp_path: Path) -> None:
    ca, cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        trusted = settings_for(port, smtp_security="starttls", smtp_ca_cert=str(ca))
        assert mail.send(trusted, "finance@acme.example", "over TLS", "body").status == "sent"
        assert [m[2]["Subject"] for m in inbox.messages] == ["over TLS"]
        # Without our CA the certificate is not trusted: nothing is sent in the clear instead.
        untrusted = settings_for(port, smtp_security="starttls")
        refused = mail.send(untrusted, "finance@acme.example", "x", "y")
        assert refused.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in (refused.detail or "")
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_without_an_smtp_host_mail_is_written_as_eml(tmp_path: Path) -> None:
    settings = Settings(smtp_host=None, mail_dir=tmp_path / "mail")
    delivery = mail.send(
        settings, "finance@acme.example", "Invoice", "text", attachments=[mail.Attachment("a.pdf", b"%PDF")]
    )
    assert (delivery.status, delivery.transport) == ("written", "file")
    assert delivery.path is not None and delivery.path.parent == tmp_path / "mail"
    message = email.message_from_bytes(delivery.path.read_bytes())
    assert message["To"] == "finance@acme.example" and message["Message-ID"] == delivery.message_id
