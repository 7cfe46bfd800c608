"""Split replies into SMS-sized messages without breaking words or characters.

An SMS is 160 GSM-7 characters, or 70 UTF-16 code units as soon as one character is
outside GSM-7 (Arabic, Chinese, Thai, Cyrillic, most emoji): the whole message
switches to UCS-2. Longer texts travel as concatenated segments of 153 / 67 units.
Long concatenations arrive out of order or truncated on old phones, and a carrier
cuts them wherever the count falls, in the middle of a word or between the two
halves of an emoji. So a long reply is sent as several messages of at most a few
segments each, cut at sentence ends, else word ends, else between graphemes
(user-perceived characters, so a Thai vowel mark stays with its consonant and an
emoji sequence stays whole).

Pure functions, no I/O; :func:`split_text` also serves other length limits (the
Telegram 4096-character cap).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum

import regex

#: The GSM 03.38 default alphabet (one septet each; ESC 0x1B excluded).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: two septets each (escape + character).
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

#: Most segments one reply message may use: 459 GSM-7 or 201 UCS-2 units, enough for
#: every catalogue text in Latin script, and a split at a sentence end otherwise.
DEFAULT_MAX_SEGMENTS = 3


class Encoding(str, Enum):
    """How the network will encode a message."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


def encoding(text: str) -> Encoding:
    """GSM-7 if every character is in the GSM alphabet, else UCS-2."""
    if all(char in _GSM_BASIC or char in _GSM_EXTENSION for char in text):
        return Encoding.GSM7
    return Encoding.UCS2


def _unit_sizes(text: str, enc: Encoding) -> list[int]:
    """Size of each character in septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if enc is Encoding.GSM7:
        return [2 if char in _GSM_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def segment_count(text: str) -> int:
    """How many SMS segments ``text`` costs (0 for an empty text).

    An escape pair or a surrogate pair is never split across two segments, so a
    segment may hold one unit less than the nominal 153 / 67.
    """
    if not text:
        return 0
    enc = encoding(text)
    sizes = _unit_sizes(text, enc)
    single, multi = (GSM_SINGLE, GSM_MULTI) if enc is Encoding.GSM7 else (UCS2_SINGLE, UCS2_MULTI)
    if sum(sizes) <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return segments


def fits_sms(text: str, max_segments: int = DEFAULT_MAX_SEGMENTS) -> bool:
    """True if ``text`` costs at most ``max_segments`` segments."""
    return segment_count(text) <= max_segments


# A sentence ends after terminal punctuation (and closing quotes) followed by space,
# after CJK full stops (no space follows them), or at a line break.
_SENTENCE_END = re.compile(r"[.!?…؟]+[\"'”’»)\]]*\s+|[。！？]+\s*|\n+")
_WORD = re.compile(r"\S+\s*|\s+")


def _sentences(text: str) -> list[str]:
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _graphemes(text: str) -> list[str]:
    return list(regex.findall(r"\X", text))


_LEVELS: tuple[Callable[[str], list[str]], ...] = (_sentences, _words, _graphemes)


def _pack(text: str, fits: Callable[[str], bool], level: int) -> list[str]:
    """Greedily pack this level's pieces; pieces too big alone go one level finer.

    Each piece keeps its trailing white space, so joining pieces restores the
    original spacing; parts are stripped only when they are emitted.
    """
    parts: list[str] = []
    current = ""
    for piece in _LEVELS[level](text):
        candidate = current + piece
        if fits(candidate.strip()):
            current = candidate
            continue
        if current.strip():
            parts.append(current.strip())
        current = piece
        if fits(piece.strip()):
            continue
        if level + 1 < len(_LEVELS):
            finer = _pack(piece, fits, level + 1)
            parts.extend(finer[:-1])
            trailing = piece[len(piece.rstrip()) :]
            current = (finer[-1] if finer else "") + trailing
        else:
            # A single grapheme that fits nowhere (impossible for SMS limits): send it
            # alone rather than cut it.
            parts.append(piece.strip())
            current = ""
    if current.strip():
        parts.append(current.strip())
    return parts


def split_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut ``text`` into parts that each satisfy ``fits``, at the gentlest boundary.

    Args:
        text: The reply.
        fits: Whether a candidate part is small enough.

    Returns:
        Non-empty, stripped parts in order; ``[]`` for a blank text.
    """
    text = text.strip()
    if not text:
        return []
    if fits(text):
        return [text]
    return _pack(text, fits, 0)


def split_sms(text: str, max_segments: int = DEFAULT_MAX_SEGMENTS) -> list[str]:
    """Cut a reply into messages of at most ``max_segments`` segments each."""
    return split_text(text, lambda part: fits_sms(part, max_segments))
