"""The reference backend: Hugging Face transformers (`AutoModelForSeq2SeqLM.generate`).

transformers v5 removed the `translation`/`summarization` pipeline tasks, so this is the tokenizer
and `generate` directly. Weights load from safetensors only, in float32; remote code is never
trusted. Every load is checked against the files (`pipeline.models.verify`) before it decodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.models.backends.base import (
    cpu_threads,
    input_limit,
    new_token_limits,
    pick_device,
    plan_batches,
    token_counts,
)
from pipeline.models.verify import verify_loaded

# Settings passed to `generate` as they are; the rest (the ratio cap) are ours.
_PASS_THROUGH = ("num_beams", "length_penalty", "no_repeat_ngram_size", "repetition_penalty")


class TransformersBackend:
    """A seq2seq model and its tokenizer, loaded from a local directory."""

    name = "transformers"

    def __init__(
        self, model_dir: str | Path, *, device: str = "auto", model_id: str | None = None
    ) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        from pipeline.models.locate import quiet_transformers

        quiet_transformers()

        if torch.get_num_threads() != cpu_threads():
            torch.set_num_threads(cpu_threads())
        self.device = pick_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model, info = AutoModelForSeq2SeqLM.from_pretrained(
            str(model_dir), use_safetensors=True, dtype=torch.float32, output_loading_info=True
        )
        verify_loaded(model, model_dir, model_id=model_id or str(model_dir), loading_info=info)
        self.model = model.to(self.device).eval()
        self.max_input_tokens = input_limit(
            getattr(model.config, "max_position_embeddings", None), self.tokenizer.model_max_length
        )

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes as model input, special tokens included."""
        return token_counts(self.tokenizer, texts)

    def generate(self, texts: Sequence[str], settings: dict[str, Any]) -> list[str]:
        """Generate in length-sorted batches; outputs come back in input order."""
        import torch

        outputs: list[str] = [""] * len(texts)
        lengths = self.count_tokens(texts)
        for batch in plan_batches(lengths):
            low, high = new_token_limits(settings, lengths[batch[0]])
            kwargs = {k: settings[k] for k in _PASS_THROUGH if k in settings}
            enc = self.tokenizer(
                [texts[i] for i in batch], return_tensors="pt", padding=True, truncation=False
            ).to(self.device)
            with torch.inference_mode():
                ids = self.model.generate(
                    **enc, min_new_tokens=low, max_new_tokens=high, do_sample=False, **kwargs
                )
            decoded = self.tokenizer.batch_decode(ids, skip_special_tokens=True)
            for index, text in zip(batch, decoded, strict=True):
                outputs[index] = text.strip()
        return outputs
