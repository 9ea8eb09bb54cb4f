"""Sending email through a pluggable sender: SMTP when configured, otherwise the log.

Senders raise ``MailError`` on failure; callers decide what a failure means (for notifications:
try again later, never lose the decision that caused it).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    pass


class MailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class LogSender:
    """Development default: the message goes to the application log, nowhere else."""

    def send(self, to: str, subject: str, body: str) -> None:
        log.info("email to %s: %s\n%s", to, subject, body)


class SmtpSender:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10,
    ):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"could not send to {to}: {exc}") from exc


def init_app(app: Flask) -> None:
    config = app.config
    if config.get("MAIL_SMTP_HOST"):
        sender: MailSender = SmtpSender(
            config["MAIL_SMTP_HOST"],
            config["MAIL_SMTP_PORT"],
            config["MAIL_FROM"],
            config.get("MAIL_SMTP_USERNAME"),
            config.get("MAIL_SMTP_PASSWORD"),
            config["MAIL_SMTP_STARTTLS"],
        )
    else:
        sender = LogSender()
    app.extensions["hiroba_mail"] = sender


def sender() -> MailSender:
    return current_app.extensions["hiroba_mail"]
