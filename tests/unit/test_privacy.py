"""Pseudonyms and the vault's encryption, without Redis (see tests/channels for the rest)."""

from __future__ import annotations

import re

import pytest

from bot.privacy import AddressVault, pseudonymise

KEY = "unit-test-pseudonym-key"
PHONE = "+15557654321"


def test_pseudonym_is_prefixed_hex_and_stable() -> None:
    pseudonym = pseudonymise("sms", PHONE, KEY)
    assert re.fullmatch(r"sms:[0-9a-f]{64}", pseudonym)
    assert pseudonymise("sms", PHONE, KEY) == pseudonym


def test_pseudonym_hides_the_address() -> None:
    pseudonym = pseudonymise("sms", PHONE, KEY)
    assert "5557654321" not in pseudonym


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("sms", PHONE, KEY), ("sms", "+15557654322", KEY)),  # another number
        (("sms", PHONE, KEY), ("tg", PHONE, KEY)),  # same address, other channel
        (("sms", PHONE, KEY), ("sms", PHONE, KEY + "x")),  # other deployment's key
    ],
)
def test_pseudonyms_differ(first: tuple[str, str, str], second: tuple[str, str, str]) -> None:
    assert pseudonymise(*first).split(":")[1] != pseudonymise(*second).split(":")[1]


def _vault(secret: str = "vault-secret") -> AddressVault:
    return AddressVault(client=None, secret=secret, ttl_seconds=60)  # type: ignore[arg-type]


def test_vault_round_trip_without_clear_text() -> None:
    vault = _vault()
    stored = vault.encrypt("sms:abc", PHONE)
    assert stored.startswith("v1:")
    assert PHONE not in stored and "5557654321" not in stored
    assert vault.decrypt("sms:abc", stored) == PHONE


def test_vault_encryption_is_randomised() -> None:
    vault = _vault()
    assert vault.encrypt("sms:abc", PHONE) != vault.encrypt("sms:abc", PHONE)


def test_vault_value_is_bound_to_its_conversation() -> None:
    vault = _vault()
    stored = vault.encrypt("sms:abc", PHONE)
    assert vault.decrypt("sms:other", stored) is None


def test_vault_refuses_other_keys_and_garbage() -> None:
    stored = _vault("one secret").encrypt("tg:1", "918273645")
    assert _vault("another secret").decrypt("tg:1", stored) is None
    assert _vault().decrypt("tg:1", "v1:not-base64!!") is None
    assert _vault().decrypt("tg:1", "v0:whatever") is None
    assert _vault().decrypt("tg:1", "v1:" + "A" * 8) is None


def test_vault_keeps_unicode_addresses() -> None:
    vault = _vault()
    assert vault.decrypt("x", vault.encrypt("x", "whatsapp:+٩٧١٥٠")) == "whatsapp:+٩٧١٥٠"
