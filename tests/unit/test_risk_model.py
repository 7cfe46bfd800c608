"""The learned risk classifier: its data, its training and how assess() uses it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.distress import RiskLevel, assess, load_catalogue, normalise
from bot.risk_model import LEVELS, RiskClassifier, at_least, default_classifier, load_examples


def test_every_language_has_training_messages_at_every_level() -> None:
    examples = load_examples()
    assert {level for _, level in examples} == set(LEVELS)
    assert len(examples) >= 12 * 4 * 50


def test_bad_rows_are_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "xx.tsv").write_text(
        "level\ttext\nhigh\tthey keep my papers\nurgent\tnot a level\nnone\t\nnone\thello\n",
        encoding="utf-8",
    )
    assert load_examples(tmp_path) == [("they keep my papers", "high"), ("hello", "none")]


def test_untrained_classifier_has_no_opinion() -> None:
    classifier = RiskClassifier(normalise).fit([("hello", "none")])
    assert not classifier.trained
    assert classifier.probabilities("they keep my passport") == {}


def test_probabilities_cover_the_levels() -> None:
    probabilities = default_classifier(normalise).probabilities("the boss keeps my passport and wont pay me")
    assert set(probabilities) == set(LEVELS)
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert at_least(probabilities, "none") == pytest.approx(1.0)
    assert at_least(probabilities, "high") > 0.5


def test_emoji_only_text_has_no_opinion() -> None:
    assert default_classifier(normalise).probabilities("😢🙏") == {}


def test_thresholds_are_configured_most_urgent_first() -> None:
    rules = load_catalogue().classifier
    assert [rule.level for rule in rules] == [RiskLevel.IMMINENT, RiskLevel.HIGH]
    # Below 0.4 a level the classifier thinks less likely than the others would raise.
    assert all(0.4 <= rule.min_probability < 1.0 for rule in rules)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("help me hes coming back with the knife", "en"),
        ("ayudenme me esta pegando ahorita", "es"),
    ],
)
def test_classifier_can_raise_to_imminent(text: str, language: str) -> None:
    learned = assess(text, language)
    assert learned.level is RiskLevel.IMMINENT
    assert learned.level >= assess(text, language, learned=False).level


def test_classifier_signal_is_named() -> None:
    probabilities = default_classifier(normalise).probabilities("i cant breathe there is so much blood")
    result = assess("i cant breathe there is so much blood", "en")
    if at_least(probabilities, "imminent") >= load_catalogue().classifier[0].min_probability:
        assert "classifier_imminent" in result.signals
    assert result.level is RiskLevel.IMMINENT


def test_benign_messages_stay_below_high() -> None:
    for text in ["hi who is this", "thank you so much", "what time do you open", "my phone is dying lol"]:
        assert assess(text, "en").level < RiskLevel.HIGH, text


_FEW_EXAMPLES = [
    ("they keep my passport and i cant leave", "high"),
    ("he has a knife, hes coming", "imminent"),
    ("im so scared and alone", "elevated"),
    ("hello what time do you open", "none"),
]


def _train_on_few_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's behaviour, not the data, is under test: train in a second, not a minute."""
    import bot.risk_model as risk_model

    monkeypatch.setattr(risk_model, "load_examples", lambda: list(_FEW_EXAMPLES))
    monkeypatch.setattr(risk_model, "conversation_examples", lambda: [])


def test_trained_classifier_is_cached_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.risk_model as risk_model

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _train_on_few_examples(monkeypatch)
    first = risk_model._cached_or_trained(normalise)
    cached = list((tmp_path / "marigold" / "risk").glob("classifier-*.pkl"))
    assert [path.name for path in cached] == [f"classifier-{risk_model.fingerprint()}.pkl"]
    monkeypatch.setattr(risk_model, "load_examples", lambda: pytest.fail("retrained despite the cache"))
    second = risk_model._cached_or_trained(normalise)
    text = "they keep my passport and i cant leave"
    assert second.probabilities(text) == pytest.approx(first.probabilities(text))


def test_damaged_cache_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.risk_model as risk_model

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _train_on_few_examples(monkeypatch)
    path = tmp_path / "marigold" / "risk" / f"classifier-{risk_model.fingerprint()}.pkl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    classifier = risk_model._cached_or_trained(normalise)
    assert classifier.trained
    assert path.read_bytes() != b"not a pickle"


