"""Optional e-mail delivery of the report over SMTP, configured from the environment."""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path


@dataclass(frozen=True)
class SmtpSettings:
    """`CALLFUNNEL_SMTP_*` and `CALLFUNNEL_REPORT_TO` (comma-separated addresses)."""

    host: str
    port: int
    user: str
    password: str
    sender: str
    recipients: tuple[str, ...]
    starttls: bool

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SmtpSettings | None:
        """None when delivery is not configured (no host or no recipients)."""
        env = os.environ if environ is None else environ
        host = env.get("CALLFUNNEL_SMTP_HOST", "").strip()
        recipients = tuple(
            a.strip() for a in env.get("CALLFUNNEL_REPORT_TO", "").split(",") if a.strip()
        )
        if not host or not recipients:
            return None
        port_text = env.get("CALLFUNNEL_SMTP_PORT", "").strip() or "587"
        try:
            port = int(port_text)
        except ValueError as exc:
            raise ValueError(f"CALLFUNNEL_SMTP_PORT={port_text!r} is not a port number") from exc
        user = env.get("CALLFUNNEL_SMTP_USER", "").strip()
        tls = env.get("CALLFUNNEL_SMTP_STARTTLS", "").strip().lower()
        return cls(
            host=host,
            port=port,
            user=user,
            password=env.get("CALLFUNNEL_SMTP_PASSWORD", ""),
            sender=env.get("CALLFUNNEL_SMTP_FROM", "").strip() or user or "callfunnel@localhost",
            recipients=recipients,
            # STARTTLS unless turned off; on by default only when credentials are sent.
            starttls=(tls in ("1", "true", "yes")) if tls else bool(user),
        )


def build_message(
    smtp: SmtpSettings, subject: str, markdown: Path, html: Path, charts: list[Path]
) -> EmailMessage:
    """Markdown as the plain-text body, the self-contained HTML as its alternative, charts
    attached as PNG files."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message.set_content(markdown.read_text(encoding="utf-8"))
    message.add_alternative(html.read_text(encoding="utf-8"), subtype="html")
    for chart in charts:
        message.add_attachment(
            chart.read_bytes(), maintype="image", subtype="png", filename=chart.name
        )
    return message


def send_report(smtp: SmtpSettings, message: EmailMessage, timeout: float = 30.0) -> None:
    """Send over SMTP; STARTTLS and login when configured."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as client:
        client.ehlo()
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.user:
            client.login(smtp.user, smtp.password)
        client.send_message(message)
