"""Every Marigold setting, read from the environment in one place.

Settings come only from environment variables (``MARIGOLD_*`` plus ``REDIS_URL``), so
the same code runs on a laptop, in CI and in production without config files that
could leak secrets. ``.env.example`` lists them all.

Secrets are the one place where local and production differ on purpose: in production
a missing secret is a startup error naming the variable (a guessed key would make
pseudonyms and the address vault worthless); in local mode each missing secret is
generated once and kept in ``var/secrets.json`` so a newcomer can run the bot at once
and pseudonyms stay stable across restarts.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Secrets that must never be guessed. Name -> what it protects.
SECRET_NAMES: dict[str, str] = {
    "MARIGOLD_PSEUDONYM_KEY": "keys the HMAC that turns phone numbers and Telegram ids into pseudonyms",
    "MARIGOLD_VAULT_KEY": "encrypts the address vault (the only place a reply address is kept)",
    "MARIGOLD_RASA_TOKEN": "guards Rasa's HTTP API (used by the consoles to relay replies)",
    "MARIGOLD_CONSOLE_SECRET": "signs console login sessions",
}


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Marigold's configuration, immutable once read.

    Attributes mirror the environment variables documented in ``.env.example``.
    """

    mode: str
    var_dir: Path
    redis_url: str | None
    embedded_redis_port: int
    retention_days: int
    rasa_port: int
    actions_port: int
    console_port: int
    rate_limit_per_minute: int
    max_message_chars: int
    rasa_timeout_seconds: float
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_api_base: str
    twilio_validate_signatures: bool
    sms_public_url: str
    sms_from_number: str
    telegram_token: str
    telegram_secret: str
    telegram_api_base: str
    telegram_webhook_url: str
    secrets: Mapping[str, str] = field(repr=False)

    @property
    def production(self) -> bool:
        """True when secrets must come from the environment."""
        return self.mode == "production"

    @property
    def retention_seconds(self) -> int:
        """How long conversation data lives, as a Redis TTL."""
        return self.retention_days * 24 * 3600

    @property
    def rasa_url(self) -> str:
        """Where the local Rasa server listens."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Where the local action server listens."""
        return f"http://127.0.0.1:{self.actions_port}"

    def secret(self, name: str) -> str:
        """Return one of :data:`SECRET_NAMES`."""
        return self.secrets[name]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _load_secrets(env: Mapping[str, str], production: bool, var_dir: Path) -> dict[str, str]:
    """Collect secrets: from the environment, else (local mode only) from var/."""
    missing = [name for name in SECRET_NAMES if not env.get(name)]
    if missing and production:
        details = "; ".join(f"{name} ({SECRET_NAMES[name]})" for name in missing)
        raise SettingsError(f"production mode needs these secrets in the environment: {details}")
    found = {name: env[name] for name in SECRET_NAMES if env.get(name)}
    if not missing:
        return found
    stored_path = var_dir / "secrets.json"
    stored: dict[str, str] = {}
    if stored_path.exists():
        stored = json.loads(stored_path.read_text(encoding="utf-8"))
    changed = False
    for name in missing:
        if name not in stored:
            stored[name] = secrets.token_urlsafe(32)
            changed = True
        found[name] = stored[name]
    if changed:
        var_dir.mkdir(parents=True, exist_ok=True)
        # Written with owner-only permissions: these keys de-anonymise people.
        fd = os.open(stored_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(stored, handle, indent=2)
    return found


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment).

    Raises:
        SettingsError: a value is malformed, or a production secret is missing.
    """
    env = os.environ if env is None else env
    mode = env.get("MARIGOLD_MODE", "local").strip().lower() or "local"
    if mode not in {"local", "production"}:
        raise SettingsError(f"MARIGOLD_MODE must be 'local' or 'production', got {mode!r}")
    production = mode == "production"
    var_dir = Path(env.get("MARIGOLD_VAR_DIR") or REPO_ROOT / "var").resolve()
    twilio_validate = _bool(env, "MARIGOLD_TWILIO_VALIDATE_SIGNATURES", True)
    if production and not twilio_validate:
        raise SettingsError("MARIGOLD_TWILIO_VALIDATE_SIGNATURES=false is allowed in local mode only")
    return Settings(
        mode=mode,
        var_dir=var_dir,
        redis_url=env.get("REDIS_URL") or None,
        embedded_redis_port=_int(env, "MARIGOLD_EMBEDDED_REDIS_PORT", 6390, minimum=1),
        retention_days=_int(env, "MARIGOLD_RETENTION_DAYS", 30, minimum=1),
        rasa_port=_int(env, "MARIGOLD_RASA_PORT", 5005, minimum=1),
        actions_port=_int(env, "MARIGOLD_ACTIONS_PORT", 5055, minimum=1),
        console_port=_int(env, "MARIGOLD_CONSOLE_PORT", 8080, minimum=1),
        rate_limit_per_minute=_int(env, "MARIGOLD_RATE_LIMIT_PER_MINUTE", 20, minimum=1),
        max_message_chars=_int(env, "MARIGOLD_MAX_MESSAGE_CHARS", 2000, minimum=16),
        rasa_timeout_seconds=_float(env, "MARIGOLD_RASA_TIMEOUT_SECONDS", 10.0),
        twilio_account_sid=env.get("MARIGOLD_TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=env.get("MARIGOLD_TWILIO_AUTH_TOKEN", ""),
        twilio_api_base=env.get("MARIGOLD_TWILIO_API_BASE", "https://api.twilio.com"),
        twilio_validate_signatures=twilio_validate,
        sms_public_url=env.get("MARIGOLD_SMS_PUBLIC_URL", ""),
        sms_from_number=env.get("MARIGOLD_SMS_FROM_NUMBER", ""),
        telegram_token=env.get("MARIGOLD_TELEGRAM_TOKEN", ""),
        telegram_secret=env.get("MARIGOLD_TELEGRAM_SECRET", ""),
        telegram_api_base=env.get("MARIGOLD_TELEGRAM_API_BASE", "https://api.telegram.org/bot"),
        telegram_webhook_url=env.get("MARIGOLD_TELEGRAM_WEBHOOK_URL", ""),
        secrets=_load_secrets(env, production, var_dir),
    )


_cached: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    global _cached
    if _cached is None:
        _cached = load_settings()
    return _cached


def reset_settings_cache() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    global _cached
    _cached = None
