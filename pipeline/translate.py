"""The translate stage: Nordic article body → English, sentence by sentence, layout kept.

Paragraphs already in English (a quote inside a Norwegian article) are passed through as written.
Every other sentence goes through a sentence-level translation memory first, so an edited article
only costs its new or changed sentences; the rest are translated in length-sorted batches across
all the articles of a call, with sentences too long for the model split at clause boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pipeline.cache import DiskCache, make_key
from pipeline.guards import generate_guarded, tally
from pipeline.language.detect import detect_language
from pipeline.models.backends.base import Seq2SeqBackend
from pipeline.text.document import Document, split_document
from pipeline.text.token_limit import split_to_fit

# Marian is a sentence model: quality falls off long before its 512-position limit.
SENTENCE_TOKEN_LIMIT = 256
# An English paragraph inside another-language article is kept only when detection is sure.
PASSTHROUGH_CONFIDENCE = 0.8
PASSTHROUGH_MIN_WORDS = 4


class TranslateStage:
    """Translate article bodies. Input: {"text", "language"}; output: {"translation", stats}."""

    name = "translate"
    version = "2"  # bump when the output changes: sentence handling, guards, checks

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

    def run_many(
        self, inputs: Sequence[dict[str, str]], *, use_cache: bool = True
    ) -> list[dict[str, Any]]:
        """Translate every input; one shared model call for all their new sentences.

        With `use_cache` off, the translation memory is neither read nor written either.
        """
        memory = self.memory if use_cache else None
        docs = [split_document(item["text"], item["language"]) for item in inputs]
        keep = [_english_paragraphs(doc) if item["language"] != "en" else set()
                for doc, item in zip(docs, inputs, strict=True)]  # fmt: skip
        wanted = _sentences(docs, keep)
        known = self._recall(wanted, memory)
        new = [s for s in wanted if s not in known]
        notes: dict[str, list[str]] = {}  # what the guards did, per new sentence
        if new:
            known.update(self._translate(new, notes, memory))
        from pipeline.faithfulness import check_translation

        results, counted = [], set()
        for doc, kept, item in zip(docs, keep, inputs, strict=True):
            fresh = [s for s in _sentences([doc], [kept]) if s in notes and s not in counted]
            counted.update(fresh)
            translation = _rebuild(doc, kept, known)
            checks = check_translation(item["text"], translation, item["language"])
            results.append({
                "translation": translation,
                "checks": [check.to_dict() for check in checks],
                "sentences_total": sum(len(p.sentences) for p in doc.paragraphs),
                "sentences_translated": len(fresh),
                "paragraphs_kept": len(kept),
                "guards": tally(note for s in fresh for note in notes[s]),
            })  # fmt: skip
        return results

    def _tm_key(self, sentence: str) -> str:
        return make_key("tm", self.version, self.identity, self.settings, sentence)

    def _recall(self, sentences: Sequence[str], memory: DiskCache | None) -> dict[str, str]:
        if memory is None:
            return {}
        found = {}
        for sentence in sentences:
            hit = memory.get("tm", self._tm_key(sentence))
            if isinstance(hit, str):
                found[sentence] = hit
        return found

    def _translate(
        self, sentences: Sequence[str], notes: dict[str, list[str]], memory: DiskCache | None
    ) -> dict[str, str]:
        backend = self._backend()
        limit = min(backend.max_input_tokens, SENTENCE_TOKEN_LIMIT)
        sizes = backend.count_tokens(sentences)
        pieces = [split_to_fit(s, backend.count_tokens, limit) if n > limit else [s]
                  for s, n in zip(sentences, sizes, strict=True)]  # fmt: skip
        out, flags = generate_guarded(backend, [p for g in pieces for p in g], self.settings)
        result, pos = {}, 0
        for sentence, group in zip(sentences, pieces, strict=True):
            span = slice(pos, pos + len(group))
            result[sentence] = " ".join(out[span])
            notes[sentence] = [f for f in flags[span] if f] + (["split"] if len(group) > 1 else [])
            pos += len(group)
            if memory is not None:
                memory.put("tm", self._tm_key(sentence), result[sentence])
        return result


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
