"""The translate stage: Nordic article body → English, sentence by sentence, layout kept.

Paragraphs already in English (a quote inside a Norwegian article) are passed through as written.
Every other sentence goes through a sentence-level translation memory first, so an edited article
only costs its new or changed sentences; the rest are translated in length-sorted batches across
all the articles of a call, with sentences too long for the model split at clause boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .backends.base import Seq2SeqBackend
from .cache import DiskCache, make_key
from .detect import detect_language
from .document import Document, split_document
from .fit import split_to_fit
from .guards import degenerate, safer

# Marian is a sentence model: quality falls off long before its 512-position limit.
SENTENCE_TOKEN_LIMIT = 256
# An English paragraph inside another-language article is kept only when detection is sure.
PASSTHROUGH_CONFIDENCE = 0.8
PASSTHROUGH_MIN_WORDS = 4


class TranslateStage:
    """Translate article bodies. Input: {"text", "language"}; output: {"translation", stats}."""

    name = "translate"
    version = "1"

    def __init__(
        self,
        backend: Callable[[], Seq2SeqBackend],
        *,
        identity: dict[str, Any],
        settings: dict[str, Any],
        memory: DiskCache | None = None,
    ) -> None:
        self._backend = backend
        self.identity = identity  # model, revision, backend: part of every cache key
        self.settings = settings
        self.memory = memory

    def run_many(self, inputs: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        """Translate every input; one shared model call for all their new sentences."""
        docs = [split_document(item["text"], item["language"]) for item in inputs]
        keep = [_english_paragraphs(doc) if item["language"] != "en" else set()
                for doc, item in zip(docs, inputs, strict=True)]  # fmt: skip
        wanted = _sentences(docs, keep)
        known = self._recall(wanted)
        new = [s for s in wanted if s not in known]
        guards: dict[str, int] = {}
        if new:
            known.update(self._translate(new, guards))
        results, counted = [], set()
        for doc, kept in zip(docs, keep, strict=True):
            own = _sentences([doc], [kept])
            fresh = [s for s in own if s in new and s not in counted]
            counted.update(fresh)
            results.append({
                "translation": _rebuild(doc, kept, known),
                "sentences_total": sum(len(p.sentences) for p in doc.paragraphs),
                "sentences_translated": len(fresh),
                "paragraphs_kept": len(kept),
                "guards": guards,
            })  # fmt: skip
        return results

    def _tm_key(self, sentence: str) -> str:
        return make_key("tm", self.version, self.identity, self.settings, sentence)

    def _recall(self, sentences: Sequence[str]) -> dict[str, str]:
        if self.memory is None:
            return {}
        found = {}
        for sentence in sentences:
            hit = self.memory.get("tm", self._tm_key(sentence))
            if isinstance(hit, str):
                found[sentence] = hit
        return found

    def _translate(self, sentences: Sequence[str], guards: dict[str, int]) -> dict[str, str]:
        backend = self._backend()
        limit = min(backend.max_input_tokens, SENTENCE_TOKEN_LIMIT)
        sizes = backend.count_tokens(sentences)
        pieces = [split_to_fit(s, backend.count_tokens, limit) if n > limit else [s]
                  for s, n in zip(sentences, sizes, strict=True)]  # fmt: skip
        flat = [p for group in pieces for p in group]
        guards["split_sentences"] = guards.get("split_sentences", 0) + sum(
            len(g) > 1 for g in pieces
        )
        out = generate_guarded(backend, flat, self.settings, guards)
        result, pos = {}, 0
        for sentence, group in zip(sentences, pieces, strict=True):
            result[sentence] = " ".join(out[pos : pos + len(group)])
            pos += len(group)
            if self.memory is not None:
                self.memory.put("tm", self._tm_key(sentence), result[sentence])
        return result


def generate_guarded(
    backend: Seq2SeqBackend,
    texts: Sequence[str],
    settings: dict[str, Any],
    guards: dict[str, int],
    *,
    check_length: bool = True,
) -> list[str]:
    """`backend.generate`, then one retry with safer settings for degenerate outputs.

    `guards` counts what happened: `retried` outputs and those `still_degenerate` after the retry
    (kept, since there is nothing better to offer).
    """
    out = backend.generate(texts, settings)
    bad = [i for i, (s, o) in enumerate(zip(texts, out, strict=True))
           if degenerate(s, o, check_length=check_length)]  # fmt: skip
    if bad:
        again = backend.generate([texts[i] for i in bad], safer(settings))
        still = 0
        for i, text in zip(bad, again, strict=True):
            out[i] = text
            still += degenerate(texts[i], text, check_length=check_length) is not None
        guards["retried"] = guards.get("retried", 0) + len(bad)
        guards["still_degenerate"] = guards.get("still_degenerate", 0) + still
    return out


def _english_paragraphs(doc: Document) -> set[int]:
    """Indices of paragraphs written in English (kept as they are)."""
    kept = set()
    for index, paragraph in enumerate(doc.paragraphs):
        text = doc.paragraph_text(paragraph)
        if len(text.split()) < PASSTHROUGH_MIN_WORDS:
            continue
        found = detect_language(text)
        if found.language == "en" and found.confidence >= PASSTHROUGH_CONFIDENCE:
            kept.add(index)
    return kept


def _sentences(docs: Sequence[Document], keep: Sequence[set[int]]) -> list[str]:
    """Unique sentences to translate, in order of first appearance."""
    seen: dict[str, None] = {}
    for doc, kept in zip(docs, keep, strict=True):
        for index, paragraph in enumerate(doc.paragraphs):
            if index not in kept:
                seen.update(dict.fromkeys(doc.sentences(paragraph)))
    return list(seen)


def _rebuild(doc: Document, kept: set[int], known: dict[str, str]) -> str:
    skip = {span for i in kept for span in doc.paragraphs[i].sentences}
    return doc.rebuild(lambda s, e, text: text if (s, e) in skip else known[text])
