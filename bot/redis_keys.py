"""Every Redis key Marigold writes, named in one place.

One prefix per concern, so an operator can see at a glance what a key holds and a
test can scan a whole concern. Conversation ids in keys are always pseudonyms
(``sms:…``, ``tg:…``, ``local:…``), never a phone number or a Telegram id.
"""

from __future__ import annotations

#: Rasa's tracker store prefix. Rasa accepts only alphanumerics and appends
#: ``:tracker:`` itself, so trackers live at ``mg:tracker:<conversation id>``.
RASA_TRACKER_PREFIX = "mg"
RASA_LOCK_PREFIX = "mg:lock:"

VAULT = "mg:vault:"  # encrypted reply address per conversation
SESSION = "mg:session:"  # per-conversation channel state (language, opt-out...)
DEDUPE = "mg:dedupe:"  # provider message ids already handled, with their replies
RATE = "mg:rate:"  # per-sender message counters
QUEUE = "mg:queue"  # sorted set: conversations waiting for a counselor
HANDOFF = "mg:handoff:"  # one hash per conversation in the handoff flow
DELIVERY = "mg:delivery:"  # SMS delivery status, keyed by provider message id
SENT = "mg:sent:"  # provider ids of the bot's own messages, to delete on erase
DIRECTORY = "mg:dir:"  # resource directory
AUDIT = "mg:audit"  # stream of admin changes


def tracker(conversation_id: str) -> str:
    """Rasa's own key for a conversation's tracker."""
    return f"{RASA_TRACKER_PREFIX}:tracker:{conversation_id}"


def vault(conversation_id: str) -> str:
    """Where the encrypted reply address of a conversation is kept."""
    return VAULT + conversation_id


def session(conversation_id: str) -> str:
    """Channel-side state of a conversation (language, SMS opt-out)."""
    return SESSION + conversation_id


def dedupe(channel: str, provider_message_id: str) -> str:
    """Marks a provider message id (Twilio ``MessageSid``, Telegram ``update_id``) as seen."""
    return f"{DEDUPE}{channel}:{provider_message_id}"


def rate(conversation_id: str) -> str:
    """Counter for the per-sender rate limit."""
    return RATE + conversation_id


def handoff(conversation_id: str) -> str:
    """The handoff record of one conversation."""
    return HANDOFF + conversation_id


def sent(conversation_id: str) -> str:
    """Provider ids of messages the bot sent into a chat (deleted on erase)."""
    return SENT + conversation_id


def delivery(provider_message_id: str) -> str:
    """The latest delivery status of an outgoing SMS."""
    return DELIVERY + provider_message_id


def conversation_keys(conversation_id: str) -> list[str]:
    """Every key that belongs to one conversation: what ``erase`` deletes."""
    return [
        tracker(conversation_id),
        vault(conversation_id),
        session(conversation_id),
        rate(conversation_id),
        handoff(conversation_id),
        sent(conversation_id),
    ]
