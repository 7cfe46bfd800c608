"""SMS through Twilio: signed webhooks in, TwiML replies out, REST for later messages.

Mounted at ``/webhooks/sms/webhook`` (incoming messages) and ``/webhooks/sms/status``
(delivery status callbacks). Every request must carry a valid ``X-Twilio-Signature``
computed over ``MARIGOLD_SMS_PUBLIC_URL`` (the URL configured at Twilio, not the one
we see behind a proxy); local mode can switch the check off for manual testing.

Carrier rules for SMS are followed: STOP (and its synonyms) opts the number out of
every message, counselor relays included, until START; HELP is always answered.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.settings import Settings
from bot.sms_segments import split_sms
from bot.text_folding import fold_command
from channels.base import (
    IncomingMessage,
    MalformedRequestError,
    MarigoldInputChannel,
    MarigoldOutputChannel,
    Turn,
    erase_keyword,
)
from channels.state import ChannelState

logger = logging.getLogger(__name__)
# Twilio's HTTP client logs every request URL and header at INFO.
logging.getLogger("twilio").setLevel(logging.WARNING)

#: Keywords of the carriers' opt-out protocol (English by convention, as Twilio's).
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop"})
#: "yes" opts back in only after an opt-out; otherwise it is an ordinary answer.
YES_WORDS = frozenset({"yes"})
HELP_WORDS = frozenset({"help", "info"})

SESSION_OPT_OUT = "sms_opt_out"
SIGNATURE_HEADER = "X-Twilio-Signature"


def status_callback_url(settings: Settings) -> str | None:
    """The public URL of the status route, next to the configured webhook URL."""
    url = settings.sms_public_url.rstrip("/")
    if not url.endswith("/webhook"):
        return None
    return url[: -len("/webhook")] + "/status"


class SmsOutput(MarigoldOutputChannel):
    """SMS replies: collected into TwiML for the message being answered, sent by the
    REST API for later messages (counselor relays).

    Texts are cut into messages of a few segments each; buttons are not shown (the
    texts tell people what to write).
    """

    @classmethod
    def name(cls) -> str:
        """Same name as the input channel, as Rasa expects."""
        return "sms"

    async def may_send(self, conversation_id: str) -> bool:
        """Honour an opt-out for messages sent outside a reply."""
        session = await self.state.load_session(conversation_id)
        return session.get(SESSION_OPT_OUT) != "1"

    async def deliver(
        self, conversation_id: str, address: str, text: str, buttons: list[dict[str, Any]]
    ) -> None:
        """Collect the reply into the TwiML answer, or send it through Twilio's API."""
        parts = split_sms(text)
        if self.immediate:
            self.collected.extend(parts)
            return
        settings = self.settings
        # A fresh aiohttp session per send (pool_connections=False): this output may
        # be created outside any event loop, and nothing is left unclosed.
        client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=AsyncTwilioHttpClient(pool_connections=False, timeout=15),
        )
        client.api.base_url = settings.twilio_api_base
        callback = status_callback_url(settings)
        for part in parts:
            options: dict[str, Any] = {"to": address, "from_": settings.sms_from_number, "body": part}
            if callback:
                options["status_callback"] = callback
            sent = await client.messages.create_async(**options)
            await self.state.record_delivery(str(sent.sid), str(sent.status or "queued"))
        logger.info("sms: sent %d message(s) to %s", len(parts), conversation_id)


