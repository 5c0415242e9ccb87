"""Reversible text plumbing: an article body as paragraphs of sentences, and back.

A paragraph is one line of the body (news text puts each paragraph, heading or quote on its own
line; blank lines between them are kept as they are). Sentences are spans inside a paragraph.
Everything outside the spans is whitespace and is kept verbatim, so `rebuild` with the original
sentences returns the original text exactly, and a translation keeps the article's layout.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.text.sentences import sentence_spans

_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Paragraph:
    """One line of the body: its offsets and its sentences' offsets (absolute, into the body)."""

    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Document:
    """A body split into paragraphs and sentences, with every character accounted for."""

    text: str
    paragraphs: tuple[Paragraph, ...]

    def paragraph_text(self, paragraph: Paragraph) -> str:
        """The paragraph as written."""
        return self.text[paragraph.start : paragraph.end]

    def sentences(self, paragraph: Paragraph) -> list[str]:
        """The paragraph's sentences as written."""
        return [self.text[s:e] for s, e in paragraph.sentences]

    def rebuild(self, replace: Callable[[int, int, str], str]) -> str:
        """The text with each sentence span (s, e) replaced by ``replace(s, e, sentence)``."""
        return self.rebuild_with_spans(replace)[0]

    def rebuild_with_spans(
        self, replace: Callable[[int, int, str], str]
    ) -> tuple[str, list[tuple[int, int]]]:
        """`rebuild`, and where each replacement landed in the new text (one span per sentence,
        in order), so that a sentence and its translation can be found side by side."""
        out, spans, pos, length = [], [], 0, 0
        for paragraph in self.paragraphs:
            for s, e in paragraph.sentences:
                gap, new = self.text[pos:s], replace(s, e, self.text[s:e])
                out += [gap, new]
                length += len(gap)
                spans.append((length, length + len(new)))
                length += len(new)
                pos = e
        out.append(self.text[pos:])
        return "".join(out), spans


def split_document(text: str, language: str = "nb") -> Document:
    """Split `text` into line paragraphs and sentences (see module docstring)."""
    paragraphs = []
    for line in _LINE.finditer(text):
        if not line.group().strip():
            continue
        base = line.start()
        spans = tuple((base + s, base + e) for s, e in sentence_spans(line.group(), language))
        paragraphs.append(Paragraph(line.start(), line.end(), spans))
    return Document(text, tuple(paragraphs))
