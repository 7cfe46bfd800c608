"""SMS encoding, segment counting and gentle splitting (pure)."""

from __future__ import annotations

import pytest
import regex

from bot.sms_segments import (
    DEFAULT_MAX_SEGMENTS,
    Encoding,
    encoding,
    fits_sms,
    segment_count,
    split_sms,
    split_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, how are you?", Encoding.GSM7),
        ("Price: 5€ [ok] {x} ~ ^ | \\", Encoding.GSM7),  # extension table
        ("Ñandù, àèéìò ÄÖÜ ß", Encoding.GSM7),
        ("ú", Encoding.UCS2),  # GSM-7 has ù but not ú
        ("Привет", Encoding.UCS2),
        ("مرحبا", Encoding.UCS2),
        ("你好", Encoding.UCS2),
        ("สวัสดี", Encoding.UCS2),
        ("ok 👍", Encoding.UCS2),
        ("ç", Encoding.UCS2),  # only capital Ç is in GSM-7
    ],
)
def test_encoding(text: str, expected: Encoding) -> None:
    assert encoding(text) is expected


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 81, 2),
        ("a" * 152 + "€", 1),  # 154 septets, still one message
        ("a" * 152 + "€" + "a" * 10, 2),  # the escape pair is not split across segments
        ("я" * 70, 1),
        ("я" * 71, 2),
        ("я" * 134, 2),
        ("я" * 135, 3),
        ("😀" * 35, 1),  # 70 UTF-16 units
        ("😀" * 36, 2),
        ("a" * 66 + "😀" + "a" * 10, 2),  # the surrogate pair moves to segment 2
    ],
)
def test_segment_count(text: str, segments: int) -> None:
    assert segment_count(text) == segments


def test_short_text_is_one_part() -> None:
    assert split_sms("  Hello there.  ") == ["Hello there."]
    assert split_sms("   ") == []


def _assert_lossless(text: str, parts: list[str]) -> None:
    """Parts put back together are the text, up to white space at the cuts."""
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_splits_at_sentence_ends() -> None:
    sentence = "This is a sentence that is exactly long enough to matter here. "
    text = sentence * 12
    parts = split_sms(text, max_segments=1)
    assert len(parts) > 1
    for part in parts:
        assert fits_sms(part, 1)
        assert part.endswith(".")
    _assert_lossless(text, parts)


def test_splits_long_sentence_at_words() -> None:
    text = " ".join(["word"] * 200)
    parts = split_sms(text, max_segments=1)
    assert all(fits_sms(part, 1) for part in parts)
    assert all(set(part.split()) == {"word"} for part in parts)
    _assert_lossless(text, parts)


def test_unicode_switches_the_budget() -> None:
    latin = "Hello. " * 60  # GSM-7: 420 characters fit in 3 segments
    cyrillic = "Привет. " * 60  # UCS-2: 201 units per 3 segments
    assert len(split_sms(latin)) == 1
    assert len(split_sms(cyrillic)) == 3
    assert all(segment_count(part) <= DEFAULT_MAX_SEGMENTS for part in split_sms(cyrillic))


def test_arabic_rtl_splits_on_words() -> None:
    text = " ".join(["مساعدة"] * 80) + "؟ " + "نحن هنا. " * 10
    parts = split_sms(text)
    assert all(fits_sms(part) for part in parts)
    assert all(not part.startswith(" ") and not part.endswith(" ") for part in parts)
    _assert_lossless(text, parts)


def test_thai_without_spaces_never_splits_a_grapheme() -> None:
    # Thai writes words without spaces; vowel and tone marks combine with consonants.
    text = "ฉันต้องการความช่วยเหลือ" * 20
    parts = split_sms(text, max_segments=1)
    assert len(parts) > 1
    for part in parts:
        assert fits_sms(part, 1)
        # no part starts with a combining mark (it would have lost its consonant)
        assert not regex.match(r"\p{M}", part)
    assert "".join(parts) == text


def test_chinese_splits_after_full_stops() -> None:
    text = "我们在这里帮助你。" * 30
    parts = split_sms(text, max_segments=1)
    assert all(fits_sms(part, 1) for part in parts)
    assert all(part.endswith("。") for part in parts)
    assert "".join(parts) == text


def test_emoji_sequences_stay_whole() -> None:
    family = "👨‍👩‍👧‍👦"  # one grapheme of 7 code points, 11 UTF-16 units
    text = family * 40
    parts = split_sms(text, max_segments=1)
    assert "".join(parts) == text
    for part in parts:
        assert fits_sms(part, 1)
        assert regex.findall(r"\X", part) == [family] * len(regex.findall(r"\X", part))


def test_split_text_with_any_limit() -> None:
    parts = split_text("one two three four five", lambda part: len(part) <= 9)
    assert parts == ["one two", "three", "four five"]
