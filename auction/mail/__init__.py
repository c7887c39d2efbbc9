"""E-mail transport (`ESATIS_SMTP_URL`): see auction/mail/smtp.py."""

from __future__ import annotations

from auction.mail.smtp import Mailer, MailError, SmtpTarget, parse_smtp_url

__all__ = ["MailError", "Mailer", "SmtpTarget", "parse_smtp_url"]
