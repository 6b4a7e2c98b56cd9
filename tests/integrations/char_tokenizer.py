"""A Hugging Face tokenizer over characters, built locally (nothing downloaded), for the trainer
tests: TRL's tiny model, veRL's and OpenRLHF's decoding of response tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHARS = "abcdefghijklmnopqrstuvwxyz ?0123456789:+"
VOCAB = {"<pad>": 0, "<eos>": 1, "<unk>": 2, **{c: i + 3 for i, c in enumerate(CHARS)}}


def char_tokenizer(directory: Path) -> Any:
    """A ``PreTrainedTokenizerFast`` with one token per character, saved to and loaded from
    ``directory`` (so it goes through transformers' own loading code)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel(VOCAB, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    core.decoder = decoders.Fuse()
    special = {"pad_token": "<pad>", "eos_token": "<eos>", "unk_token": "<unk>"}
    PreTrainedTokenizerFast(tokenizer_object=core, **special).save_pretrained(directory)  # type: ignore[no-untyped-call]
    return PreTrainedTokenizerFast.from_pretrained(directory)
