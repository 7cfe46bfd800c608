"""Anonymity by construction: pseudonyms, the address vault, and erase.

A phone number or a Telegram id identifies a person to anyone who reads a log, a
Redis dump or the console. So the channels turn the sender's address into a
pseudonym the moment a message arrives, and every other part of Marigold (Rasa
trackers, the handoff queue, logs) only ever sees that pseudonym. The real address
is needed for one thing only, sending a reply later (a counselor's message), and
lives encrypted in the vault, with the retention TTL, until the person erases the
conversation.

Pure logic plus Redis; no Rasa import, so actions and the console can use it too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import redis.asyncio as aioredis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot import redis_keys

#: Version tag of the vault format, so the key or cipher can change without
#: misreading old values.
_VAULT_FORMAT = "v1"
_NONCE_BYTES = 12


def pseudonymise(channel: str, address: str, key: str) -> str:
    """A stable, keyed pseudonym for one sender on one channel.

    HMAC rather than a plain hash: phone numbers are few enough to hash them all, so
    without the secret key anyone could reverse an unkeyed hash. The channel is part
    of the MAC input, so the same number on two channels gives unrelated pseudonyms.

    Args:
        channel: The pseudonym prefix, ``sms`` or ``tg``.
        address: The raw sender address (E.164 number, Telegram chat id).
        key: ``MARIGOLD_PSEUDONYM_KEY``.

    Returns:
        ``<channel>:<64 hex digits>``, e.g. ``sms:3f1c…``.
    """
    digest = hmac.new(key.encode("utf-8"), f"{channel}:{address}".encode(), hashlib.sha256)
    return f"{channel}:{digest.hexdigest()}"


def _derive_vault_key(secret: str) -> bytes:
    """A 256-bit AES key from ``MARIGOLD_VAULT_KEY`` (any length, any alphabet)."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"marigold address vault v1",
    ).derive(secret.encode("utf-8"))


class AddressVault:
    """Reply addresses, encrypted at rest, one per conversation, with a TTL.

    AES-GCM with a random nonce per write; the conversation id is the associated
    data, so a value copied under another conversation's key fails to decrypt
    instead of sending one person's messages to another.
    """

    def __init__(self, client: aioredis.Redis, secret: str, ttl_seconds: int) -> None:
        """Create a vault.

        Args:
            client: Async Redis client (``decode_responses=True``).
            secret: ``MARIGOLD_VAULT_KEY``.
            ttl_seconds: Retention; refreshed by every :meth:`put`.
        """
        self._client = client
        self._cipher = AESGCM(_derive_vault_key(secret))
        self._ttl = ttl_seconds

    def encrypt(self, conversation_id: str, address: str) -> str:
        """The stored form of ``address`` (text, safe for a Redis string)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, address.encode("utf-8"), conversation_id.encode("utf-8"))
        return f"{_VAULT_FORMAT}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, conversation_id: str, stored: str) -> str | None:
        """The address inside ``stored``, or None if it is not ours to read."""
        version, _, payload = stored.partition(":")
        if version != _VAULT_FORMAT:
            return None
        try:
            raw = base64.urlsafe_b64decode(payload.encode("ascii"))
            plain = self._cipher.decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], conversation_id.encode("utf-8")
            )
        except (InvalidTag, ValueError):
            return None
        return plain.decode("utf-8")

    async def put(self, conversation_id: str, address: str) -> None:
        """Store (or refresh) the reply address and its TTL."""
        await self._client.set(
            redis_keys.vault(conversation_id), self.encrypt(conversation_id, address), ex=self._ttl
        )

    async def get(self, conversation_id: str) -> str | None:
        """The reply address, or None if erased, expired or unreadable."""
        stored = await self._client.get(redis_keys.vault(conversation_id))
        if stored is None:
            return None
        return self.decrypt(conversation_id, stored)

    async def delete(self, conversation_id: str) -> None:
        """Forget the reply address."""
        await self._client.delete(redis_keys.vault(conversation_id))


async def erase_conversation(client: aioredis.Redis, conversation_id: str) -> None:
    """Delete everything Marigold keeps about one conversation.

    One transaction, so a concurrent reader never sees half a conversation: the
    tracker, the vault, the channel session, the rate counter, the handoff record,
    the sent-message ids, and the conversation's place in the counselor queue.
    """
    async with client.pipeline(transaction=True) as pipe:
        pipe.delete(*redis_keys.conversation_keys(conversation_id))
        pipe.zrem(redis_keys.QUEUE, conversation_id)
        await pipe.execute()
