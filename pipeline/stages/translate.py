"""The translate stage: Nordic article body → English, sentence by sentence, layout kept.

Paragraphs already in English (a quote inside a Norwegian article) are passed through as written.
Every other sentence goes through a sentence-level translation memory first, so an edited article
only costs its new or changed sentences; the rest are translated in length-sorted batches across
all the articles of a call, with sentences too long for the model split at clause boundaries.
The headline, when there is one, is translated like a sentence, in the same model call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import msgspec

from pipeline.cache import Cache, make_key
from pipeline.language.detect import detect_language
from pipeline.models.backends.base import Seq2SeqBackend
from pipeline.stages.base import Output
from pipeline.stages.decoding_guards import generate_guarded, tally
from pipeline.text.document import Document, split_document
from pipeline.text.token_limit import split_to_fit

# Marian is a sentence model: quality falls off long before its 512-position limit.
SENTENCE_TOKEN_LIMIT = 256
# An English paragraph inside another-language article is kept only when detection is sure.
PASSTHROUGH_CONFIDENCE = 0.8
PASSTHROUGH_MIN_WORDS = 4


class TranslateInput(msgspec.Struct, frozen=True):
    """An article body in a Nordic `language`, and its headline if it has one."""

    text: str
    language: str
    title: str | None = None


class Aligned(msgspec.Struct, frozen=True, array_like=True):
    """One source sentence and its translation: the paragraph, and both spans (start, end) in
    the source body and in the translation."""

    paragraph: int
    source: tuple[int, int]
    target: tuple[int, int]


class TranslateOutput(Output, frozen=True):
    """The translation, sentence by sentence aligned with the source, and what it took."""

    translation: str
    title: str | None
    alignment: list[Aligned]
    checks: list[dict[str, Any]]
    sentences_total: int
    sentences_translated: int
    paragraphs_kept: int
    guards: dict[str, int]


class TranslateStage:
    """Translate article bodies (`TranslateInput` → `TranslateOutput`)."""

    name: ClassVar[str] = "translate"
    version: ClassVar[str] = "4"  # bump when the output changes: sentence handling, guards, checks
    # The translation memory holds the model's sentences only: bump this when they change
    # (sentence handling, guards), not when the checks do, so a new check costs no decoding.
    memory_version: ClassVar[str] = "3"
    output_type: ClassVar[type[msgspec.Struct]] = TranslateOutput

    def __init__(
        self,
        backend: Callable[[], Seq2SeqBackend],
        *,
        model: dict[str, Any],
        settings: dict[str, Any],
        memory: Cache | None = None,
    ) -> None:
        self._backend = backend
        self.model = model  # id, revision, backend
        self.settings = settings
        self.memory = memory

    @property
    def identity(self) -> dict[str, Any]:
        """Model and generation settings: part of every cache key, the memory's included."""
        return {"model": self.model, "settings": self.settings}

    def run(
        self, inputs: Sequence[TranslateInput], *, use_cache: bool = True
    ) -> list[TranslateOutput]:
        """Translate every input; one shared model call for all their new sentences.

        With `use_cache` off, the translation memory is neither read nor written either.
        """
        from pipeline.faithfulness import SentencePair, check_translation  # not on cached runs

        memory = self.memory if use_cache else None
        docs = [split_document(item.text, item.language) for item in inputs]
        titles = [split_document(item.title, item.language) if item.title else None
                  for item in inputs]  # fmt: skip
        keep = [_english_paragraphs(doc) for doc in docs]
        heads = [title for title in titles if title is not None]
        wanted = _sentences([*docs, *heads], [*keep, *([set()] * len(heads))])
        known = self._recall(wanted, memory)
        new = [s for s in wanted if s not in known]
        notes: dict[str, list[str]] = {}  # what the guards did, per new sentence
        if new:
            known.update(self._translate(new, notes, memory))
        results, counted = [], set()
        for doc, title, kept, item in zip(docs, titles, keep, inputs, strict=True):
            body = [s for s in _sentences([doc], [kept]) if s in notes and s not in counted]
            head = [s for s in _sentences([title], [set()]) if s in notes] if title else []
            fresh = body + [s for s in head if s not in counted and s not in body]
            counted.update(fresh)
            translation, alignment = _rebuild(doc, kept, known)
            pairs = [
                SentencePair(
                    a.paragraph, item.text[slice(*a.source)], translation[slice(*a.target)]
                )
                for a in alignment
            ]
            results.append(TranslateOutput(
                translation=translation,
                title=_rebuild(title, set(), known)[0] if title else None,
                alignment=alignment,
                checks=[c.to_dict() for c in check_translation(pairs, item.language)],
                sentences_total=sum(len(p.sentences) for p in doc.paragraphs),
                sentences_translated=len(body),  # of the body; the headline is extra
                paragraphs_kept=len(kept),
                guards=tally(note for s in fresh for note in notes[s]),
            ))  # fmt: skip
        return results

    def translate_sentences(self, sentences: Sequence[str], *, use_cache: bool = True) -> list[str]:
        """Each of `sentences` translated as one sentence (never re-split into sentences), in
        order: the translation memory first, the rest in one batched model call. Blank ones
        stay empty."""
        memory = self.memory if use_cache else None
        wanted = [s for s in dict.fromkeys(text.strip() for text in sentences) if s]
        known = self._recall(wanted, memory)
        new = [s for s in wanted if s not in known]
        if new:
            known.update(self._translate(new, {}, memory))
        return [known.get(text.strip(), "") for text in sentences]

    def _tm_key(self, sentence: str) -> str:
        return make_key("tm", self.memory_version, self.identity, sentence)

    def _recall(self, sentences: Sequence[str], memory: Cache | None) -> dict[str, str]:
        if memory is None or not sentences:
            return {}
        hits = memory.get_many("tm", [self._tm_key(s) for s in sentences])
        return {s: hit for s, hit in zip(sentences, hits, strict=True) if isinstance(hit, str)}

    def _translate(
        self, sentences: Sequence[str], notes: dict[str, list[str]], memory: Cache | None
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
            memory.put_many("tm", [(self._tm_key(s), result[s]) for s in sentences])
        return result


def _english_paragraphs(doc: Document) -> set[int]:
    """Indices of paragraphs written in English (kept as they are)."""
    kept = set()
    for index, paragraph in enumerate(doc.paragraphs):
        text = doc.paragraph_text(paragraph)
        if len(text.split()) < PASSTHROUGH_MIN_WORDS:
            continue
        found = detect_language(text)
        if found.code == "en" and found.confidence >= PASSTHROUGH_CONFIDENCE:
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


def _rebuild(doc: Document, kept: set[int], known: dict[str, str]) -> tuple[str, list[Aligned]]:
    """The translation of `doc`, and each sentence's place in the source and the translation."""
    skip = {span for i in kept for span in doc.paragraphs[i].sentences}
    text, targets = doc.rebuild_with_spans(lambda s, e, t: t if (s, e) in skip else known[t])
    sources = [(i, span) for i, p in enumerate(doc.paragraphs) for span in p.sentences]
    alignment = [Aligned(i, span, target)
                 for (i, span), target in zip(sources, targets, strict=True)]  # fmt: skip
    return text, alignment
