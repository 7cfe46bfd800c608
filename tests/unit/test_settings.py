"""Settings: defaults, validation, and where secrets come from."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bot.settings import SECRET_NAMES, SettingsError, load_settings


def test_local_defaults_generate_secrets_once(tmp_path: Path) -> None:
    env = {"MARIGOLD_VAR_DIR": str(tmp_path)}
    first = load_settings(env)
    second = load_settings(env)
    assert first.mode == "local" and first.retention_days == 30
    assert first.retention_seconds == 30 * 24 * 3600
    for name in SECRET_NAMES:
        assert len(first.secret(name)) >= 32
        assert first.secret(name) == second.secret(name), "pseudonyms must stay stable"
    stored = tmp_path / "secrets.json"
    assert set(json.loads(stored.read_text())) == set(SECRET_NAMES)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_environment_secret_wins_over_generated(tmp_path: Path) -> None:
    settings = load_settings({"MARIGOLD_VAR_DIR": str(tmp_path), "MARIGOLD_VAULT_KEY": "from-env"})
    assert settings.secret("MARIGOLD_VAULT_KEY") == "from-env"


def test_production_without_secrets_names_each_missing_one(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({"MARIGOLD_MODE": "production", "MARIGOLD_VAR_DIR": str(tmp_path)})
    for name in SECRET_NAMES:
        assert name in str(error.value)
    assert not (tmp_path / "secrets.json").exists()


def test_production_with_secrets_starts(tmp_path: Path) -> None:
    env = {name: f"secret-{name}" for name in SECRET_NAMES}
    env.update({"MARIGOLD_MODE": "production", "MARIGOLD_VAR_DIR": str(tmp_path)})
    assert load_settings(env).production


def test_signature_checks_cannot_be_disabled_in_production(tmp_path: Path) -> None:
    env = {name: "s" for name in SECRET_NAMES}
    env.update(
        {
            "MARIGOLD_MODE": "production",
            "MARIGOLD_VAR_DIR": str(tmp_path),
            "MARIGOLD_TWILIO_VALIDATE_SIGNATURES": "false",
        }
    )
    with pytest.raises(SettingsError, match="local mode only"):
        load_settings(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MARIGOLD_RETENTION_DAYS", "thirty"),
        ("MARIGOLD_RETENTION_DAYS", "0"),
        ("MARIGOLD_MODE", "staging"),
        ("MARIGOLD_TWILIO_VALIDATE_SIGNATURES", "maybe"),
        ("MARIGOLD_RASA_TIMEOUT_SECONDS", "soon"),
    ],
)
def test_malformed_values_name_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({"MARIGOLD_VAR_DIR": str(tmp_path), name: value})


def test_redis_url_prefers_the_environment() -> None:
    from bot.redis_connection import redis_url

    settings = load_settings({"REDIS_URL": "rediss://:pw@cache.example:6380/3", "MARIGOLD_VAR_DIR": "/tmp/x"})
    assert redis_url(settings) == "rediss://:pw@cache.example:6380/3"
    embedded = load_settings({"MARIGOLD_VAR_DIR": "/tmp/x", "MARIGOLD_EMBEDDED_REDIS_PORT": "7001"})
    assert redis_url(embedded) == "redis://127.0.0.1:7001/0"
