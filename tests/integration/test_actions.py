"""Every custom action, run as the action server runs it, against a real Redis.

Each test builds a ``rasa_sdk.Tracker`` in the state a real conversation would be in,
awaits the action's ``run`` and checks what the person would read (text, language,
buttons, order) and what the action changed: the events it returns and the counselor
queue in Redis. No model is needed, so these run without the ``model`` marker.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.common
from actions import erase as erase_module
from actions.conversation_state import ActionAssessMessage
from actions.erase import ActionEraseConversation
from actions.handoff import ActionDeclineCounselor, ActionRequestCounselor
from actions.language import ActionChangeLanguage
from actions.resources import (
    PAGE_SIZE,
    ActionAcknowledgeNeed,
    ActionGiveMoreResources,
    ActionGiveResources,
    ActionShowMenu,
    ValidateSupportForm,
)
from actions.safety import ActionRespondToDanger
from actions.session import ActionSessionStart
from bot import handoff, redis_keys
from bot.directory import seed_directory
from bot.distress import RiskLevel
from bot.locales import catalogue
from bot.settings import get_settings
from tests.conftest import REPO_ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))

#: Phone numbers of the seed directory (data/resources/directory.yml) used below.
A21_SPAIN = "900 759 759"
US_NATIONAL_HOTLINE = "1-888-373-7888"


# --------------------------------------------------------------------------- helpers


def _sender() -> str:
    return f"test:{uuid.uuid4().hex[:10]}"


def make_tracker(
    *,
    sender_id: str | None = None,
    text: str = "",
    intent: str = "greet",
    risk: dict[str, Any] | None = None,
    active_loop: str | None = None,
    events: list[dict[str, Any]] | None = None,
    **slots: Any,
) -> Tracker:
    """A tracker as Rasa sends it to the action server, with the domain's slots."""
    values: dict[str, Any] = {
        "language": None,
        "risk_level": None,
        "risk_signals": None,
        "need": None,
        "country": None,
        "resources_shown": 0.0,
        "requested_slot": None,
    }
    unknown = set(slots) - set(values)
    assert not unknown, f"not slots of the domain: {unknown}"
    values.update(slots)
    latest_message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "entities": [],
    }
    if risk is not None:
        latest_message["risk"] = risk
    return Tracker.from_dict(
        {
            "sender_id": sender_id or _sender(),
            "slots": values,
            "latest_message": latest_message,
            "events": events if events is not None else [{"event": "user", "text": text}],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


async def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run ``action`` as the action server does; return (messages, events)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher.messages, events


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(message.get("text") or "") for message in messages]


def say(key: str, language: str, **values: Any) -> str:
    """The catalogue text of ``key`` in ``language`` (must exist in that language)."""
    return str(catalogue(language)[key]).format(**values)


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


@pytest.fixture(autouse=True)
async def fresh_action_redis(redis_client: redis.Redis) -> AsyncIterator[None]:
    """An empty Redis, and a new action-server client for this test's event loop."""
    actions.common._redis = None
    yield
    pending = list(erase_module._pending)
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    client = actions.common._redis
    actions.common._redis = None
    if client is not None:
        await client.close()


async def enqueue(sender: str, level: RiskLevel, language: str = "en", signals: tuple[str, ...] = ()) -> None:
    """Put a conversation in the counselor queue the way the actions do."""
    await handoff.request_counselor(
        actions.common.redis_client(),
        sender,
        language,
        level,
        list(signals),
        get_settings().retention_seconds,
    )


# ---------------------------------------------------------------- ActionAssessMessage


async def test_assess_ok_keeps_the_conversation_spanish() -> None:
    messages, events = await run(
        ActionAssessMessage(), make_tracker(text="ok", intent="affirm", language="es")
    )
    assert messages == []
    assert "language" not in slot_events(events)


async def test_assess_sets_the_language_of_a_first_message() -> None:
    _, events = await run(
        ActionAssessMessage(), make_tracker(text="hola necesito ayuda", intent="request_help")
    )
    assert slot_events(events)["language"] == "es"


async def test_assess_switches_language_on_clear_evidence() -> None:
    _, events = await run(
        ActionAssessMessage(), make_tracker(text="ช่วยด้วย", intent="request_help", language="en")
    )
    assert slot_events(events)["language"] == "th"


async def test_assess_raises_risk_and_records_signals() -> None:
    tracker = make_tracker(
        text="my boss took my passport",
        intent="need_documents",
        language="en",
        risk={"level": "high", "score": 0.6, "signals": ["documents_confiscated"]},
    )
    _, events = await run(ActionAssessMessage(), tracker)
    assert slot_events(events) == {"risk_level": "high", "risk_signals": ["documents_confiscated"]}


async def test_assess_risk_never_drops() -> None:
    tracker = make_tracker(
        text="thank you",
        intent="thank",
        language="en",
        risk_level="high",
        risk_signals=["documents_confiscated"],
        risk={"level": "none", "score": 0.0, "signals": []},
    )
    _, events = await run(ActionAssessMessage(), tracker)
    assert "risk_level" not in slot_events(events)
    assert "risk_signals" not in slot_events(events)


async def test_assess_signals_accumulate_without_duplicates() -> None:
    tracker = make_tracker(
        text="i owe them money and they took my passport",
        intent="need_unpaid_work",
        language="en",
        risk_level="high",
        risk_signals=["documents_confiscated"],
        risk={"level": "elevated", "score": 0.4, "signals": ["documents_confiscated", "debt_bondage"]},
    )
    _, events = await run(ActionAssessMessage(), tracker)
    slots = slot_events(events)
    assert slots["risk_signals"] == ["documents_confiscated", "debt_bondage"]
    assert "risk_level" not in slots  # elevated < high: the conversation keeps "high"


async def test_assess_unknown_risk_level_counts_as_none() -> None:
    tracker = make_tracker(text="hi", language="en", risk={"level": "whatever", "signals": []})
    _, events = await run(ActionAssessMessage(), tracker)
    assert slot_events(events) == {}


async def test_assess_moves_a_waiting_conversation_up_the_queue(redis_client: redis.Redis) -> None:
    earlier, sender = _sender(), _sender()
    await enqueue(earlier, RiskLevel.ELEVATED)
    await enqueue(sender, RiskLevel.ELEVATED, signals=("fear",))
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [earlier, sender]

    tracker = make_tracker(
        sender_id=sender,
        text="they will kill me",
        intent="danger_now",
        language="en",
        risk_level="elevated",
        risk_signals=["fear"],
        risk={"level": "imminent", "score": 0.95, "signals": ["threat_to_life"]},
    )
    _, events = await run(ActionAssessMessage(), tracker)

    assert slot_events(events)["risk_level"] == "imminent"
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [sender, earlier]
    record = redis_client.hgetall(redis_keys.handoff(sender))
    assert record["risk_level"] == "imminent"
    assert record["signals"] == "fear,threat_to_life"


# -------------------------------------------------------------- ActionRespondToDanger


async def test_danger_with_country_gives_its_emergency_number_first(redis_client: redis.Redis) -> None:
    sender = _sender()
    messages, events = await run(
        ActionRespondToDanger(),
        make_tracker(sender_id=sender, intent="danger_now", language="es", country="ES"),
    )
    assert texts(messages)[0] == "Si estás en peligro ahora, llama al 112 (emergencias)."
    assert texts(messages)[1] == say("utter_danger_offer_counselor", "es")
    assert messages[1]["buttons"] == [
        {"title": "Sí", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    assert events == [SlotSet("risk_level", "imminent")]


async def test_danger_without_country_lists_common_emergency_numbers() -> None:
    messages, _ = await run(
        ActionRespondToDanger(), make_tracker(intent="danger_now", language="en", country="none")
    )
    assert texts(messages)[0] == "If you are in danger now, call the emergency number: 112 / 911."
    assert len(messages) == 2


async def test_danger_in_thai_gives_the_thai_number_in_thai() -> None:
    messages, _ = await run(
        ActionRespondToDanger(), make_tracker(intent="danger_now", language="th", country="TH")
    )
    assert texts(messages)[0] == say("utter_danger_emergency", "th", emergency="191")
    assert "191" in texts(messages)[0] and "โทร" in texts(messages)[0]


async def test_danger_puts_the_conversation_at_the_top_of_the_queue(redis_client: redis.Redis) -> None:
    high, sender = _sender(), _sender()
    await enqueue(high, RiskLevel.HIGH)
    await run(
        ActionRespondToDanger(),
        make_tracker(
            sender_id=sender, intent="danger_now", language="es", country="ES", risk_signals=["violence_now"]
        ),
    )
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [sender, high]
    record = redis_client.hgetall(redis_keys.handoff(sender))
    assert record["status"] == "waiting"
    assert record["risk_level"] == "imminent"
    assert record["language"] == "es"
    assert record["signals"] == "violence_now"
    assert 0 < redis_client.ttl(redis_keys.handoff(sender)) <= get_settings().retention_seconds


# --------------------------------------------------------------- ActionAcknowledgeNeed


async def test_acknowledge_need_in_spanish() -> None:
    messages, events = await run(ActionAcknowledgeNeed(), make_tracker(language="es", need="shelter"))
    assert texts(messages) == [
        "Tener un lugar seguro donde quedarte es importante. Busquemos personas que puedan ayudarte."
    ]
    assert events == []


@pytest.mark.parametrize(
    "need",
    [mapping["value"] for mapping in DOMAIN["slots"]["need"]["mappings"]],
)
@pytest.mark.parametrize("language", ["en", "th", "ar"])
async def test_every_need_the_domain_can_set_has_its_own_acknowledgement(need: str, language: str) -> None:
    messages, _ = await run(ActionAcknowledgeNeed(), make_tracker(language=language, need=need))
    assert texts(messages) == [say(f"utter_ack_{need}", language)]


async def test_acknowledge_without_need_says_nothing() -> None:
    messages, events = await run(ActionAcknowledgeNeed(), make_tracker(language="en"))
    assert messages == [] and events == []


# ------------------------------------------------------------------ ActionGiveResources


async def test_resources_in_spain_in_spanish_show_three_and_offer_more() -> None:
    messages, events = await run(
        ActionGiveResources(), make_tracker(language="es", need="shelter", country="ES")
    )
    found = seed_directory().find("ES", "shelter", "es")
    assert len(found) > PAGE_SIZE  # the seed has more than a page for Spain
    body = texts(messages)[0]
    assert body.startswith("Personas que pueden ayudarte en España:")
    assert A21_SPAIN in body
    for resource in found[:PAGE_SIZE]:
        assert resource.name in body
    for resource in found[PAGE_SIZE:]:
        assert resource.name not in body
    assert body.count(" — ") == PAGE_SIZE  # one "name — kind" line per service
    assert texts(messages)[1] == "Escribe MAS para ver otras opciones."
    assert [button["payload"] for button in messages[1]["buttons"]] == ["/request_more", "/request_human"]
    assert len(messages) == 2  # no counselor offer at low risk
    assert events == [SlotSet("resources_shown", 3.0)]


async def test_resources_in_the_us_in_english_fit_on_one_page() -> None:
    messages, events = await run(
        ActionGiveResources(), make_tracker(language="en", need="shelter", country="US")
    )
    assert len(messages) == 1
    body = texts(messages)[0]
    assert body.startswith("People who can help in United States:")
    assert US_NATIONAL_HOTLINE in body
    assert "Write MORE" not in body
    assert events == [SlotSet("resources_shown", 2.0)]


@pytest.mark.parametrize("country", ["none", None, "ZZ"])
async def test_resources_without_a_known_country_say_so_honestly(country: str | None) -> None:
    messages, events = await run(
        ActionGiveResources(), make_tracker(language="en", need="shelter", country=country)
    )
    assert texts(messages) == [say("utter_resources_none", "en")]
    assert events == []


async def test_resources_at_high_risk_add_support_and_the_counselor_offer() -> None:
    messages, _ = await run(
        ActionGiveResources(),
        make_tracker(language="es", need="documents", country="ES", risk_level="high"),
    )
    assert texts(messages)[-2:] == [say("utter_support_high", "es"), say("utter_offer_counselor", "es")]
    assert messages[-1]["buttons"] == [
        {"title": "Sí", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    assert "Personas que pueden ayudarte en España:" in texts(messages)[0]


async def test_resources_at_elevated_risk_add_support_and_the_offer_of_a_human() -> None:
    messages, _ = await run(
        ActionGiveResources(),
        make_tracker(language="en", need="shelter", country="US", risk_level="elevated"),
    )
    assert texts(messages)[-2:] == [say("utter_support_elevated", "en"), say("utter_offer_counselor", "en")]


async def test_resources_without_risk_offer_nothing_more() -> None:
    messages, _ = await run(
        ActionGiveResources(),
        make_tracker(language="en", need="shelter", country="US", risk_level="none"),
    )
    assert say("utter_offer_counselor", "en") not in texts(messages)


# -------------------------------------------------------------- ActionGiveMoreResources


async def test_more_resources_give_the_next_page_without_header() -> None:
    found = seed_directory().find("ES", "shelter", "es")
    messages, events = await run(
        ActionGiveMoreResources(),
        make_tracker(language="es", need="shelter", country="ES", resources_shown=3.0),
    )
    body = texts(messages)[0]
    assert not body.startswith("Personas que pueden ayudarte")
    assert found[PAGE_SIZE].name in body
    for resource in found[:PAGE_SIZE]:
        assert resource.name not in body
    expected_shown = min(len(found), 2 * PAGE_SIZE)
    assert events == [SlotSet("resources_shown", float(expected_shown))]
    hint = say("utter_resources_more_hint", "es")
    assert (hint in texts(messages)) == (expected_shown < len(found))


async def test_more_resources_when_all_were_shown() -> None:
    shown = float(len(seed_directory().find("ES", "shelter", "es")))
    messages, events = await run(
        ActionGiveMoreResources(),
        make_tracker(language="es", need="shelter", country="ES", resources_shown=shown),
    )
    assert texts(messages) == [say("utter_resources_no_more", "es")]
    assert events == []


# ----------------------------------------------------------------------- ActionShowMenu


async def test_menu_names_the_national_hotline_in_the_persons_language() -> None:
    messages, events = await run(ActionShowMenu(), make_tracker(language="es", country="ES"))
    assert len(messages) == 1
    assert texts(messages)[0].startswith("Puedo compartir líneas de ayuda")
    assert f"A21, línea contra la trata: {A21_SPAIN}" in texts(messages)[0]
    assert events == []


async def test_menu_in_arabic() -> None:
    messages, _ = await run(ActionShowMenu(), make_tracker(language="ar", country="US"))
    assert texts(messages)[0].startswith("يمكنني مشاركة")
    assert US_NATIONAL_HOTLINE in texts(messages)[0]


async def test_menu_without_a_country_still_gives_numbers_to_call() -> None:
    messages, _ = await run(ActionShowMenu(), make_tracker(language="en"))
    menu = texts(messages)[0]
    assert "Helpline: ." not in menu
    for item in seed_directory().emergency_fallback:
        assert item.number in menu


# -------------------------------------------------------------- ActionRequestCounselor


async def test_request_counselor_first_time_queues_and_says_what_happens(redis_client: redis.Redis) -> None:
    sender = _sender()
    tracker = make_tracker(
        sender_id=sender,
        intent="request_human",
        language="es",
        country="ES",
        risk_level="high",
        risk_signals=["documents_confiscated"],
    )
    messages, events = await run(ActionRequestCounselor(), tracker)

    assert texts(messages) == [
        say(
            "utter_handoff_queued",
            "es",
            emergency="112",
            hotline=f"A21, línea contra la trata: {A21_SPAIN}",
        )
    ]
    assert events == []
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [sender]
    record = redis_client.hgetall(redis_keys.handoff(sender))
    assert record["status"] == "waiting"
    assert record["language"] == "es"
    assert record["risk_level"] == "high"
    assert record["signals"] == "documents_confiscated"
    assert 0 < redis_client.ttl(redis_keys.handoff(sender)) <= get_settings().retention_seconds


async def test_request_counselor_again_says_already_waiting(redis_client: redis.Redis) -> None:
    sender = _sender()
    tracker = make_tracker(sender_id=sender, intent="request_human", language="th", country="TH")
    await run(ActionRequestCounselor(), tracker)
    enqueued_at = redis_client.hget(redis_keys.handoff(sender), "enqueued_at")

    messages, _ = await run(ActionRequestCounselor(), tracker)

    assert texts(messages) == [say("utter_handoff_already_waiting", "th")]
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [sender]
    # Asking twice does not send the person to the back of the line.
    assert redis_client.hget(redis_keys.handoff(sender), "enqueued_at") == enqueued_at


async def test_request_counselor_while_a_counselor_has_the_chat(redis_client: redis.Redis) -> None:
    sender = _sender()
    redis_client.hset(redis_keys.handoff(sender), mapping={"status": "active", "risk_level": "none"})
    messages, _ = await run(
        ActionRequestCounselor(), make_tracker(sender_id=sender, language="en", country="US")
    )
    assert texts(messages) == [say("utter_handoff_already_waiting", "en")]
    assert redis_client.hget(redis_keys.handoff(sender), "status") == "active"
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == []


async def test_higher_risk_is_served_before_longer_wait(redis_client: redis.Redis) -> None:
    calm, worried = _sender(), _sender()
    await run(ActionRequestCounselor(), make_tracker(sender_id=calm, language="en", country="US"))
    await run(
        ActionRequestCounselor(),
        make_tracker(sender_id=worried, language="en", country="US", risk_level="high"),
    )
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [worried, calm]


# -------------------------------------------------------------- ActionDeclineCounselor


async def test_decline_takes_a_waiting_conversation_out_of_the_queue(redis_client: redis.Redis) -> None:
    sender, other = _sender(), _sender()
    await enqueue(other, RiskLevel.NONE)
    await run(ActionRespondToDanger(), make_tracker(sender_id=sender, language="es", country="ES"))
    assert redis_client.zrank(redis_keys.QUEUE, sender) == 0

    messages, events = await run(
        ActionDeclineCounselor(), make_tracker(sender_id=sender, intent="deny", language="es")
    )

    assert texts(messages) == ["De acuerdo. Sigo aquí si cambias de opinión."]
    assert events == []
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [other]
    assert not redis_client.exists(redis_keys.handoff(sender))


async def test_decline_never_ends_a_chat_a_counselor_already_has(redis_client: redis.Redis) -> None:
    sender = _sender()
    redis_client.hset(redis_keys.handoff(sender), mapping={"status": "active", "risk_level": "high"})
    messages, _ = await run(
        ActionDeclineCounselor(), make_tracker(sender_id=sender, intent="deny", language="en")
    )
    assert texts(messages) == [say("utter_handoff_declined", "en")]
    assert redis_client.hget(redis_keys.handoff(sender), "status") == "active"


async def test_decline_when_never_queued_still_answers() -> None:
    messages, _ = await run(ActionDeclineCounselor(), make_tracker(intent="deny", language="ar"))
    assert texts(messages) == [say("utter_handoff_declined", "ar")]


# ------------------------------------------------------------- ActionEraseConversation


def _seed_conversation(client: redis.Redis, sender: str) -> None:
    for key in redis_keys.conversation_keys(sender):
        if key == redis_keys.handoff(sender):
            client.hset(key, "status", "waiting")
        else:
            client.set(key, "x")
    client.zadd(redis_keys.QUEUE, {sender: time.time()})


async def test_erase_deletes_every_key_of_the_conversation_only(redis_client: redis.Redis) -> None:
    sender, other = _sender(), _sender()
    _seed_conversation(redis_client, sender)
    _seed_conversation(redis_client, other)

    messages, events = await run(
        ActionEraseConversation(), make_tracker(sender_id=sender, intent="request_erase", language="ar")
    )

    assert texts(messages) == ["تم. لقد حذفنا هذه المحادثة."]
    assert events == [Restarted()]
    assert redis_client.exists(*redis_keys.conversation_keys(sender)) == 0
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [other]
    assert redis_client.exists(*redis_keys.conversation_keys(other)) == len(
        redis_keys.conversation_keys(other)
    )


async def test_erase_also_deletes_the_tracker_rasa_saves_after_the_turn(redis_client: redis.Redis) -> None:
    sender = _sender()
    lock = redis_keys.RASA_LOCK_PREFIX + sender
    redis_client.set(lock, "held")  # Rasa holds the conversation's lock during the turn

    await run(
        ActionEraseConversation(), make_tracker(sender_id=sender, intent="request_erase", language="en")
    )
    # Rasa saves the tracker after the action returned, then releases the lock.
    redis_client.set(redis_keys.tracker(sender), "saved after the action")
    await asyncio.sleep(0.5)
    assert redis_client.exists(redis_keys.tracker(sender))  # still locked: not yet
    redis_client.delete(lock)

    await asyncio.wait_for(asyncio.gather(*erase_module._pending), timeout=5)
    assert not redis_client.exists(redis_keys.tracker(sender))


# ---------------------------------------------------------------- ActionChangeLanguage


async def test_change_language_on_an_explicit_request() -> None:
    messages, events = await run(
        ActionChangeLanguage(), make_tracker(text="español", intent="change_language", language="en")
    )
    assert texts(messages) == ["De acuerdo, a partir de ahora te escribo en español."]
    assert events == [SlotSet("language", "es")]


async def test_change_language_to_thai_mid_form() -> None:
    messages, events = await run(
        ActionChangeLanguage(),
        make_tracker(
            text="ภาษาไทย",
            intent="change_language",
            language="en",
            need="unpaid_work",
            requested_slot="country",
            active_loop="support_form",
        ),
    )
    assert texts(messages) == [say("utter_language_changed", "th")]
    assert events == [SlotSet("language", "th")]


async def test_change_language_without_naming_one_lists_the_choices() -> None:
    messages, events = await run(
        ActionChangeLanguage(), make_tracker(text="other language", intent="change_language", language="ar")
    )
    assert len(messages) == 1
    assert texts(messages)[0].startswith("ما اللغة التي تناسبك؟")
    for name in ("English", "Español", "ไทย", "العربية", "中文"):
        assert name in texts(messages)[0]
    assert events == []


# ------------------------------------------------------------------ ActionSessionStart


async def test_session_start_repauses_a_conversation_a_counselor_holds(redis_client: redis.Redis) -> None:
    sender = _sender()
    redis_client.hset(redis_keys.handoff(sender), mapping={"status": "active", "risk_level": "high"})
    tracker = make_tracker(
        sender_id=sender, language="es", country="ES", risk_level="high", requested_slot="country"
    )

    _, events = await run(ActionSessionStart(), tracker)

    assert events[0] == SessionStarted()
    assert events[-2:] == [ConversationPaused(), ActionExecuted("action_listen")]
    carried = slot_events(events)
    assert carried == {"language": "es", "country": "ES", "risk_level": "high", "resources_shown": 0.0}


@pytest.mark.parametrize("status", ["waiting", None])
async def test_session_start_does_not_pause_otherwise(redis_client: redis.Redis, status: str | None) -> None:
    sender = _sender()
    if status:
        redis_client.hset(redis_keys.handoff(sender), mapping={"status": status, "risk_level": "none"})
    _, events = await run(ActionSessionStart(), make_tracker(sender_id=sender, language="th"))
    assert ConversationPaused() not in events
    assert events[0] == SessionStarted() and events[-1] == ActionExecuted("action_listen")
    assert slot_events(events)["language"] == "th"


# ------------------------------------------------------------- ValidateSupportForm


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ES", "ES"),
        (["TH", "US"], "TH"),
        ("none", "none"),
        ("Spain", None),
        ([], None),
        (None, None),
    ],
)
async def test_validate_country(value: Any, expected: str | None) -> None:
    result = await ValidateSupportForm().validate_country(
        value, CollectingDispatcher(), make_tracker(language="en"), DOMAIN
    )
    assert result == {"country": expected}


async def test_support_form_validation_runs_on_the_extracted_country() -> None:
    tracker = make_tracker(
        text="spain",
        intent="inform_location",
        language="en",
        need="shelter",
        requested_slot="country",
        active_loop="support_form",
        events=[
            {"event": "user", "text": "spain"},
            {"event": "slot", "name": "country", "value": ["ES", "FR"]},
        ],
    )
    _, events = await run(ValidateSupportForm(), tracker)
    assert SlotSet("country", "ES") in events