class SmsInput(MarigoldInputChannel):
    """Twilio Programmable Messaging webhook."""

    pseudonym_prefix = "sms"
    #: Twilio retries a webhook only within its 15-second request; an hour covers it
    #: and keeps the stored replies short-lived.
    dedupe_seconds = 3600

    @classmethod
    def name(cls) -> str:
        """Mounted at ``/webhooks/sms/``."""
        return "sms"

    def _signed(self, request: Request, url: str | None) -> bool:
        if not self.settings.twilio_validate_signatures:
            return True  # local mode only (settings refuse it in production)
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        if not self.settings.twilio_auth_token or not url:
            logger.error("sms: MARIGOLD_TWILIO_AUTH_TOKEN or MARIGOLD_SMS_PUBLIC_URL unset; refusing")
            return False
        # Sanic's form has getlist(), which the validator uses for repeated fields.
        return bool(RequestValidator(self.settings.twilio_auth_token).validate(url, request.form, signature))

    def verify(self, request: Request) -> bool:
        """Check ``X-Twilio-Signature`` over the public webhook URL."""
        return self._signed(request, self.settings.sms_public_url)

    def parse(self, request: Request) -> IncomingMessage:
        """Read Twilio's form fields; a missing ``Body`` is an empty text."""
        form = request.form
        sender = (form.get("From") or "").strip()
        if not sender:
            raise MalformedRequestError("not a Twilio message: the From field is missing")
        raw_media = (form.get("NumMedia") or "0").strip()
        num_media = int(raw_media) if raw_media.isdigit() else 0
        return IncomingMessage(
            provider_id=form.get("MessageSid") or form.get("SmsSid") or None,
            address=sender,
            text=form.get("Body") or "",
            has_media=num_media > 0,
        )

    def make_output(self, state: ChannelState, address: str | None) -> SmsOutput:
        """An SMS output for this turn (address known) or for later messages."""
        return SmsOutput(self.settings, state, address)

    def respond(self, replies: list[str]) -> HTTPResponse:
        """TwiML with one ``<Message>`` per reply part."""
        twiml = MessagingResponse()
        for reply in replies:
            twiml.message(reply)
        return response.text(str(twiml), content_type="application/xml")

    def mutes(self, session: dict[str, str]) -> bool:
        """Nothing is sent to a number that opted out."""
        return session.get(SESSION_OPT_OUT) == "1"

    def is_priority(self, text_: str) -> bool:
        """STOP must work even for someone over the rate limit."""
        return fold_command(text_) in STOP_WORDS or super().is_priority(text_)

    async def intercept(self, turn: Turn) -> bool:
        """The carriers' keywords: STOP, START, HELP; drop messages while opted out."""
        word = fold_command(turn.text)
        opted_out = turn.output.muted
        if word in STOP_WORDS:
            if not opted_out:
                await turn.state.update_session(turn.conversation_id, **{SESSION_OPT_OUT: "1"})
                await self.say(turn, "utter_sms_stopped")  # the one confirmation
                turn.output.muted = True
                logger.info("sms: %s opted out", turn.conversation_id)
            return True
        if word in START_WORDS or (opted_out and word in YES_WORDS):
            await turn.state.update_session(turn.conversation_id, **{SESSION_OPT_OUT: "0"})
            turn.output.muted = False
            await self.say(turn, "utter_sms_started")
            logger.info("sms: %s opted in", turn.conversation_id)
            return True
        if word in HELP_WORDS:
            # Carriers require HELP to be answered, even after an opt-out. A person
            # who writes "help" may also mean it: unless opted out, Rasa answers too.
            turn.output.muted = False
            await self.say(turn, "utter_sms_help")
            turn.output.muted = opted_out
            return opted_out
        if opted_out:
            # ERASE still erases (silently); everything else waits for START.
            if erase_keyword(turn.text) is not None:
                return False
            logger.info("sms: message from opted-out %s not processed", turn.conversation_id)
            return True
        return False

    async def on_erased(self, turn: Turn, chat_message_ids: list[str]) -> None:
        """Keep an opt-out across an erase: it is the person's instruction to us."""
        if turn.output.muted:
            await turn.state.update_session(turn.conversation_id, **{SESSION_OPT_OUT: "1"})

    def add_routes(self, blueprint: Blueprint) -> None:
        """``POST /status``: Twilio's delivery status callbacks."""

        async def status(request: Request) -> HTTPResponse:
            return await self.handle_status(request)

        blueprint.add_route(status, "/status", methods=["POST"])

    async def handle_status(self, request: Request) -> HTTPResponse:
        """Record ``MessageStatus`` under the message id; the number is not kept."""
        if not self._signed(request, status_callback_url(self.settings)):
            logger.warning("sms: rejected a status callback with a missing or wrong signature")
            return response.text("forbidden", status=403)
        sid = request.form.get("MessageSid")
        status = request.form.get("MessageStatus")
        if not sid or not status:
            return response.json({"error": "MessageSid and MessageStatus are required"}, status=400)
        await self.new_state().record_delivery(sid, status, request.form.get("ErrorCode") or "")
        if status in {"failed", "undelivered"}:
            logger.warning("sms: message %s %s (error %s)", sid, status, request.form.get("ErrorCode"))
        return response.empty()
