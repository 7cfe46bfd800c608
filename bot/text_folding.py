"""Fold text the way people type it on a phone, for matching commands and phrases.

People write "borrar" for "borrar", "stergeti" for "ștergeți", "xoa" for "xóa":
keywords and lexicons are written without diacritics and matched on folded text.
Only marks on Latin letters are dropped; Thai vowels and tone marks, Cyrillic й, and
Arabic letters are part of their letters and are kept.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def _is_latin(char: str) -> bool:
    code = ord(char)
    return code < 0x0250 or 0x1E00 <= code <= 0x1EFF


def strip_latin_marks(text: str) -> str:
    """Remove diacritics from Latin letters only (NFKD, then drop their combining marks)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    base_is_latin = False
    for char in decomposed:
        if unicodedata.category(char) == "Mn":
            if base_is_latin:
                continue
        else:
            base_is_latin = _is_latin(char)
        kept.append(char)
    folded = "".join(kept).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", folded)


def fold(text: str) -> str:
    """Lower case, Latin diacritics stripped, white space collapsed."""
    return _SPACES.sub(" ", strip_latin_marks(text).lower()).strip()


def fold_command(text: str) -> str:
    """Fold a whole message that may be a one-word command ("ERASE!", "/erase")."""
    folded = fold(text)
    if folded.startswith("/"):
        folded = folded[1:].split("@", 1)[0]  # Telegram: /erase@MarigoldBot
    return _EDGE_PUNCTUATION.sub("", folded)