def test_fingerprint_follows_the_training_files(tmp_path: Path) -> None:
    from bot.risk_model import fingerprint

    (tmp_path / "xx.tsv").write_text("level\ttext\nnone\thello\n", encoding="utf-8")
    before = fingerprint(tmp_path)
    (tmp_path / "xx.tsv").write_text("level\ttext\nnone\thello there\n", encoding="utf-8")
    assert fingerprint(tmp_path) != before


def test_a_failing_classifier_leaves_the_lexicon_in_charge(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.distress as distress

    def broken(normalise: object) -> RiskClassifier:
        raise RuntimeError("cache unreadable and scikit-learn missing")

    monkeypatch.setattr(distress, "default_classifier", broken)
    result = assess("my boss took my passport", "en")
    assert result.level is RiskLevel.HIGH
    assert "documents_confiscated" in result.signals


class _FixedOpinion:
    """A classifier whose probabilities the test chooses (assess's rules under test, not it)."""

    def __init__(self, probabilities: dict[str, float]) -> None:
        self._probabilities = probabilities

    def probabilities(self, text: str) -> dict[str, float]:
        return self._probabilities


_SURE_IT_IS_BENIGN = {"none": 0.9, "elevated": 0.05, "high": 0.03, "imminent": 0.02}
_IDIOM = "honestly this exam is going to kill me, three chapters left and it is midnight"


def _classifier_says(monkeypatch: pytest.MonkeyPatch, probabilities: dict[str, float]) -> None:
    import bot.distress as distress

    monkeypatch.setattr(distress, "default_classifier", lambda normalise: _FixedOpinion(probabilities))


def test_a_sure_benign_reading_caps_long_messages_cues(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = load_catalogue().benign
    assert rule is not None
    assert assess(_IDIOM, "en", learned=False).level > rule.cap  # the cue alone would alarm
    _classifier_says(monkeypatch, _SURE_IT_IS_BENIGN)
    result = assess(_IDIOM, "en")
    assert result.level is rule.cap
    assert rule.signal in result.signals
    assert "threat_to_life" in result.signals  # the counselor still sees what matched


def test_short_messages_are_taken_at_their_word(monkeypatch: pytest.MonkeyPatch) -> None:
    _classifier_says(monkeypatch, _SURE_IT_IS_BENIGN)
    result = assess("my boss took my passport", "en")
    assert result.level is RiskLevel.HIGH
    assert load_catalogue().benign.signal not in result.signals  # type: ignore[union-attr]


def test_long_messages_keep_their_cues(monkeypatch: pytest.MonkeyPatch) -> None:
    """One sentence of danger in a long paste: the reading of the whole must not hide it."""
    _classifier_says(monkeypatch, _SURE_IT_IS_BENIGN)
    chatter = "ok so about the weekend plans and the shopping list for the kids. " * 8
    text = chatter + "they locked me in the room"
    assert assess(text, "en").level is RiskLevel.IMMINENT


def test_intents_are_never_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    _classifier_says(monkeypatch, _SURE_IT_IS_BENIGN)
    assert assess(_IDIOM, "en", intents=[("danger_now", 0.9)]).level is RiskLevel.IMMINENT


def test_an_unsure_reading_caps_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _classifier_says(monkeypatch, {"none": 0.5, "elevated": 0.1, "high": 0.2, "imminent": 0.2})
    assert assess(_IDIOM, "en").level is assess(_IDIOM, "en", learned=False).level


def test_the_cap_never_lowers_the_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    _classifier_says(monkeypatch, _SURE_IT_IS_BENIGN)
    assert assess(_IDIOM, "en", previous=RiskLevel.IMMINENT).level is RiskLevel.IMMINENT


_LEANS_IMMINENT = {"none": 0.3, "elevated": 0.1, "high": 0.2, "imminent": 0.4}


def test_a_message_already_high_needs_less_to_be_imminent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lower bar applies once a cue rates the message high, and only then."""
    rule = load_catalogue().classifier[0]
    assert rule.level is RiskLevel.IMMINENT and rule.min_probability_when_high is not None
    assert rule.min_probability_when_high <= _LEANS_IMMINENT["imminent"] < rule.min_probability
    _classifier_says(monkeypatch, _LEANS_IMMINENT)
    result = assess("my boss took my passport", "en")
    assert result.level is RiskLevel.IMMINENT
    assert rule.signal in result.signals and "documents_confiscated" in result.signals
    assert assess("what time do you open tomorrow", "en").level < RiskLevel.HIGH


def test_the_classifier_own_high_reading_lowers_the_imminent_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    _classifier_says(monkeypatch, {"none": 0.05, "elevated": 0.05, "high": 0.5, "imminent": 0.4})
    assert assess("what time do you open tomorrow", "en").level is RiskLevel.IMMINENT


def test_the_trained_classifier_reads_an_idiom_in_context() -> None:
    """A hard negative of the training data: the real classifier must hold the cue back."""
    text = "season 2 of the show where the girl's locked in the bunker is out 🙌"
    assert assess(text, "en", learned=False).level is RiskLevel.IMMINENT
    assert assess(text, "en").level < RiskLevel.HIGH


def test_everyday_conversation_joins_the_training_as_none() -> None:
    from bot.risk_model import CONVERSATION_INTENTS, conversation_examples

    examples = conversation_examples()
    assert {level for _, level in examples} == {"none"}
    texts = {text for text, _ in examples}
    assert "hi" in texts and "yes" in texts
    assert "he is next to me" not in texts  # a `deny` can carry risk: left out
    assert "deny" not in CONVERSATION_INTENTS and "need_information" not in CONVERSATION_INTENTS


def test_a_broken_nlu_file_is_skipped(tmp_path: Path) -> None:
    from bot.risk_model import conversation_examples

    (tmp_path / "xx.yml").write_text("nlu: [: not yaml", encoding="utf-8")
    (tmp_path / "yy.yml").write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: greet\n  examples: |\n    - hola\n"
        "- intent: deny\n  examples: |\n    - no\n",
        encoding="utf-8",
    )
    assert conversation_examples(tmp_path) == [("hola", "none")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ok thank you bye", "en"),
        ("i am in qatar now", "en"),
        ("tchau, obrigada", "pt"),
        ("estoy en españa", "es"),
        ("спасибо, до свидания", "ru"),
        ("ขอบคุณค่ะ", "th"),
    ],
)
def test_everyday_replies_are_not_danger(text: str, language: str) -> None:
    assert assess(text, language).level < RiskLevel.HIGH


class _BrokenMeaning:
    """A meaning model that fails, as a damaged tuning file would."""

    levels: tuple[str, ...] = LEVELS

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("model damaged")


def test_without_the_meaning_model_the_ngrams_rate_alone() -> None:
    classifier = RiskClassifier(normalise, meaning=None).fit(_FEW_EXAMPLES)
    assert classifier.trained and classifier.meaning is None
    probabilities = classifier.probabilities("he has a knife, hes coming")
    assert max(probabilities, key=probabilities.__getitem__) == "imminent"


def test_a_meaning_model_failing_leaves_the_ngrams_opinion(caplog: pytest.LogCaptureFixture) -> None:
    classifier = RiskClassifier(normalise).fit(_FEW_EXAMPLES)
    assert classifier.meaning is not None  # the committed tuning loads
    text = "they keep my passport and i cant leave"
    ngrams_only = dict(
        zip(
            classifier.pipeline.classes_, classifier.pipeline.predict_proba([normalise(text)])[0], strict=True
        )
    )
    both = classifier.probabilities(text)
    classifier._meaning = _BrokenMeaning()
    assert classifier.probabilities(text) == pytest.approx(ngrams_only)
    assert both != pytest.approx(ngrams_only)
    assert "words only" in caplog.text


def test_the_meaning_model_moves_the_ngrams_opinion_part_of_the_way() -> None:
    """It alone over-alarmed on everyday messages: it may shift the n-grams, not replace them."""
    from bot.risk_model import MEANING_WEIGHT, blend

    ngrams = np.array([0.7, 0.2, 0.05, 0.05])
    meaning = np.array([0.05, 0.05, 0.1, 0.8])  # sure of danger
    combined = blend(ngrams, meaning)
    assert combined.sum() == pytest.approx(1.0)
    assert 0.05 < combined[3] < 0.5
    assert combined[3] == pytest.approx(0.05 + MEANING_WEIGHT * 0.75)


def test_the_classifier_reads_the_message_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its meaning model was trained on text as people wrote it, accents and emoji
    included; it normalises for its n-grams itself."""
    import bot.distress as distress

    seen: list[str] = []

    class _Recorder(_FixedOpinion):
        def probabilities(self, text: str) -> dict[str, float]:
            seen.append(text)
            return super().probabilities(text)

    monkeypatch.setattr(distress, "default_classifier", lambda normalise: _Recorder(_SURE_IT_IS_BENIGN))
    assess("Él me QUITÓ el pasaporte 😢", "es")
    assert seen == ["Él me QUITÓ el pasaporte 😢"]
