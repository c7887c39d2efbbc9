import pytest
from pydantic import ValidationError

from auction.config import Settings


def test_defaults_match_the_contract(monkeypatch):
    for var in ("DATABASE_URL", "REDIS_URL", "ESATIS_ENV", "ESATIS_WORKERS", "ESATIS_RULESET",
                "ESATIS_EXTENSION_BASE", "ESATIS_RATE_LIMITS", "ESATIS_PAYMENTS", "ESATIS_WEBHOOK_ALLOW_PRIVATE",
                "ESATIS_SMS"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(_env_file=None)
    assert s.database_url == "sqlite+aiosqlite:///./var/esatis.db"
    assert s.redis_url is None
    assert (s.env, s.workers, s.ruleset, s.extension_base, s.rate_limits, s.payments) == (
        "development", "inprocess", "law", "scheduled_end", "on", "simulated")
    assert s.webhook_allow_private is False
    assert s.sms == "console"


def test_environment_variables_are_read(monkeypatch):
    monkeypatch.setenv("ESATIS_RULESET", "demo")
    monkeypatch.setenv("ESATIS_EXTENSION_BASE", "bid_time")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    s = Settings(_env_file=None)
    assert (s.ruleset, s.extension_base, s.redis_url) == ("demo", "bid_time", "redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(("override", "fragment"), [
    ({}, "ESATIS_SECRET_KEY"),
    ({"payments": "simulated"}, "simulated"),
    ({"rate_limits": "off"}, "RATE_LIMITS"),
    ({"webhook_allow_private": True}, "ALLOW_PRIVATE"),
    ({"database_url": "sqlite+aiosqlite:///x.db"}, "PostgreSQL"),
    ({"sms": "console"}, "ESATIS_SMS"),
    ({"sms": "file:/tmp/sms.jsonl"}, "ESATIS_SMS"),
])
def test_production_refuses_unsafe_settings(override, fragment):
    safe = {"env": "production", "secret_key": "s" * 40, "payments": "bank_callback",
            "payment_callback_secret": "p" * 40, "database_url": "postgresql+asyncpg://u@h/db",
            "sms": "https://sms.example.test/send"}
    if not override:
        safe.pop("secret_key")
    safe.update(override)
    with pytest.raises(ValidationError, match=fragment):
        Settings(_env_file=None, **safe)


def test_production_accepts_safe_settings():
    s = Settings(_env_file=None, env="production", secret_key="s" * 40, payments="bank_callback",
                 payment_callback_secret="p" * 40, database_url="postgresql+asyncpg://u@h/db",
                 sms="https://user:key@sms.example.test/send")
    assert s.env == "production"


@pytest.mark.parametrize("value", ["", "file:", "sms", "ftp://x", "https://"])
def test_sms_setting_must_be_one_of_the_forms(value):
    with pytest.raises(ValidationError, match="ESATIS_SMS"):
        Settings(_env_file=None, sms=value)


def test_dev_secret_is_generated_once_and_kept(tmp_path):
    s = Settings(_env_file=None, var_dir=tmp_path)
    first = s.resolved_secret_key()
    assert len(first) >= 32
    assert Settings(_env_file=None, var_dir=tmp_path).resolved_secret_key() == first
