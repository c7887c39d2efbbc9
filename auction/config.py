"""Settings, read from the environment (and an optional `.env`) with pydantic-settings.

The names are the stable contract of `docs/api-contract.md` ("Settings"). `ESATIS_ENV=production` refuses
every unsafe setting at start-up rather than running with it.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from auction.mail import parse_smtp_url
from auction.sms.senders import parse_setting as parse_sms_setting

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/esatis.db"


class UnsafeSettings(ValueError):
    """A setting that production refuses (default secret, simulated payments, …)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    env: Literal["development", "test", "production"] = Field("development", validation_alias="ESATIS_ENV")
    workers: Literal["inprocess", "external"] = Field("inprocess", validation_alias="ESATIS_WORKERS")
    secret_key: SecretStr | None = Field(None, validation_alias="ESATIS_SECRET_KEY")
    ruleset: Literal["law", "demo"] = Field("law", validation_alias="ESATIS_RULESET")
    extension_base: Literal["scheduled_end", "bid_time"] = Field(
        "scheduled_end", validation_alias="ESATIS_EXTENSION_BASE"
    )
    rate_limits: Literal["on", "off"] = Field("on", validation_alias="ESATIS_RATE_LIMITS")
    webhook_allow_private: bool = Field(False, validation_alias="ESATIS_WEBHOOK_ALLOW_PRIVATE")
    payments: Literal["simulated", "bank_callback"] = Field("simulated", validation_alias="ESATIS_PAYMENTS")
    # How one-time codes and SMS notices leave (auction.sms): console | file:PATH | http(s)://gateway.
    sms: str = Field("console", validation_alias="ESATIS_SMS")
    # E-mail notifications (auction/mail/smtp.py): unset → logged; smtp://host:port, smtps://u:p@h:p.
    smtp_url: SecretStr | None = Field(None, validation_alias="ESATIS_SMTP_URL")

    # Not in the contract table; documented in the README's configuration section.
    var_dir: Path = Field(Path("./var"), validation_alias="ESATIS_VAR_DIR")
    storage_dir: Path | None = Field(None, validation_alias="ESATIS_STORAGE_DIR")
    policy_file: Path | None = Field(None, validation_alias="ESATIS_POLICY_FILE")
    payment_callback_secret: SecretStr | None = Field(None, validation_alias="ESATIS_PAYMENT_CALLBACK_SECRET")
    public_url: str | None = Field(None, validation_alias="ESATIS_PUBLIC_URL")
    mail_from: str = Field("e-Satış <bildirim@esatis.invalid>", validation_alias="ESATIS_MAIL_FROM")
    log_level: str = Field("INFO", validation_alias="ESATIS_LOG_LEVEL")
    log_format: Literal["json", "console"] = Field("json", validation_alias="ESATIS_LOG_FORMAT")
    # Argon2 cost: `fast` exists only so the test suite can create hundreds of users; refused in production.
    password_hashing: Literal["default", "fast"] = Field(
        "default", validation_alias="ESATIS_PASSWORD_HASHING"
    )
    session_ttl_hours: int = Field(12, validation_alias="ESATIS_SESSION_TTL_HOURS")
    token_ttl_hours: int = Field(24, validation_alias="ESATIS_TOKEN_TTL_HOURS")
    db_pool_size: int = Field(10, validation_alias="ESATIS_DB_POOL_SIZE")
    # Live updates (docs/live.md): WebSocket connections open at once per client IP and per user, and
    # how many messages may wait for one slow connection before it is dropped (it reconnects).
    ws_max_per_ip: int = Field(500, ge=1, validation_alias="ESATIS_WS_MAX_PER_IP")
    ws_max_per_user: int = Field(20, ge=1, validation_alias="ESATIS_WS_MAX_PER_USER")
    ws_send_queue: int = Field(256, ge=8, validation_alias="ESATIS_WS_SEND_QUEUE")
    # Kernel send buffer (and write buffer) of each WebSocket, in bytes: bounds what a client that stops
    # reading can pin in memory (the kernel would otherwise grow it to megabytes) and how soon it is found.
    ws_socket_buffer: int = Field(65536, ge=2048, validation_alias="ESATIS_WS_SOCKET_BUFFER")
    # One-time links of the desk's people page (auction/users/accounts.py): an invitation to set the first
    # password, and a password reset ordered by an admin or the office's müdür.
    invite_ttl_hours: int = Field(72, ge=1, le=24 * 30, validation_alias="ESATIS_INVITE_TTL_HOURS")
    reset_ttl_minutes: int = Field(60, ge=5, le=24 * 60, validation_alias="ESATIS_RESET_TTL_MINUTES")

    # Hardening of input and sign-in (issue 16, ADR 0014, docs/security.md).
    # The largest amount one input field accepts (a bid, a claim, R and C …); larger → 422 money_too_large.
    money_max: Decimal = Field(Decimal("999999999999.99"), gt=0, le=Decimal("90000000000000000"),
                               validation_alias="ESATIS_MONEY_MAX")
    # Failed sign-ins to one account before it is locked, and for how long (429 account_locked).
    login_max_failures: int = Field(10, ge=3, validation_alias="ESATIS_LOGIN_MAX_FAILURES")
    login_lockout_minutes: int = Field(15, ge=1, validation_alias="ESATIS_LOGIN_LOCKOUT_MINUTES")
    # One-time codes sent (each an SMS) per client IP per hour, on top of the per-user limits.
    otp_send_per_ip_hour: int = Field(30, ge=1, validation_alias="ESATIS_OTP_SEND_PER_IP_HOUR")
    # The round clock (workers/closer.py): rounds opened or closed per transaction (one set-based UPDATE
    # each), how many batches one worker process runs at once (each on its own connection; SQLite, a
    # single writer, runs one), and closes finished (refund jobs, tutanak, `round.closed`) per transaction
    # - a finish is per round, so a small one lets the next due opens and closes in between.
    closer_batch: int = Field(250, ge=1, le=1000, validation_alias="ESATIS_CLOSER_BATCH")
    closer_tasks: int = Field(4, ge=1, le=32, validation_alias="ESATIS_CLOSER_TASKS")
    closer_finish_batch: int = Field(10, ge=1, le=1000, validation_alias="ESATIS_CLOSER_FINISH_BATCH")
    # Per-lot admission of bids (auction/bidding/admission.py): bids on one lot that may hold a database
    # connection at once in one process; the others wait without one, so a hot lot cannot take the pool.
    bid_lot_concurrency: int = Field(4, ge=1, validation_alias="ESATIS_BID_LOT_CONCURRENCY")

    @field_validator("sms")
    @classmethod
    def _sms_setting(cls, value: str) -> str:
        parse_sms_setting(value)  # raises ValueError with the accepted forms
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_setting(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_smtp_url(value.get_secret_value())  # raises ValueError with the accepted forms
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_in_production(self) -> Settings:
        if self.env != "production":
            return self
        problems = []
        if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
            problems.append("ESATIS_SECRET_KEY must be set (at least 32 characters) in production")
        if self.payments == "simulated":
            problems.append("ESATIS_PAYMENTS=simulated is for development and demos only")
        if self.payments == "bank_callback" and self.payment_callback_secret is None:
            problems.append("ESATIS_PAYMENTS=bank_callback needs ESATIS_PAYMENT_CALLBACK_SECRET")
        if self.rate_limits == "off":
            problems.append("ESATIS_RATE_LIMITS=off is refused in production")
        if self.webhook_allow_private:
            problems.append("ESATIS_WEBHOOK_ALLOW_PRIVATE=true is refused in production")
        if self.password_hashing != "default":  # noqa: S105 - a cost profile, not a password
            problems.append("ESATIS_PASSWORD_HASHING must be default in production")
        if parse_sms_setting(self.sms)[0] != "http":
            problems.append("ESATIS_SMS must name an SMS gateway in production (console and file: are for "
                            "development, tests and demos)")
        if self.database_url.startswith("sqlite"):
            problems.append("production needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://…)")
        if problems:
            raise UnsafeSettings("; ".join(problems))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def storage_path(self) -> Path:
        return self.storage_dir or (self.var_dir / "files")

    def resolved_secret_key(self) -> str:
        """The signing key. In development a random key is generated once and kept under ./var so that
        sessions survive restarts; production must set ESATIS_SECRET_KEY (enforced above)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
